// Pins each policy's decision on small hand-made clusters. Expected nodes and devices are
// derived by hand from the policy definitions in EVALUATION.md / docs/scheduling.md.
#include <gtest/gtest.h>

#include "sched/engine.h"

namespace suanli::sched {
namespace {

TaskDemand Whole(int count, int64_t cpu = 8000) { return {cpu, 1024, count, 1000}; }
TaskDemand Share(int milli, int64_t cpu = 4000) { return {cpu, 1024, 1, milli}; }

class Scenario : public ::testing::Test {
 protected:
  // Two 8-GPU nodes "a" (rank 0) and "b" (rank 1), 96 cores each.
  void SetUp() override {
    a_ = *cluster_.AddNode({"a", 96000, 393216, 8, "G2", "CUDA", ""});
    b_ = *cluster_.AddNode({"b", 96000, 393216, 8, "G2", "CUDA", ""});
  }
  Engine Make(const std::string& policy, WorkloadProfile profile = {}) {
    return Engine(&cluster_, *MakePolicy(policy, {std::move(profile), 7, {}}));
  }
  // Places `t` with a fixed policy (bestfit) to prepare a state.
  void Preplace(NodeSlot slot, TaskDemand t, std::vector<uint8_t> devices) {
    DeviceChoice c;
    c.count = static_cast<int>(devices.size());
    std::copy(devices.begin(), devices.end(), c.devices.begin());
    cluster_.Apply(slot, t, c, +1);
  }
  TaskPlacement PlaceOne(Engine& e, TaskDemand t) {
    auto p = e.Place({t, 1, kAnyModel, false});
    EXPECT_TRUE(p.has_value());
    return p ? p->tasks[0] : TaskPlacement{};
  }
  Cluster cluster_;
  NodeSlot a_ = 0, b_ = 0;
};

TEST_F(Scenario, BestFitTakesTheFullerNodeAndTheTightestDevice) {
  Preplace(b_, Whole(6), {0, 1, 2, 3, 4, 5});
  Preplace(b_, Share(600), {6});  // b: device 6 has 400 free, device 7 is free
  Engine e = Make("bestfit");
  TaskPlacement p = PlaceOne(e, Share(300));
  EXPECT_EQ(p.node, b_);
  EXPECT_EQ(p.devices, std::vector<uint8_t>{6});
}

TEST_F(Scenario, DotProdPrefersTheNodeWithLessFreeAlignedCapacity) {
  Preplace(a_, Whole(4), {0, 1, 2, 3});
  Engine e = Make("dotprod");
  TaskPlacement p = PlaceOne(e, Whole(2));
  EXPECT_EQ(p.node, a_);
  EXPECT_EQ(p.devices, (std::vector<uint8_t>{4, 5}));  // lowest free devices
}

TEST_F(Scenario, PackingPrefersAPartlyUsedDevice) {
  Preplace(a_, Whole(7), {0, 1, 2, 3, 4, 5, 6});  // a is fuller but has no partial device
  Preplace(b_, Share(500), {3});
  Engine e = Make("packing");
  TaskPlacement p = PlaceOne(e, Share(400));
  EXPECT_EQ(p.node, b_);
  EXPECT_EQ(p.devices, std::vector<uint8_t>{3});
}

TEST_F(Scenario, ClusteringKeepsKindsApart) {
  Preplace(a_, Share(500), {0});
  Engine e = Make("clustering");
  EXPECT_EQ(PlaceOne(e, Share(200)).node, a_);  // same kind beats empty
  EXPECT_EQ(PlaceOne(e, Whole(1)).node, b_);    // empty beats mixed
}

TEST_F(Scenario, FgdPutsAShareWhereItFillsAHole) {
  // Profile: only whole-GPU tasks. a has a device with 600 free; placing 500 there cuts a's
  // fragment from 600 to 100 (score floor(100*sigmoid(0.5)) = 62); on an empty device of b it
  // creates 500 of fragment (score 37).
  Preplace(a_, Share(400), {2});
  WorkloadProfile profile({{Whole(1), kAnyModel, 1.0}});
  Engine e = Make("fgd", profile);
  TaskPlacement p = PlaceOne(e, Share(500));
  EXPECT_EQ(p.node, a_);
  EXPECT_EQ(p.devices, std::vector<uint8_t>{2});
}

TEST_F(Scenario, FgdBreaksTiesByRank) {
  WorkloadProfile profile({{Whole(1), kAnyModel, 1.0}});
  cluster_.SetRank(a_, 5);
  cluster_.SetRank(b_, 2);
  Engine e = Make("fgd", profile);
  EXPECT_EQ(PlaceOne(e, Whole(1)).node, b_);
}

TEST_F(Scenario, SuanliLooksAheadAtCpu) {
  // Typical task: one GPU with 12 cores. a: 4 GPUs and 24 cores free; b: 4 GPUs, 64 cores.
  // A 12-core CPU task still leaves one typical task room on a (FGD: no change, rank 0 wins),
  // but a could then fill 1 of its 4 GPUs instead of 2: suanli sends it to b.
  Preplace(a_, Whole(4, 72000), {0, 1, 2, 3});
  Preplace(b_, Whole(4, 32000), {0, 1, 2, 3});
  WorkloadProfile profile({{Whole(1, 12000), kAnyModel, 1.0}});
  Engine fgd = Make("fgd", profile);
  auto pf = fgd.Place({{12000, 1024, 0, 0}, 1, kAnyModel, false});
  ASSERT_TRUE(pf.has_value());
  EXPECT_EQ(pf->tasks[0].node, a_);
  ASSERT_TRUE(fgd.Release(pf->id).ok());
  Engine ours = Make("suanli", profile);
  auto po = ours.Place({{12000, 1024, 0, 0}, 1, kAnyModel, false});
  ASSERT_TRUE(po.has_value());
  EXPECT_EQ(po->tasks[0].node, b_);
}

TEST_F(Scenario, RandomPicksOnlyFeasibleNodes) {
  Preplace(a_, Whole(8), {0, 1, 2, 3, 4, 5, 6, 7});
  Engine e = Make("random");
  for (int i = 0; i < 8; ++i) EXPECT_EQ(PlaceOne(e, Whole(1)).node, b_);
  EXPECT_FALSE(e.Place({Whole(1), 1, kAnyModel, false}).has_value());
}

}  // namespace
}  // namespace suanli::sched
