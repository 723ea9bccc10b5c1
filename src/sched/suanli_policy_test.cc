// Pins decisions of the default policy "suanli" on small hand-made clusters, where it differs
// from FGD and where it must not. Expected nodes and devices are derived by hand below.
#include <gtest/gtest.h>

#include "sched/engine.h"
#include "sched/fgd_policy.h"
#include "sched/reliability_policy.h"
#include "sched/suanli_policy.h"

namespace suanli::sched {
namespace {

TaskDemand Whole(int count, int64_t cpu = 8000) { return {cpu, 1024, count, 1000}; }
TaskDemand Share(int milli, int64_t cpu = 4000) { return {cpu, 1024, 1, milli}; }

// Two 8-GPU nodes of one model: "big" (rank 0, 128 cores), the only one that can take an
// 8-GPU task with 120 cores, and "std" (rank 1, 96 cores).
std::pair<NodeSlot, NodeSlot> BigAndStd(Cluster* c) {
  NodeSlot big = *c->AddNode({"big", 128000, 1 << 20, 8, "G2", "CUDA", ""});
  NodeSlot std_node = *c->AddNode({"std", 96000, 1 << 20, 8, "G2", "CUDA", ""});
  c->SetRank(big, 0);
  c->SetRank(std_node, 1);
  return {big, std_node};
}

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

TEST_F(SuanliScenario, ShareKeepsItsDeviceOnAnLpPatternWhereFgdDoesNot) {
  // Shares 470 (40%), 320 (40%), 650 (20%). The LP packs 470 + 470, 650 + 320 and 320 × 3
  // (used, since 320s outnumber 650s), so its prices are 470 -> 1/2, 320 -> 1/3, 650 -> 2/3.
  // Node a: device 0 holds a 470 (530 free), device 1 a 320 (680 free), the rest is taken;
  // node b is full. A 320 share:
  //  - FGD: on device 0, F_a goes from 530 × 0.2 = 106 (only a 650 cannot use the 530) to
  //    210 (no shape fits 210 beside the 680 a 650 fits: 210 × 0.8 + 210 × 0.2) = +104; on
  //    device 1, to 360 × 0.4 + (530 + 360) × 0.2 = 322, +216. Scores 47 and 44: device 0.
  //  - suanli: device 0 loses V(530) - 1/3 - V(210) = 1/2 - 1/3 = 1/6 of a device (the 210
  //    left is worth nothing); device 1 loses V(680) - 1/3 - V(360) = 2/3 - 1/3 - 1/3 = 0
  //    (the device stays on the pattern 320 × 3). Key 0 comes first: device 1.
  Preplace(a_, Whole(6), {2, 3, 4, 5, 6, 7});
  Preplace(a_, Share(470), {0});
  Preplace(a_, Share(320), {1});
  Preplace(b_, Whole(8), {0, 1, 2, 3, 4, 5, 6, 7});
  const WorkloadProfile profile({{Share(470), kAnyModel, 0.4},
                                 {Share(320), kAnyModel, 0.4},
                                 {Share(650), kAnyModel, 0.2}});
  const PatternPrices lp(profile);
  EXPECT_NEAR(lp.Price(470), 1.0 / 2, 1e-9);
  EXPECT_NEAR(lp.Price(320), 1.0 / 3, 1e-9);
  EXPECT_NEAR(lp.Price(650), 2.0 / 3, 1e-9);
  const Request req{Share(320), 1, kAnyModel, false};
  for (const char* name : {"fgd", "suanli"}) {  // suanli here without every-shape profile
    Engine e = Make(name, profile);
    auto p = e.Place(req);
    ASSERT_TRUE(p.has_value()) << name;
    EXPECT_EQ(p->tasks[0].devices, std::vector<uint8_t>{0}) << name;
    ASSERT_TRUE(e.Release(p->id).ok());
  }
  Engine ours(&cluster_, *MakePolicy("suanli", {profile, 7, profile}));
  auto p = ours.Place(req);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->tasks[0].node, a_);
  EXPECT_EQ(p->tasks[0].devices, std::vector<uint8_t>{1});
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
  auto [big, std_node] = BigAndStd(&c);
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
  // Each key outweighs every key after it: pattern loss (8-milli steps), FGD point, price rank,
  // hosting cost, sum of squares, look-ahead (10-milli steps). Steps of one stay exact with a
  // quarter step on top (the reliability decorator adds 0.25 to break ties).
  EXPECT_GT(SuanliPolicy::Combine(0, 0, 63, 9999, 40000, -40000),
            SuanliPolicy::Combine(8, 100, 0, 0, -40000, 40000));
  EXPECT_EQ(SuanliPolicy::Combine(0, 50, 1, 0, 0, 0), SuanliPolicy::Combine(7, 50, 1, 0, 0, 0));
  EXPECT_GT(SuanliPolicy::Combine(8, 51, 63, 9999, 40000, -40000),
            SuanliPolicy::Combine(8, 50, 0, 0, -40000, 40000));
  EXPECT_GT(SuanliPolicy::Combine(8, 50, 0, 9999, 40000, -40000),
            SuanliPolicy::Combine(8, 50, 1, 0, -40000, 40000));
  EXPECT_GT(SuanliPolicy::Combine(8, 50, 1, 2, -4000, -40000),
            SuanliPolicy::Combine(8, 50, 1, 3, -4000, 40000));
  EXPECT_GT(SuanliPolicy::Combine(8, 50, 1, 0, -1, -32767),
            SuanliPolicy::Combine(8, 50, 1, 0, 0, 32767));
  EXPECT_GT(SuanliPolicy::Combine(8, 50, 1, 0, 0, 10), SuanliPolicy::Combine(8, 50, 1, 0, 0, 9));
  EXPECT_EQ(SuanliPolicy::Combine(0, 50, 1, 0, 0, 10) - SuanliPolicy::Combine(0, 50, 1, 0, 0, 0),
            1.0);
  // The largest score plus a quarter is still exact.
  const double top = SuanliPolicy::Combine(0, 100, 0, 0, -40000, 40000);
  EXPECT_LT(top, 2251799813685248.0);  // 2^51
  EXPECT_EQ((top + 0.25) - top, 0.25);
}

// SetWorkload: a policy given new profiles decides as one built with them.

// A small mixed cluster: two models, different CPU per GPU, so every key of suanli has
// something to say.
void MixedCluster(Cluster* c) {
  const NodeSpec specs[] = {{"big", 128000, 1 << 20, 8, "G2", "CUDA", ""},
                            {"mid", 64000, 1 << 20, 8, "G2", "CUDA", ""},
                            {"t4", 96000, 1 << 20, 4, "T4", "CUDA", ""},
                            {"small", 32000, 1 << 20, 2, "G2", "CUDA", ""},
                            {"cpu", 64000, 1 << 20, 0, "", "", ""}};
  uint32_t rank = 0;
  for (const auto& s : specs) c->SetRank(*c->AddNode(s), rank++);
}

// The requests placed, in order: shares, whole devices, gangs and CPU-only work.
std::vector<Request> MixedRequests(ModelMask t4_only) {
  const Request kinds[] = {{Share(250), 1, kAnyModel, false},
                           {Whole(1), 1, kAnyModel, false},
                           {Share(500, 2000), 1, kAnyModel, false},
                           {Whole(2, 16000), 1, kAnyModel, false},
                           {Share(700), 1, t4_only, false},
                           {{4000, 1024, 0, 0}, 1, kAnyModel, false},
                           {Whole(1, 12000), 2, kAnyModel, false}};
  std::vector<Request> out;
  for (int i = 0; i < 12; ++i)
    for (const auto& k : kinds) out.push_back(k);
  return out;
}

struct Profiles {
  WorkloadProfile typical, every;
};

// The profile both sides end with, and another one the updated side starts with.
Profiles Learned(ModelMask t4_only) {
  return {WorkloadProfile({{Whole(1), kAnyModel, 0.6},
                           {Share(500, 2000), kAnyModel, 0.3},
                           {Share(250), kAnyModel, 0.1}}),
          WorkloadProfile({{Whole(1), kAnyModel, 0.55},
                           {Share(500, 2000), kAnyModel, 0.27},
                           {Share(250), kAnyModel, 0.09},
                           {Share(700), t4_only, 0.05},
                           {Whole(8, 120000), kAnyModel, 0.04}})};
}
Profiles Stale() {
  return {WorkloadProfile({{Whole(2, 16000), kAnyModel, 1.0}}),
          WorkloadProfile({{Whole(2, 16000), kAnyModel, 0.7}, {Whole(4, 8000), kAnyModel, 0.3}})};
}

// Places `requests` on two identical clusters. Both engines start with `stale` (empty when
// null) for the first `switch_at` requests; then one gets a policy built with `learned`, the
// other keeps its policy and is told `learned` through SetWorkload (through a
// ReliabilityPolicy when `wrapped`). Every decision must be the same, and some must differ
// from a run that keeps `stale` throughout (so the new profile was really used).
void ExpectSameAsBuilt(const std::string& name, const Profiles& stale, const Profiles& learned,
                       size_t switch_at, bool wrapped) {
  Cluster built_c, updated_c, kept_c;
  MixedCluster(&built_c);
  MixedCluster(&updated_c);
  MixedCluster(&kept_c);
  const ModelMask t4_only = ModelMask{1} << built_c.node(2).model;
  auto make = [&](const Profiles& p) { return *MakePolicy(name, {p.typical, 7, p.every}); };
  Engine built(&built_c, make(stale));
  std::unique_ptr<PlacementPolicy> updated_policy = make(stale);
  if (wrapped) updated_policy = std::make_unique<ReliabilityPolicy>(std::move(updated_policy));
  Engine updated(&updated_c, std::move(updated_policy));
  Engine kept(&kept_c, make(stale));
  const std::vector<Request> requests = MixedRequests(t4_only);
  int placed = 0, differ = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (i == switch_at) {
      built.SetPolicy(make(learned));
      updated.policy().SetWorkload(learned.typical, learned.every);
    }
    auto a = built.Place(requests[i]);
    auto b = updated.Place(requests[i]);
    auto k = kept.Place(requests[i]);
    ASSERT_EQ(a.has_value(), b.has_value()) << name << " request " << i;
    if (!a) continue;
    ++placed;
    ASSERT_EQ(a->tasks.size(), b->tasks.size());
    for (size_t t = 0; t < a->tasks.size(); ++t) {
      EXPECT_EQ(a->tasks[t].node, b->tasks[t].node) << name << " request " << i;
      EXPECT_EQ(a->tasks[t].devices, b->tasks[t].devices) << name << " request " << i;
    }
    if (i >= switch_at && (!k || k->tasks[0].node != a->tasks[0].node ||
                           k->tasks[0].devices != a->tasks[0].devices))
      ++differ;
  }
  EXPECT_GT(placed, 20) << name;
  EXPECT_GT(differ, 0) << name << ": the learned profile changed no decision";
}

TEST(SetWorkload, SuanliDecidesAsIfBuiltWithTheProfile) {
  Cluster probe;
  MixedCluster(&probe);
  const Profiles learned = Learned(ModelMask{1} << probe.node(2).model);
  ExpectSameAsBuilt("suanli", {}, learned, 0, false);       // from an empty profile
  ExpectSameAsBuilt("suanli", Stale(), learned, 9, false);  // mid-run, caches warm
  ExpectSameAsBuilt("suanli", Stale(), learned, 9, true);   // through the reliability wrapper
}

TEST(SetWorkload, FgdDecidesAsIfBuiltWithTheProfile) {
  Cluster probe;
  MixedCluster(&probe);
  const Profiles learned = Learned(ModelMask{1} << probe.node(2).model);
  ExpectSameAsBuilt("fgd", {}, learned, 0, false);
  ExpectSameAsBuilt("fgd", Stale(), learned, 9, false);
}

TEST(SetWorkload, CachedScoresAreDropped) {
  // a: device 0 has 500 free, b: device 0 has 1000 free, every other device taken. A 300
  // share, scored on both nodes (which fills the caches keyed by node version), then again
  // after SetWorkload with the cluster unchanged (same versions):
  //  - typical 500 share: on a the device keeps 200, where no 500 fits: F 0 -> 200 (score 45);
  //    on b 700 is left, F stays 0 (50). b is better.
  //  - typical 700 share: a's 500 was already a fragment and shrinks to 200: F 500 -> 200
  //    (57); b: F stays 0 (50). a is better.
  // A stale cache would keep F_before of the old profile and keep b ahead.
  Cluster c;
  NodeSlot a = *c.AddNode({"a", 96000, 1 << 20, 8, "G2", "CUDA", ""});
  NodeSlot b = *c.AddNode({"b", 96000, 1 << 20, 8, "G2", "CUDA", ""});
  DeviceChoice rest;
  rest.count = 7;
  for (int i = 0; i < 7; ++i) rest.devices[i] = static_cast<uint8_t>(i + 1);
  c.Apply(a, Whole(7), rest, +1);
  c.Apply(b, Whole(7), rest, +1);
  DeviceChoice zero;
  zero.count = 1;
  c.Apply(a, Share(500), zero, +1);
  const WorkloadProfile p500({{Share(500), kAnyModel, 1.0}});
  const WorkloadProfile p700({{Share(700), kAnyModel, 1.0}});
  const WorkloadProfile every700({{Share(700), kAnyModel, 0.9}, {Whole(8), kAnyModel, 0.1}});
  const TaskDemand task = Share(300);
  for (const std::string name : {"fgd", "suanli"}) {
    auto policy = *MakePolicy(name, {p500, 7, p500});
    auto fresh = *MakePolicy(name, {p700, 7, every700});
    policy->Bind(&c);
    fresh->Bind(&c);
    DeviceChoice ch;
    EXPECT_GT(policy->Score(b, c.node(b), task, &ch), policy->Score(a, c.node(a), task, &ch))
        << name;
    const uint64_t version = c.version();
    policy->SetWorkload(p700, every700);
    ASSERT_EQ(c.version(), version);
    const double on_a = policy->Score(a, c.node(a), task, &ch);
    const double on_b = policy->Score(b, c.node(b), task, &ch);
    EXPECT_GT(on_a, on_b) << name;
    EXPECT_EQ(on_a, fresh->Score(a, c.node(a), task, &ch)) << name;
    EXPECT_EQ(on_b, fresh->Score(b, c.node(b), task, &ch)) << name;
  }
}

TEST(SetWorkload, HostPricesAreRecountedForTheNewShapes) {
  // The rare 8-GPU 120-core shape arrives by SetWorkload on a bound policy: its supply is
  // counted over the cluster's nodes (only big can take it), and a 1-GPU task leaves big.
  Cluster c;
  auto [big, std_node] = BigAndStd(&c);
  auto owned = std::make_unique<SuanliPolicy>(WorkloadProfile{});
  SuanliPolicy* policy = owned.get();
  Engine engine(&c, std::move(owned));
  auto p = engine.Place({Whole(1), 1, kAnyModel, false});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->tasks[0].node, big);  // empty profile: every key ties, the rank decides
  ASSERT_TRUE(engine.Release(p->id).ok());
  WorkloadProfile typical({{Whole(1), kAnyModel, 1.0}});
  WorkloadProfile every({{Whole(1), kAnyModel, 0.99}, {Whole(8, 120000), kAnyModel, 0.01}});
  engine.policy().SetWorkload(typical, every);
  ASSERT_EQ(policy->host_prices().shapes().size(), 2u);
  EXPECT_EQ(policy->host_prices().Supply(0), 16);  // 1-GPU copies: 8 + 8
  EXPECT_EQ(policy->host_prices().Supply(1), 1);   // the 120-core gang: big only
  p = engine.Place({Whole(1), 1, kAnyModel, false});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->tasks[0].node, std_node);
  // And back to nothing: the key is silent again.
  ASSERT_TRUE(engine.Release(p->id).ok());
  engine.policy().SetWorkload({}, {});
  EXPECT_FALSE(policy->host_prices().active());
  p = engine.Place({Whole(1), 1, kAnyModel, false});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->tasks[0].node, big);
}

}  // namespace
}  // namespace suanli::sched
