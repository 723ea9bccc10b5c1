#include "exec/protocol.h"

#include <gtest/gtest.h>

namespace suanli::exec {
namespace {

TEST(ProtocolTest, SyncRequestRoundTrips) {
  SyncRequest r;
  r.node_id = "node-1";
  r.wait_ms = 5000;
  TaskReport t;
  t.key = {"job-a", 1, 2};
  t.state = "failed";
  t.exit_code = 137;
  t.message = "killed by signal 9";
  t.checkpoint_at_ms = 1700000000123;
  r.tasks.push_back(t);
  r.faults.push_back({3, "xid", "Xid 79"});
  r.logs.push_back({{"job-a", 1, 2}, 10, "hello\n"});
  auto back = SyncRequestFromJson(ToJson(r));
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->node_id, "node-1");
  EXPECT_EQ(back->wait_ms, 5000);
  ASSERT_EQ(back->tasks.size(), 1u);
  EXPECT_EQ(back->tasks[0].key, (TaskKey{"job-a", 1, 2}));
  EXPECT_EQ(back->tasks[0].exit_code, 137);
  EXPECT_EQ(back->tasks[0].message, "killed by signal 9");
  EXPECT_EQ(back->tasks[0].checkpoint_at_ms, 1700000000123);
  ASSERT_EQ(back->faults.size(), 1u);
  EXPECT_EQ(back->faults[0].device, 3);
  ASSERT_EQ(back->logs.size(), 1u);
  EXPECT_EQ(back->logs[0].offset, 10);
  EXPECT_EQ(back->logs[0].data, "hello\n");
}

TEST(ProtocolTest, SyncReplyRoundTrips) {
  SyncReply r;
  Assignment a;
  a.key = {"job-b", 0, 1};
  a.tasks = 2;
  a.command = "python train.py";
  a.ecosystem = "CANN";
  a.cpu_cores = 8;
  a.memory_gib = 32;
  a.devices = {0, 1};
  a.env = {{"SUANLI_RESTART_COUNT", "1"}};
  r.assign.push_back(a);
  r.kill.push_back({"job-c", 3, 0});
  r.log_offsets["job-b/0/1"] = 42;
  auto back = SyncReplyFromJson(ToJson(r));
  ASSERT_TRUE(back) << back.error().ToString();
  ASSERT_EQ(back->assign.size(), 1u);
  EXPECT_EQ(back->assign[0].key, a.key);
  EXPECT_EQ(back->assign[0].devices, a.devices);
  EXPECT_EQ(back->assign[0].env, a.env);
  EXPECT_EQ(back->assign[0].ecosystem, "CANN");
  ASSERT_EQ(back->kill.size(), 1u);
  EXPECT_EQ(back->kill[0].task, 3);
  EXPECT_EQ(back->log_offsets.at("job-b/0/1"), 42);
}

TEST(ProtocolTest, BadInputNamesTheField) {
  auto r = SyncRequestFromJson(Json::parse(R"({"node_id":"n","tasks":[{"job_id":"j","task":0,"state":"exploded"}]})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field(), "tasks[0].state");
  r = SyncRequestFromJson(Json::parse(R"({"tasks":[]})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field(), "node_id");
  auto g = RegisterRequestFromJson(Json::parse(R"({"inventory":{"name":"h","cpu_cores":4,"memory_gib":8,"accelerators":[{"model":"H100","count":0}]}})"));
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().field(), "inventory.accelerators[0].count");
  g = RegisterRequestFromJson(Json::parse(R"({"inventory":{"name":"h","cpu_cores":"four","memory_gib":8}})"));
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().field(), "inventory.cpu_cores");
}

TEST(ProtocolTest, VisibleDevicesFollowTheEcosystem) {
  EXPECT_EQ(VisibleDevicesVar("CUDA"), "CUDA_VISIBLE_DEVICES");
  EXPECT_EQ(VisibleDevicesVar("CANN"), "ASCEND_RT_VISIBLE_DEVICES");
  EXPECT_EQ(VisibleDevicesVar("DTK"), "HIP_VISIBLE_DEVICES");
  EXPECT_EQ(VisibleDevicesVar("Neuware"), "MLU_VISIBLE_DEVICES");
  EXPECT_EQ(VisibleDevicesVar("CPU"), "");
}

}  // namespace
}  // namespace suanli::exec
