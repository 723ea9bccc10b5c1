#include "sched/engine.h"

#include <gtest/gtest.h>

namespace suanli::sched {
namespace {

Request Gang(int size, int gpus) { return {{8000, 1024, gpus, 1000}, size, kAnyModel, false}; }

Engine Make(Cluster* c, EngineOptions o = {}) {
  return Engine(c, *MakePolicy("bestfit", {}), o);
}

TEST(ClusterTest, IndexFollowsEveryChange) {
  Cluster c;
  NodeSlot n = *c.AddNode({"n", 64000, 65536, 4, "T4", "CUDA", "d1"});
  auto in_index = [&] {
    const Node& node = c.node(n);
    const auto& b = c.Bucket(node.model, Cluster::ClassOf(node.full_free, node.max_partial));
    return std::find(b.begin(), b.end(), n) != b.end();
  };
  EXPECT_TRUE(in_index());
  EXPECT_EQ(c.DomainFullFree(c.node(n).domain), 4);
  DeviceChoice d;
  d.count = 1;
  d.devices[0] = 2;
  c.Apply(n, {1000, 1, 1, 300}, d, +1);
  EXPECT_EQ(c.node(n).full_free, 3);
  EXPECT_EQ(c.node(n).max_partial, 700);
  EXPECT_TRUE(in_index());
  const ModelId t4 = c.node(n).model;
  EXPECT_EQ(c.DevicesWithFree(t4, 700), 1);
  EXPECT_EQ(c.DevicesWithFree(t4, 1000), 3);
  EXPECT_EQ(c.IdleMilli(t4), 3700);
  ASSERT_TRUE(c.SetNodeState(n, NodeState::kCordoned).ok());
  EXPECT_FALSE(in_index());
  EXPECT_EQ(c.DomainFullFree(c.node(n).domain), 0);
  EXPECT_EQ(c.DevicesWithFree(t4, 700), 0);  // only up nodes are counted
  EXPECT_EQ(c.IdleMilli(t4), 0);
  ASSERT_TRUE(c.SetNodeState(n, NodeState::kUp).ok());
  EXPECT_TRUE(in_index());
  EXPECT_EQ(c.DevicesWithFree(t4, 700), 1);
  EXPECT_EQ(c.RemoveNode(n).code(), StatusCode::kFailedPrecondition);
  c.Apply(n, {1000, 1, 1, 300}, d, -1);
  EXPECT_EQ(c.DevicesWithFree(t4, 700), 0);
  EXPECT_EQ(c.DevicesWithFree(t4, 1000), 4);
  EXPECT_TRUE(c.RemoveNode(n).ok());
  EXPECT_EQ(c.DevicesWithFree(t4, 1000), 0);
  EXPECT_EQ(c.IdleMilli(t4), 0);
  EXPECT_EQ(c.total_gpu_milli(), 0);
}

TEST(ClusterTest, ResolvesModelsAndEcosystems) {
  Cluster c;
  ASSERT_TRUE(c.InternModel("A100", "CUDA").has_value());
  ASSERT_TRUE(c.InternModel("910B", "CANN").has_value());
  EXPECT_EQ(c.ResolveModels({}, {"CANN"}), ModelMask{1} << *c.InternModel("910B"));
  EXPECT_EQ(c.ResolveModels({"A100"}, {}), ModelMask{1} << *c.InternModel("A100"));
  EXPECT_EQ(c.ResolveModels({"nope"}, {}), ModelMask{0});
  EXPECT_EQ(c.ResolveModels({}, {}), kAnyModel);
}

TEST(EngineTest, GangIsAllOrNothing) {
  Cluster c;
  c.AddNode({"a", 64000, 65536, 4, "G", "", ""}).value();
  c.AddNode({"b", 64000, 65536, 4, "G", "", ""}).value();
  Engine e = Make(&c);
  auto p = e.Place(Gang(3, 4));  // 12 GPUs on 8: must fail and leave nothing behind
  ASSERT_FALSE(p.has_value());
  // Even an empty pool cannot hold it: infeasible here, not worth retrying.
  EXPECT_FALSE(IsRetryable(p.error()));
  EXPECT_EQ(c.allocated_gpu_milli(), 0);
  c.AddNode({"c", 64000, 65536, 4, "G", "", ""}).value();
  auto busy = e.Place(Gang(1, 4));
  ASSERT_TRUE(busy.has_value());
  auto wait = e.Place(Gang(3, 4));  // fits the pool, but not while `busy` holds a node
  ASSERT_FALSE(wait.has_value());
  EXPECT_TRUE(IsRetryable(wait.error()));
  ASSERT_TRUE(e.Release(busy->id).ok());
  auto q = e.Place(Gang(2, 4));
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->tasks.size(), 2u);
  EXPECT_NE(q->tasks[0].node, q->tasks[1].node);
  ASSERT_TRUE(e.Release(q->id).ok());
  EXPECT_EQ(c.allocated_gpu_milli(), 0);
  EXPECT_EQ(e.Release(q->id).code(), StatusCode::kNotFound);
}

TEST(EngineTest, GangPrefersOneDomain) {
  Cluster c;
  // d1: two nodes with 8 free GPUs in all; d2: two nodes, 16 GPUs. A 2x4 gang fits both; the
  // tighter domain d1 is chosen, and both tasks land in it.
  c.AddNode({"d1a", 64000, 65536, 4, "G", "", "d1"}).value();
  c.AddNode({"d1b", 64000, 65536, 4, "G", "", "d1"}).value();
  c.AddNode({"d2a", 64000, 65536, 8, "G", "", "d2"}).value();
  c.AddNode({"d2b", 64000, 65536, 8, "G", "", "d2"}).value();
  Engine e = Make(&c);
  auto p = e.Place(Gang(2, 4));
  ASSERT_TRUE(p.has_value());
  for (const auto& t : p->tasks) EXPECT_EQ(c.node(t.node).domain, c.node(0).domain);
}

TEST(EngineTest, InfeasibleIsNotRetryable) {
  Cluster c;
  c.AddNode({"a", 64000, 65536, 4, "G", "", ""}).value();
  Engine e = Make(&c);
  auto p = e.Place(Gang(1, 8));
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code(), StatusCode::kFailedPrecondition);
  Request bad = Gang(1, 1);
  bad.task.gpu_milli = 1500;
  EXPECT_EQ(e.Place(bad).error().code(), StatusCode::kInvalidArgument);
}

TEST(EngineTest, CandidateModeMatchesExactModeOnSmallClusters) {
  // With as many candidates as nodes, indexed search scores the same nodes as a full scan.
  for (int candidates : {0, 64}) {
    Cluster c;
    for (int i = 0; i < 16; ++i) {
      c.AddNode({"n" + std::to_string(i), 32000, 65536, 2, "G", "", ""}).value();
    }
    Engine e = Make(&c, {.max_candidates = candidates});
    int placed = 0;
    for (int i = 0; i < 128; ++i) placed += e.Place({{1000, 1, 1, 300}, 1, kAnyModel, false}).has_value();
    EXPECT_EQ(placed, 16 * 2 * 3) << candidates;  // three 300s per device
  }
}

}  // namespace
}  // namespace suanli::sched
