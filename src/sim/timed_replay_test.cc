// Mode (b): the arrival stream at a chosen load, and waits through the real queue.
#include "sim/timed_replay.h"

#include <gtest/gtest.h>

namespace suanli::sim {
namespace {

TraceTask Task(std::string name, int gpus, int milli, int64_t created, int64_t deleted,
               std::string qos = "LS") {
  TraceTask t;
  t.name = std::move(name);
  t.demand = {1000, 1024, gpus, milli};
  t.qos = std::move(qos);
  t.creation_s = created;
  t.deletion_s = deleted;
  return t;
}

std::vector<TraceTask> SmallTrace() {
  std::vector<TraceTask> tasks;
  for (int i = 0; i < 40; ++i) {
    tasks.push_back(Task("t" + std::to_string(i), 1 + i % 2, 1000, 1000 + 3600 * i,
                         1000 + 3600 * i + 600 + 60 * (i % 7)));
  }
  return tasks;
}

TEST(MakeStream, AsRecordedKeepsCreationTimes) {
  auto s = MakeStream(SmallTrace(), 8000, 0, 24, 42);
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->arrivals.size(), 40u);
  EXPECT_EQ(s->arrivals[0].ms, 0);
  EXPECT_EQ(s->arrivals[5].ms, 5 * 3600 * 1000);
  EXPECT_EQ(s->window_ms, 39 * 3600 * 1000);
  // 40 tasks of ~1.5 GPUs for ~13 min each, one an hour, on 8 GPUs: about 4% offered.
  EXPECT_NEAR(OfferedLoadPct(SmallTrace(), *s, 8000), 4.1, 0.3);
}

TEST(MakeStream, ReachesTheAskedLoadAndIsSeeded) {
  auto tasks = SmallTrace();
  auto s = MakeStream(tasks, 8000, 70, 8, 7);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->window_ms, 8 * 3600 * 1000);
  EXPECT_NEAR(OfferedLoadPct(tasks, *s, 8000), 70, 1.0);
  EXPECT_GT(s->arrivals.size(), 100u);  // ~170 draws with replacement from 40
  for (size_t i = 1; i < s->arrivals.size(); ++i) {
    EXPECT_LE(s->arrivals[i - 1].ms, s->arrivals[i].ms);
  }
  auto again = MakeStream(tasks, 8000, 70, 8, 7);
  ASSERT_EQ(again->arrivals.size(), s->arrivals.size());
  EXPECT_EQ(again->arrivals.back().task, s->arrivals.back().task);
  EXPECT_FALSE(MakeStream(tasks, 8000, 70, 0, 7).has_value());  // no window
}

TEST(RunTimed, ATaskThatDoesNotFitWaitsForTheOthersToEnd) {
  // One 4-GPU node. At t=0 four 1-GPU tasks of 100 s and one 4-GPU task arrive: the big one
  // starts when they end.
  std::vector<sched::NodeSpec> nodes = {{"n", 64000, 65536, 4, "G", "", ""}};
  std::vector<TraceTask> tasks;
  for (int i = 0; i < 4; ++i) tasks.push_back(Task("s" + std::to_string(i), 1, 1000, 0, 100));
  tasks.push_back(Task("big", 4, 1000, 0, 50));
  auto r = RunTimed(nodes, tasks, {"suanli", 42, 1, 0, 24, 0, nullptr});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->completed, 5);
  EXPECT_EQ(r->infeasible, 0);
  EXPECT_DOUBLE_EQ(r->wait_s_max, 100.0);
  EXPECT_DOUBLE_EQ(r->wait_s_mean, 20.0);
  EXPECT_DOUBLE_EQ(r->jct_s_mean, (4 * 100.0 + 150.0) / 5);
}

TEST(RunTimed, HigherLoadMeansHigherUtilisation) {
  std::vector<sched::NodeSpec> nodes = {{"a", 64000, 65536, 4, "G", "", ""},
                                        {"b", 64000, 65536, 4, "G", "", ""}};
  auto tasks = SmallTrace();
  auto light = RunTimed(nodes, tasks, {"suanli", 42, 2, 20, 4, 0, nullptr});
  auto heavy = RunTimed(nodes, tasks, {"suanli", 42, 2, 90, 4, 0, nullptr});
  ASSERT_TRUE(light.has_value());
  ASSERT_TRUE(heavy.has_value());
  EXPECT_NEAR(light->utilisation_pct_mean, 20, 5);
  EXPECT_GT(heavy->utilisation_pct_mean, 60);
  EXPECT_GT(heavy->wait_s_mean, light->wait_s_mean);
  EXPECT_EQ(heavy->completed, heavy->tasks);
}

}  // namespace
}  // namespace suanli::sim
