// The execution service with the real placement service on a real (SQLite) registry: tasks
// move through their states from agent reports, failures requeue the gang with a new attempt,
// silent nodes go down, faulty devices cordon their node, simulated nodes run for the
// estimate.
#include "exec/execution_service.h"

#include <gtest/gtest.h>

#include "control/test_registry.h"

#include <filesystem>

#include "exec/effective_compute.h"
#include "placement/placement_service.h"

namespace suanli::exec {
namespace {

using namespace domain;

TaskReport R(const TaskKey& key, const std::string& state, int exit_code, const std::string& msg) {
  TaskReport r;
  r.key = key;
  r.state = state;
  r.exit_code = exit_code;
  r.message = msg;
  return r;
}

class ExecutionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
      Accelerator a;
      a.id = "h100";
      a.vendor = "NVIDIA";
      a.ecosystem = "CUDA";
      txn.Put(a, "create");
      domain::Pool p;
      p.id = "pool-a";
      p.org_id = "org-s";
      p.site_id = "site-a";
      p.kind = "ai";
      txn.Put(p, "create");
      for (int i = 0; i < 3; ++i) {
        Node n;
        n.id = "node-" + std::to_string(i);
        n.org_id = "org-s";
        n.pool_id = "pool-a";
        n.name = n.id;
        n.cpu_cores = 64;
        n.memory_gib = 512;
        n.accelerators = {{"h100", 8}};
        n.executor = i < 2 ? "agent" : "simulated";
        txn.Put(n, "create");
      }
      return OkStatus();
    }).ok());
    placer_ = std::make_unique<placement::PlacementService>(reg_.get(), placement::PlacementOptions{});
    ExecOptions o;
    o.log_dir = (dir_ / "logs").string();
    exec_ = std::make_unique<ExecutionService>(reg_.get(), &clock_, o);
    agent_.token_id = "tok";
    agent_.user_id = "user-agent";
    agent_.org_id = "org-s";
    agent_.user_role = "member";
    agent_.SetOrgRoles({"supplier"});
    agent_.pool_scope = "pool-a";
  }
  void TearDown() override {
    exec_.reset();
    placer_.reset();
  }

  // A job pinned to the nodes named in `any_of` via their model; `tasks` whole-node tasks.
  std::string Submit(int tasks, int gpus, int max_restarts = 3) {
    clock_.Advance(Millis(1000));
    Job j;
    j.id = ids_.NewId("job");
    j.org_id = "org-b";
    j.name = "train";
    j.tasks = tasks;
    j.cpu_cores = 8;
    j.memory_gib = 32;
    j.accelerators.count = gpus;
    j.commands = {{"CUDA", "python train.py"}};
    j.duration_estimate_s = 60;
    j.max_restarts = max_restarts;
    EXPECT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
      txn.Put(j, "create");
      return OkStatus();
    }).ok());
    return j.id;
  }
  Job GetJob(const std::string& id) { return *reg_->Get<Job>(id)->obj; }
  Node GetNode(const std::string& id) { return *reg_->Get<Node>(id)->obj; }

  // Places and indexes (what the two service loops do).
  void Round() {
    placer_->RunOnce();
    exec_->RunOnce();
  }
  // One agent sync for `node`: heartbeat, reports applied, plan returned.
  SyncReply Sync(const std::string& node, std::vector<TaskReport> tasks,
                 std::vector<DeviceFault> faults = {}) {
    SyncRequest req;
    req.node_id = node;
    req.tasks = std::move(tasks);
    req.faults = std::move(faults);
    EXPECT_TRUE(exec_->Heartbeat(agent_, node).ok());
    if (exec_->ReportsChangeAnything(req)) {
      EXPECT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
        return exec_->ApplyReports(txn, req);
      }).ok());
    } else {
      // Nothing to change: applying must indeed change nothing.
      auto before = reg_->Get<Node>(node)->obj->version;
      EXPECT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
        return exec_->ApplyReports(txn, req);
      }).ok());
      EXPECT_EQ(reg_->Get<Node>(node)->obj->version, before);
    }
    return exec_->Plan(req);
  }
  // Places a job whose tasks all land on agent nodes, keeping the simulated node busy.
  void FillSimulatedNode() {
    ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
      Node n = *txn.Get<Node>("node-2");
      n.state = "cordoned";
      txn.Put(n, "update");
      return OkStatus();
    }).ok());
  }

  control::TestRegistry t_{"exec", 5};
  std::filesystem::path& dir_ = t_.dir;
  FakeClock& clock_ = t_.clock;
  SeededIdSource& ids_ = t_.ids;
  std::unique_ptr<control::Registry>& reg_ = t_.reg;
  std::unique_ptr<placement::PlacementService> placer_;
  std::unique_ptr<ExecutionService> exec_;
  control::Principal agent_;
};

TEST_F(ExecutionServiceTest, TasksRunThroughTheirStatesAndTheJobFollows) {
  FillSimulatedNode();
  const std::string id = Submit(2, 8);
  Round();
  Job j = GetJob(id);
  ASSERT_EQ(j.state, "scheduled") << j.state_reason;
  ASSERT_EQ(j.placement.size(), 2u);
  std::map<std::string, TaskKey> on;  // node -> its task
  for (const auto& node : {"node-0", "node-1"}) {
    SyncReply r = Sync(node, {});
    ASSERT_EQ(r.assign.size(), 1u) << node;
    const Assignment& a = r.assign[0];
    EXPECT_EQ(a.command, "python train.py");
    EXPECT_EQ(a.ecosystem, "CUDA");
    EXPECT_EQ(a.devices.size(), 8u);
    EXPECT_EQ(a.env.at("SUANLI_RESTART_COUNT"), "0");
    EXPECT_EQ(a.env.at("SUANLI_TASKS"), "2");
    EXPECT_EQ(a.key.attempt, 0);
    on[node] = a.key;
  }
  Sync("node-0", {R(on["node-0"], "running", 0, "")});
  EXPECT_EQ(GetJob(id).state, "scheduled");  // a gang runs when every task runs
  SyncReply again = Sync("node-1", {R(on["node-1"], "running", 0, "")});
  EXPECT_TRUE(again.assign.empty());  // what runs is not assigned twice
  j = GetJob(id);
  EXPECT_EQ(j.state, "running");
  EXPECT_GT(j.started_at.ms, 0);
  Sync("node-0", {R(on["node-0"], "succeeded", 0, "")});
  EXPECT_EQ(GetJob(id).state, "running");
  Sync("node-1", {R(on["node-1"], "succeeded", 0, "")});
  j = GetJob(id);
  EXPECT_EQ(j.state, "succeeded");
  EXPECT_GE(j.finished_at.ms, j.started_at.ms);
  Round();  // the placement service gives the devices back
  const std::string next = Submit(2, 8);
  Round();
  EXPECT_EQ(GetJob(next).state, "scheduled");
}

TEST_F(ExecutionServiceTest, ACrashedTaskRequeuesTheGangWithANewAttempt) {
  FillSimulatedNode();
  const std::string id = Submit(2, 8);
  Round();
  TaskKey k0 = Sync("node-0", {}).assign.at(0).key;
  TaskKey k1 = Sync("node-1", {}).assign.at(0).key;
  Sync("node-0", {R(k0, "running", 0, "")});
  Sync("node-1", {R(k1, "running", 0, "")});
  ASSERT_EQ(GetJob(id).state, "running");
  Sync("node-0", {R(k0, "failed", 137, "killed by signal 9")});
  Job j = GetJob(id);
  EXPECT_EQ(j.state, "pending");
  EXPECT_EQ(j.restart_count, 1);
  EXPECT_TRUE(j.placement.empty());
  EXPECT_NE(j.state_reason.find("exited with code 137"), std::string::npos) << j.state_reason;
  Round();
  ASSERT_EQ(GetJob(id).state, "scheduled");
  // The surviving task of the old attempt is killed; the new attempt is assigned.
  SyncReply r = Sync("node-1", {R(k1, "running", 0, "")});
  ASSERT_EQ(r.kill.size(), 1u);
  EXPECT_EQ(r.kill[0], k1);
  ASSERT_EQ(r.assign.size(), 1u);
  EXPECT_EQ(r.assign[0].key.attempt, 1);
  EXPECT_EQ(r.assign[0].env.at("SUANLI_RESTART_COUNT"), "1");
}

// The placement service preempts a running spot gang for a high job: the gang goes back to
// pending through PreemptJob in the placement round's write, and at their next sync both
// agents are told to kill the old attempt's tasks, one of them also to start the high job.
TEST_F(ExecutionServiceTest, APreemptedGangIsKilledOnItsNodes) {
  FillSimulatedNode();
  auto with_priority = [&](const std::string& id, const std::string& priority) {
    ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
      Job j = *txn.Get<Job>(id);
      j.priority = priority;
      txn.Put(j, "update");
      return OkStatus();
    }).ok());
  };
  const std::string spot = Submit(2, 8, /*max_restarts=*/0);
  with_priority(spot, "spot");
  Round();
  std::map<std::string, TaskKey> on;
  for (const auto& node : {"node-0", "node-1"}) on[node] = Sync(node, {}).assign.at(0).key;
  for (const auto& node : {"node-0", "node-1"}) Sync(node, {R(on[node], "running", 0, "")});
  ASSERT_EQ(GetJob(spot).state, "running");
  clock_.Advance(Millis(30'000));
  for (const auto& node : {"node-0", "node-1"}) Sync(node, {R(on[node], "running", 0, "")});
  const std::string high = Submit(1, 8);
  with_priority(high, "high");
  Round();
  const Job victim = GetJob(spot);
  ASSERT_EQ(victim.state, "pending") << victim.state_reason;  // not failed: no restart used
  EXPECT_EQ(victim.restart_count, 1);
  EXPECT_NE(victim.state_reason.find("preempted by job " + high), std::string::npos);
  ASSERT_EQ(GetJob(high).state, "scheduled") << GetJob(high).state_reason;
  const std::string taken = GetJob(high).placement.at(0).node_id;
  for (const auto& node : {"node-0", "node-1"}) {
    SyncReply r = Sync(node, {R(on[node], "running", 0, "")});
    ASSERT_EQ(r.kill.size(), 1u) << node;
    EXPECT_EQ(r.kill[0], on[node]);
    if (node == taken) {
      ASSERT_EQ(r.assign.size(), 1u);
      EXPECT_EQ(r.assign[0].key.job_id, high);
    } else {
      EXPECT_TRUE(r.assign.empty());
    }
    // 8 devices held for 31 s (the high job came 1 s later), charged for effective compute.
    EXPECT_EQ(GetNode(node).requeued_unit_ms, 8 * 31'000);
  }
  // The killed tasks' final reports change nothing: they belong to the old attempt.
  Sync("node-0", {R(on["node-0"], "failed", 143, "killed by signal 15")});
  EXPECT_EQ(GetJob(spot).state, "pending");
  EXPECT_EQ(GetJob(spot).restart_count, 1);
}

TEST_F(ExecutionServiceTest, AFailureCostsTheWorkSinceTheLastCheckpoint) {
  FillSimulatedNode();
  const std::string id = Submit(1, 8);
  Round();
  const std::string node = GetJob(id).placement.at(0).node_id;
  TaskKey k = Sync(node, {}).assign.at(0).key;
  Sync(node, {R(k, "running", 0, "")});
  clock_.Advance(Millis(20'000));
  TaskReport ckpt = R(k, "running", 0, "");
  ckpt.checkpoint_at_ms = clock_.Now().ms;
  Sync(node, {ckpt});
  EXPECT_EQ(GetJob(id).placement.at(0).checkpoint_at.ms, ckpt.checkpoint_at_ms);
  clock_.Advance(Millis(10'000));
  Sync(node, {R(k, "failed", 1, "")});
  ASSERT_EQ(GetJob(id).state, "pending");
  // The job records the attempt for billing: a crash (the job's own fault), where it ran,
  // and that the work after the checkpoint was lost.
  const Job failed = GetJob(id);
  ASSERT_EQ(failed.interruptions.size(), 1u);
  const domain::Interruption& in = failed.interruptions[0];
  EXPECT_EQ(in.attempt, 0);
  EXPECT_EQ(in.cause, "task_failed");
  EXPECT_FALSE(in.provider_side());
  EXPECT_EQ(in.failed_at.ms - in.started_at.ms, 30'000);
  EXPECT_EQ(in.failed_at.ms - in.useful_until.ms, 10'000);
  EXPECT_EQ(in.node_id, node);
  EXPECT_FALSE(in.pool_id.empty());
  EXPECT_TRUE(failed.pool_id.empty());  // the job itself forgot where it ran
  Node n = GetNode(node);
  EXPECT_EQ(n.requeued_unit_ms, 8 * 30'000);  // 8 devices held for 30 s
  EXPECT_EQ(n.lost_unit_ms, 8 * 10'000);      // of which the 10 s since the checkpoint are lost
  auto ec = EffectiveCompute(*reg_, clock_.Now(), "node", [](const Node&) { return true; });
  ASSERT_TRUE(ec);
  const ComputeTime& t = ec->at(node);
  EXPECT_NEAR(t.allocated_h, 8 * 30.0 / 3600, 1e-9);
  EXPECT_NEAR(t.useful_h, 8 * 20.0 / 3600, 1e-9);
  EXPECT_NEAR(t.lost_h, 8 * 10.0 / 3600, 1e-9);
  EXPECT_GT(t.nominal_h, t.allocated_h);
  EXPECT_NEAR(t.UsefulOfAllocatedPct(), 100.0 * 2 / 3, 1e-6);
  // A node that never ran anything offers nominal time and no useful time.
  const std::string other = node == "node-0" ? "node-1" : "node-0";
  EXPECT_EQ(ec->at(other).allocated_h, 0);
  EXPECT_GT(ec->at(other).nominal_h, 0);
  EXPECT_FALSE(EffectiveCompute(*reg_, clock_.Now(), "colour", [](const Node&) { return true; }));
  // Per device: each of the 8 devices held 30 s and lost 10 s; the node's rows add up.
  auto dev = EffectiveCompute(*reg_, clock_.Now(), "device", [](const Node&) { return true; });
  ASSERT_TRUE(dev);
  double sum_allocated = 0;
  for (int d = 0; d < 8; ++d) {
    const ComputeTime& row = dev->at(node + "/" + std::to_string(d));
    EXPECT_NEAR(row.allocated_h, 30.0 / 3600, 1e-9) << d;
    EXPECT_NEAR(row.lost_h, 10.0 / 3600, 1e-9) << d;
    sum_allocated += row.allocated_h;
  }
  EXPECT_NEAR(sum_allocated, t.allocated_h, 1e-9);
  EXPECT_EQ(dev->count(node + "/8"), 0u);
}

TEST_F(ExecutionServiceTest, RestartsUsedUpFailTheJob) {
  FillSimulatedNode();
  const std::string id = Submit(1, 8, /*max_restarts=*/0);
  Round();
  const std::string node = GetJob(id).placement.at(0).node_id;
  TaskKey k = Sync(node, {}).assign.at(0).key;
  Sync(node, {R(k, "failed", 1, "")});
  Job j = GetJob(id);
  EXPECT_EQ(j.state, "failed");
  EXPECT_NE(j.state_reason.find("restarts used up"), std::string::npos) << j.state_reason;
}

TEST_F(ExecutionServiceTest, ASilentNodeGoesDownAndItsWorkMovesElsewhere) {
  FillSimulatedNode();
  const std::string id = Submit(1, 8);
  Round();
  const std::string node = GetJob(id).placement.at(0).node_id;
  const std::string other = node == "node-0" ? "node-1" : "node-0";
  TaskKey k = Sync(node, {}).assign.at(0).key;
  Sync(node, {R(k, "running", 0, "")});
  ASSERT_EQ(GetJob(id).state, "running");
  for (int s = 0; s < 12; ++s) {  // the other node keeps answering; `node` is silent
    clock_.Advance(Millis(1000));
    Sync(other, {});
    exec_->RunOnce();
  }
  Node n = GetNode(node);
  EXPECT_EQ(n.state, "down");
  EXPECT_EQ(n.fault_count, 1);
  EXPECT_EQ(GetNode(other).state, "ready");
  Job j = GetJob(id);
  EXPECT_EQ(j.state, "pending");
  EXPECT_EQ(j.restart_count, 1);
  // Provider-side: no checkpoint, so all of the attempt, detection included, was lost.
  ASSERT_EQ(j.interruptions.size(), 1u);
  EXPECT_EQ(j.interruptions[0].cause, "node_lost");
  EXPECT_TRUE(j.interruptions[0].provider_side());
  EXPECT_EQ(j.interruptions[0].useful_until, j.interruptions[0].started_at);
  EXPECT_GT(j.interruptions[0].failed_at.ms - j.interruptions[0].started_at.ms, 10'000);
  Round();
  j = GetJob(id);
  ASSERT_EQ(j.state, "scheduled");
  EXPECT_EQ(j.placement.at(0).node_id, other);
  // The node comes back: it is ready again and told to kill its stale task.
  SyncReply r = Sync(node, {R(k, "running", 0, "")});
  EXPECT_EQ(GetNode(node).state, "ready");
  ASSERT_EQ(r.kill.size(), 1u);
  EXPECT_EQ(r.kill[0], k);
}

TEST_F(ExecutionServiceTest, ADeviceFaultCordonsTheNodeAndRepeatedFaultsDrainIt) {
  FillSimulatedNode();
  const std::string id = Submit(1, 2);
  Round();
  Job j = GetJob(id);
  const std::string node = j.placement.at(0).node_id;
  const int dev = j.placement.at(0).devices.at(0);
  TaskKey k = Sync(node, {}).assign.at(0).key;
  Sync(node, {R(k, "running", 0, "")}, {{dev, "xid", "Xid 79: GPU has fallen off the bus"}});
  Node n = GetNode(node);
  EXPECT_EQ(n.state, "cordoned");
  EXPECT_EQ(n.faulty_devices, std::vector<int>{dev});
  EXPECT_NE(n.state_reason.find("Xid 79"), std::string::npos);
  j = GetJob(id);
  EXPECT_EQ(j.state, "pending");
  EXPECT_EQ(j.restart_count, 1);
  ASSERT_EQ(j.interruptions.size(), 1u);
  EXPECT_EQ(j.interruptions[0].cause, "device_fault");
  EXPECT_EQ(j.interruptions[0].node_id, node);
  Round();
  j = GetJob(id);
  ASSERT_EQ(j.state, "scheduled");
  EXPECT_NE(j.placement.at(0).node_id, node);  // not back on the cordoned node
  // A re-sent report of the same fault counts once; new faults drain the node.
  Sync(node, {}, {{dev, "xid", "Xid 79"}});
  EXPECT_EQ(GetNode(node).fault_count, 1);
  Sync(node, {}, {{dev + 1, "ecc", "uncorrectable"}});
  Sync(node, {}, {{dev + 2, "ecc", "uncorrectable"}});
  n = GetNode(node);
  EXPECT_EQ(n.fault_count, 3);
  EXPECT_EQ(n.state, "draining");
}

TEST_F(ExecutionServiceTest, ATaskTheAgentForgotIsLost) {
  FillSimulatedNode();
  const std::string id = Submit(1, 8);
  Round();
  const std::string node = GetJob(id).placement.at(0).node_id;
  TaskKey k = Sync(node, {}).assign.at(0).key;
  Sync(node, {R(k, "running", 0, "")});
  ASSERT_EQ(GetJob(id).state, "running");
  Sync(node, {});  // the agent restarted without its state
  Job j = GetJob(id);
  EXPECT_EQ(j.state, "pending");
  EXPECT_EQ(j.restart_count, 1);
  ASSERT_EQ(j.interruptions.size(), 1u);
  EXPECT_EQ(j.interruptions[0].cause, "task_lost");
  EXPECT_TRUE(j.interruptions[0].provider_side());
}

TEST_F(ExecutionServiceTest, SimulatedNodesRunTasksForTheirEstimate) {
  // Only the simulated node is placeable.
  ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
    for (const char* id : {"node-0", "node-1"}) {
      Node n = *txn.Get<Node>(id);
      n.state = "cordoned";
      txn.Put(n, "update");
    }
    return OkStatus();
  }).ok());
  const std::string id = Submit(1, 4);
  Round();
  exec_->RunOnce();
  Job j = GetJob(id);
  ASSERT_EQ(j.state, "running");
  EXPECT_EQ(j.placement.at(0).state, "running");
  clock_.Advance(Millis(30'000));
  exec_->RunOnce();
  EXPECT_EQ(GetJob(id).state, "running");
  clock_.Advance(Millis(31'000));
  exec_->RunOnce();
  j = GetJob(id);
  EXPECT_EQ(j.state, "succeeded");
  EXPECT_EQ(j.finished_at.ms - j.started_at.ms, 60'000);
}

TEST_F(ExecutionServiceTest, LogsAppendOncePerOffset) {
  TaskKey k{"job-x", 0, 0};
  auto chunk = [&](int64_t offset, std::string data) {
    LogChunk c;
    c.key = k;
    c.offset = offset;
    c.data = std::move(data);
    return c;
  };
  std::vector<LogChunk> batch;
  batch.push_back(chunk(0, "hello "));
  batch.push_back(chunk(0, "hello "));
  batch.push_back(chunk(6, "world\n"));
  EXPECT_EQ(exec_->AppendLogs(batch).at(k.Str()), 12);
  batch.assign(1, chunk(3, "lo world\nmore"));  // overlaps: only the new bytes land
  EXPECT_EQ(exec_->AppendLogs(batch).at(k.Str()), 16);
  batch.assign(1, chunk(40, "gap"));  // a gap is refused; the agent resends from 16
  EXPECT_EQ(exec_->AppendLogs(batch).at(k.Str()), 16);
  auto r = exec_->logs().Read(k, 0, 100);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data, "hello world\nmore");
  k.job_id = "../etc";
  batch.assign(1, chunk(0, "x"));
  exec_->AppendLogs(batch);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "etc"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "logs" / ".." / "etc"));
}

TEST_F(ExecutionServiceTest, RegisterCreatesThenUpdatesTheNode) {
  RegisterRequest req;
  req.inventory.name = "gpu-box-1";
  req.inventory.cpu_cores = 32;
  req.inventory.memory_gib = 256;
  req.inventory.accelerators = {{"h100", 4}};
  std::string id1, id2;
  ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
    return exec_->Register(txn, agent_, req, &id1);
  }).ok());
  Node n = GetNode(id1);
  EXPECT_EQ(n.executor, "agent");
  EXPECT_EQ(n.pool_id, "pool-a");
  EXPECT_EQ(n.org_id, "org-s");
  req.inventory.cpu_cores = 48;
  ASSERT_TRUE(reg_->WriteSync({}, [&](control::Txn& txn) {
    return exec_->Register(txn, agent_, req, &id2);
  }).ok());
  EXPECT_EQ(id1, id2);
  EXPECT_EQ(GetNode(id1).cpu_cores, 48);
  req.inventory.accelerators = {{"no-such-card", 1}};
  Status s = reg_->WriteSync({}, [&](control::Txn& txn) {
    return exec_->Register(txn, agent_, req, &id2);
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "inventory.accelerators[0].model");
  req.pool_id = "pool-b";
  s = reg_->WriteSync({}, [&](control::Txn& txn) { return exec_->Register(txn, agent_, req, &id2); });
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace suanli::exec
