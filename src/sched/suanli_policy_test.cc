// Pins decisions of the default policy "suanli" on small hand-made clusters, where it differs
// from FGD and where it must not. Expected nodes and devices are derived by hand below.
#include <gtest/gtest.h>

#include "sched/engine.h"
#include "sched/suanli_policy.h"

namespace suanli::sched {
namespace {

TaskDemand Whole(int count, int64_t cpu = 8000) { return {cpu, 1024, count, 1000}; }
TaskDemand Share(int milli, int64_t cpu = 4000) { return {cpu, 1024, 1, milli}; }

class SuanliScenario : public ::testing::Test {
 protected:
  // Two 8-GPU nodes "a" (rank 0) and "b" (rank 1), 96 cores each.
  void SetUp() override {
    a_ = *cluster_.AddNode({"a", 96000, 393216, 8, "G2", "CUDA", ""});
    b_ = *cluster_.AddNode({"b", 96000, 393216, 8, "G2", "CUDA", ""});
    cluster_.SetRank(a_, 0);
    cluster_.SetRank(b_, 1);
  }
  Engine Make(const std::string& policy, WorkloadProfile profile) {
    return Engine(&cluster_, *MakePolicy(policy, {std::move(profile), 7, {}}));
  }
  void Preplace(NodeSlot slot, TaskDemand t, std::vector<uint8_t> devices) {
    DeviceChoice c;
    c.count = static_cast<int>(devices.size());
    std::copy(devices.begin(), devices.end(), c.devices.begin());
    cluster_.Apply(slot, t, c, +1);
  }
  Cluster cluster_;
  NodeSlot a_ = 0, b_ = 0;
};

TEST_F(SuanliScenario, SuanliIsTheDefault) { EXPECT_EQ(kDefaultPolicy, "suanli"); }

TEST_F(SuanliScenario, ShareGoesWhereItsRemainderIsMatchedExactly) {
  // Typical task: a 470 share. a: device 0 free, the rest taken; b: device 0 has 940 free
  // (a 60 share on it), the rest taken. A 470 share:
  //  - FGD: on a, device 0 goes 1000 -> 530, on b 940 -> 470; a 470 still fits on both, so F
  //    stays 0 on both (score 50 each): a tie, the lower rank (a) wins.
  //  - suanli: one model, so the price key is silent. Sum of squares over partly used devices
  //    (N(940) = 1, all others 0): a makes a new gap 530: +2*0+1 = 1; b moves its device from
  //    940 to 470: (1-2*1) + (1+2*0) = 0. b grows Σ N² less and wins.
  Preplace(a_, Whole(7), {1, 2, 3, 4, 5, 6, 7});
  Preplace(b_, Whole(7), {1, 2, 3, 4, 5, 6, 7});
  Preplace(b_, Share(60), {0});
  WorkloadProfile profile({{Share(470), kAnyModel, 1.0}});
  {
    Engine fgd = Make("fgd", profile);
    auto p = fgd.Place({Share(470), 1, kAnyModel, false});
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->tasks[0].node, a_);
    ASSERT_TRUE(fgd.Release(p->id).ok());
  }
  Engine ours = Make("suanli", profile);
  auto p = ours.Place({Share(470), 1, kAnyModel, false});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->tasks[0].node, b_);
  EXPECT_EQ(p->tasks[0].devices, std::vector<uint8_t>{0});
}

TEST_F(SuanliScenario, SumOfSquaresReadsTheWholeCluster) {
  // Typical task: a 200 share. a: device 0 has 600 free (a 400 on it); b: device 0 has 800
  // free (a 200 on it); all other devices of a and b are taken. A 200 share fits after on both
  // (FGD: 50 each) and the look-ahead fragment is 0 before and after on both: ties.
  // Node c (no CPU left, so it cannot take the task) holds the rest of the cluster's gaps.
  //  - c's devices fully free: N(600) = N(800) = 1, N(400) = 0. a: 600 -> 400:
  //    (1-2) + (1+0) = 0; b: 800 -> 600: (1-2) + (1+2) = 2. a wins.
  //  - c's four devices at 400 free: N(400) = 4. a: (1-2) + (1+8) = 8; b: still 2. b wins:
  //    the cluster already has many 400 gaps and few 600 ones.
  NodeSlot c = *cluster_.AddNode({"c", 8000, 393216, 4, "G2", "CUDA", ""});
  cluster_.SetRank(c, 2);
  Preplace(c, {8000, 0, 0, 0}, {});
  Preplace(a_, Whole(7), {1, 2, 3, 4, 5, 6, 7});
  Preplace(b_, Whole(7), {1, 2, 3, 4, 5, 6, 7});
  Preplace(a_, Share(400), {0});
  Preplace(b_, Share(200), {0});
  WorkloadProfile profile({{Share(200), kAnyModel, 1.0}});
  Engine ours = Make("suanli", profile);
  {
    auto p = ours.Place({Share(200), 1, kAnyModel, false});
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->tasks[0].node, a_);
    ASSERT_TRUE(ours.Release(p->id).ok());
  }
  Preplace(c, {0, 0, 4, 600}, {0, 1, 2, 3});
  EXPECT_EQ(cluster_.DevicesWithFree(cluster_.node(c).model, 400), 4);
  auto p = ours.Place({Share(200), 1, kAnyModel, false});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->tasks[0].node, b_);
}

TEST_F(SuanliScenario, UnconstrainedWorkLeavesTheScarceModel) {
  // a: G2 (rank 1), t: T4 (rank 0), 8 free GPUs each. Typical tasks: one GPU with 12 cores on
  // any model (0.98), one GPU on T4 only (0.02). The task: one GPU, 24 cores, any model.
  //  - FGD: on t both shapes still fit (ΔF = 0, score 50); on a the T4-only shape counts a's
  //    idle GPU as fragment, which drops by 0.02*1000 = 20 (score floor(100*sigmoid(0.02)) =
  //    50). A tie: the rank picks t.
  //  - Look-ahead alone would also pick t: a has 96 cores, so after the task 72 cores hold six
  //    12-core copies for its seven free GPUs (fragment +0.98*1000 - 20); t has cores to spare.
  //  - Price: the T4-only volume makes T4 capacity dearer (0.98/16000 + 0.02/8000 per milli
  //    against 0.98/16000 for G2): suanli puts the unconstrained task on a.
  NodeSlot t = *cluster_.AddNode({"t", 400000, 393216, 8, "T4", "CUDA", ""});
  cluster_.SetRank(t, 0);
  cluster_.SetRank(a_, 1);
  cluster_.SetRank(b_, 2);
  Preplace(b_, Whole(8), {0, 1, 2, 3, 4, 5, 6, 7});
  const ModelMask t4_only = ModelMask{1} << cluster_.node(t).model;
  WorkloadProfile profile({{Whole(1, 12000), kAnyModel, 0.98}, {Whole(1, 12000), t4_only, 0.02}});
  const Request task{Whole(1, 24000), 1, kAnyModel, false};
  {
    Engine fgd = Make("fgd", profile);
    auto p = fgd.Place(task);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->tasks[0].node, t);
    ASSERT_TRUE(fgd.Release(p->id).ok());
  }
  Engine ours = Make("suanli", profile);
  auto p = ours.Place(task);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->tasks[0].node, a_);
}

TEST_F(SuanliScenario, LookAheadBreaksFgdTiesOnCpu) {
  // Typical task: one GPU with 12 cores. a: 4 GPUs and 24 cores free; b: 4 GPUs, 64 cores.
  // A 12-core CPU-only task leaves room for one typical task on both (FGD: F stays 0, score 50
  // on both, rank picks a). Look-ahead: a could fill 2 of its 4 GPUs before (fragment 2000)
  // and 1 after (3000): -1000; b fills 4 before and after (52 cores): 0. suanli picks b.
  Preplace(a_, Whole(4, 72000), {0, 1, 2, 3});
  Preplace(b_, Whole(4, 32000), {0, 1, 2, 3});
  WorkloadProfile profile({{Whole(1, 12000), kAnyModel, 1.0}});
  Engine ours = Make("suanli", profile);
  auto p = ours.Place({{12000, 1024, 0, 0}, 1, kAnyModel, false});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->tasks[0].node, b_);
}

TEST_F(SuanliScenario, FgdScoreComesFirst) {
  // Typical task: a 470 share. b is full; a has device 0 with 530 free (a 470 on it) and seven
  // free devices. Putting a 470 on device 0 leaves 60 where no 470 fits: F 0 -> 60, score
  // floor(100*sigmoid(-0.06)) = 48; on a free device F stays 0: score 50. Best fit alone would
  // take device 0; suanli follows FGD's score and takes device 1 (lowest free index).
  Preplace(b_, Whole(8), {0, 1, 2, 3, 4, 5, 6, 7});
  Preplace(a_, Share(470), {0});
  WorkloadProfile profile({{Share(470), kAnyModel, 1.0}});
  Engine ours = Make("suanli", profile);
  auto p = ours.Place({Share(470), 1, kAnyModel, false});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->tasks[0].node, a_);
  EXPECT_EQ(p->tasks[0].devices, std::vector<uint8_t>{1});
}

TEST(SuanliHosts, TheOnlyHostOfARareLargeShapeIsKept) {
  // "big" (rank 0, 128 cores) and "std" (rank 1, 96 cores), both 8 GPUs of one model. Typical
  // work: 1-GPU tasks with 8 cores, which fit both alike: FGD scores 50 on both, the price and
  // sum of squares keys are silent, the look-ahead loses no copy on either; the rank picks big.
  // Every shape seen also holds a rare 8-GPU task with 120 cores, which only big can take:
  // its copy is priced 0.01 * 8000 / 1 = 80 and taking a GPU of big costs it, so suanli keeps
  // big for it and takes std.
  Cluster c;
  NodeSlot big = *c.AddNode({"big", 128000, 1 << 20, 8, "G2", "CUDA", ""});
  NodeSlot std_node = *c.AddNode({"std", 96000, 1 << 20, 8, "G2", "CUDA", ""});
  c.SetRank(big, 0);
  c.SetRank(std_node, 1);
  WorkloadProfile typical({{Whole(1), kAnyModel, 1.0}});
  WorkloadProfile every({{Whole(1), kAnyModel, 0.99}, {Whole(8, 120000), kAnyModel, 0.01}});
  {
    Engine without(&c, *MakePolicy("suanli", {typical, 7, {}}));
    auto p = without.Place({Whole(1), 1, kAnyModel, false});
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->tasks[0].node, big);
    ASSERT_TRUE(without.Release(p->id).ok());
  }
  Engine with(&c, *MakePolicy("suanli", {typical, 7, every}));
  auto p = with.Place({Whole(1), 1, kAnyModel, false});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->tasks[0].node, std_node);
  auto gang = with.Place({Whole(8, 120000), 1, kAnyModel, false});
  ASSERT_TRUE(gang.has_value());
  EXPECT_EQ(gang->tasks[0].node, big);
}

TEST(SuanliKeys, CombineIsLexicographic) {
  // One FGD point outweighs every other key, one price rank the sum of squares and look-ahead,
  // one unit of sum of squares any look-ahead difference; steps of one stay exact (the
  // reliability decorator adds 0.25 to break ties) and the score stays below 1e15.
  EXPECT_GT(SuanliPolicy::Combine(51, 63, 9999, 40000, -40000),
            SuanliPolicy::Combine(50, 0, 0, -40000, 40000));
  EXPECT_GT(SuanliPolicy::Combine(50, 0, 9999, 40000, -40000),
            SuanliPolicy::Combine(50, 1, 0, -40000, 40000));
  EXPECT_GT(SuanliPolicy::Combine(50, 1, 2, -4000, -40000),
            SuanliPolicy::Combine(50, 1, 3, -4000, 40000));
  EXPECT_GT(SuanliPolicy::Combine(50, 1, 0, -1, -32767),
            SuanliPolicy::Combine(50, 1, 0, 0, 32767));
  EXPECT_GT(SuanliPolicy::Combine(50, 1, 0, 0, 1), SuanliPolicy::Combine(50, 1, 0, 0, 0));
  EXPECT_EQ(SuanliPolicy::Combine(50, 1, 0, 0, 1) - SuanliPolicy::Combine(50, 1, 0, 0, 0), 1.0);
  // The largest score is still an exact integer in a double.
  EXPECT_LT(SuanliPolicy::Combine(100, 0, 0, -40000, 40000), 9007199254740992.0);
}

}  // namespace
}  // namespace suanli::sched
