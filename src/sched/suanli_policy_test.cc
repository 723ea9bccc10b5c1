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
    return Engine(&cluster_, *MakePolicy(policy, {std::move(profile), 7}));
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
  //  - suanli, key 1 (look-ahead): a holds 2 copies before (fragment 60) and 1 after (fragment
  //    60); b holds 2 before (fragment 0) and 1 after (0): no change on either, still a tie.
  //    Key 2 (best fit): the device left with 470 (b) beats the one left with 530 (a).
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

TEST(SuanliKeys, CombineIsLexicographic) {
  // One FGD point outweighs any look-ahead difference, one milli of look-ahead any best fit.
  EXPECT_GT(SuanliPolicy::Combine(51, -16000, 16000), SuanliPolicy::Combine(50, 16000, 0));
  EXPECT_GT(SuanliPolicy::Combine(50, 1, 16000), SuanliPolicy::Combine(50, 0, 0));
  EXPECT_GT(SuanliPolicy::Combine(50, 0, 10), SuanliPolicy::Combine(50, 0, 11));
}

}  // namespace
}  // namespace suanli::sched
