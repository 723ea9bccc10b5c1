#include "sched/pattern_prices.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "sched/engine.h"
#include "sched/suanli_policy.h"

namespace suanli::sched {
namespace {

TaskShape Share(int milli, double weight, int64_t cpu = 1000) {
  TaskShape s;
  s.demand.cpu_milli = cpu;
  s.demand.gpu_count = 1;
  s.demand.gpu_milli = milli;
  s.weight = weight;
  return s;
}

TaskShape Whole(int count, double weight) {
  TaskShape s;
  s.demand.cpu_milli = 1000;
  s.demand.gpu_count = count;
  s.demand.gpu_milli = kMilliPerDevice;
  s.weight = weight;
  return s;
}

TEST(PatternPrices, SilentWithoutShares) {
  PatternPrices none(WorkloadProfile{});
  EXPECT_FALSE(none.active());
  EXPECT_EQ(none.Loss(1000, 470), 0);
  PatternPrices whole(WorkloadProfile({Whole(1, 0.7), Whole(8, 0.3)}));
  EXPECT_FALSE(whole.active());
  EXPECT_EQ(whole.Loss(680, 470), 0);
}

TEST(PatternPrices, OneSizeIsPricedAtItsShareOfADevice) {
  PatternPrices p(WorkloadProfile({Share(470, 1.0), Whole(1, 3.0)}));
  ASSERT_TRUE(p.active());
  EXPECT_NEAR(p.Price(470), 0.5, 1e-9);  // two per device, 60 milli lost
  EXPECT_NEAR(p.lp_devices(), 0.5, 1e-9);
  EXPECT_NEAR(p.GapValue(1000), 1.0, 1e-9);
  EXPECT_NEAR(p.GapValue(469), 0.0, 1e-9);
  EXPECT_EQ(p.Loss(1000, 470), 0);  // a fresh device stays on the pattern {470, 470}
  EXPECT_EQ(p.Loss(530, 470), 0);   // and is completed by the second one
}

// The starting columns hold one size each (650 alone, 320 three times: 0.667 devices per
// share); only the generated pattern {650, 320} reaches the optimum of 0.5.
TEST(PatternPrices, ColumnGenerationFindsTheMixedPattern) {
  PatternPrices p(WorkloadProfile({Share(650, 0.5), Share(320, 0.5)}));
  ASSERT_TRUE(p.active());
  EXPECT_NEAR(p.lp_devices(), 0.5, 1e-9);
  EXPECT_NEAR(p.Price(650) + p.Price(320), 1.0, 1e-9);
  EXPECT_EQ(p.Loss(1000, 650), 0);
  EXPECT_EQ(p.Loss(350, 320), 0);
}

TEST(PatternPrices, ALeftoverOnlyRareSharesFillCostsADeviceFraction) {
  PatternPrices p(WorkloadProfile({Share(470, 0.5), Share(320, 0.25), Share(650, 0.25)}));
  ASSERT_TRUE(p.active());
  // 470 beside a 320 leaves 210, which no priced size fills: at least 1/6 of a device lost
  // (the 680 gap was worth a 650 or two 320s, at least 2/3).
  EXPECT_GE(p.Loss(680, 470), 160);
  EXPECT_EQ(p.Loss(1000, 470), 0);
  EXPECT_EQ(p.Loss(530, 470), 0);
  // A size the LP has not seen is priced at what known sizes would earn in its place.
  EXPECT_NEAR(p.Price(700), p.GapValue(700), 1e-12);
  // Reduced costs are never negative.
  for (int g = 0; g <= 1000; g += 10) {
    for (int s : {50, 320, 470, 650, 700, 990}) EXPECT_GE(p.Loss(g, s), 0);
  }
}

TEST(PatternPrices, AGapNoFittingShareCanGetCpuForIsStranded) {
  // 470s ask 4 cores, 320s 8: a gap of 400 only a 320 fits needs 8 free cores, one of 530 needs 4.
  PatternPrices p(WorkloadProfile({Share(470, 0.5, 4000), Share(320, 0.5, 8000)}));
  ASSERT_TRUE(p.active());
  EXPECT_EQ(p.MinCpu(530), 4000);
  EXPECT_EQ(p.MinCpu(400), 8000);
  EXPECT_EQ(p.MinCpu(300), std::numeric_limits<int64_t>::max());  // nothing fits
  const int16_t gaps[4] = {530, 1000, 400, 0};  // fresh and full devices are never stranded
  EXPECT_EQ(p.StrandedValue(gaps, 4, 9000), 0.0);
  EXPECT_NEAR(p.StrandedValue(gaps, 4, 5000), p.GapValue(400), 1e-12);
  EXPECT_NEAR(p.StrandedValue(gaps, 4, 3000), p.GapValue(400) + p.GapValue(530), 1e-12);
  EXPECT_GT(p.GapValue(400), 0.0);
}

// In the policy: a whole device taken on a node whose CPU it leaves too short for the share
// that fits the node's gap loses that gap's value in key 0 (the top bits of the score).
TEST(PatternPrices, TheSuanliPolicyChargesWhatATasksCpuStrands) {
  const WorkloadProfile profile({Share(470, 0.5, 4000), Whole(1, 0.5)});
  Cluster c;
  const NodeSlot a = *c.AddNode({"a", 12000, 1 << 20, 2, "G", "", ""});
  DeviceChoice dev0;
  dev0.count = 1;
  c.Apply(a, {4000, 0, 1, 470}, dev0, +1);  // device 0: 530 free; 8 cores left
  SuanliPolicy policy(profile, profile);
  policy.Bind(&c);
  const PatternPrices& lp = policy.pattern_prices();
  auto key0 = [](double score) { return std::floor(score / 17592186044416.0); };  // 2^44
  DeviceChoice choice;
  // 2 cores: 6 left, a 470 still fits beside it: nothing stranded.
  const double light = policy.Score(a, c.node(a), {2000, 0, 1, 1000}, &choice);
  // 6 cores: 2 left, the 530 gap is stranded: it loses V(530) = 1/2 of a device.
  const double heavy = policy.Score(a, c.node(a), {6000, 0, 1, 1000}, &choice);
  EXPECT_EQ(key0(light), 127);
  EXPECT_EQ(key0(heavy), 127 - std::lround(1000 * lp.GapValue(530)) / 8);
  EXPECT_NEAR(lp.GapValue(530), 0.5, 1e-9);
}

// Behaviour in the policy: a stream of shares drawn from the profile is packed into fewer
// devices with the pattern key than by the same policy without it (empty every-shape profile,
// which silences the key and the hosting price) — and by FGD's own decisions.
int DevicesUsedAfter(std::unique_ptr<PlacementPolicy> policy, const std::vector<int>& stream) {
  Cluster c;
  for (int i = 0; i < 40; ++i) {
    NodeSpec n{"n" + std::to_string(i), 96000, 1 << 20, 8, "A100", "", ""};
    EXPECT_TRUE(c.AddNode(n).has_value());
  }
  Engine e(&c, std::move(policy));
  for (int milli : stream) {
    Request r;
    r.task.cpu_milli = 1000;
    r.task.gpu_count = 1;
    r.task.gpu_milli = milli;
    EXPECT_TRUE(e.Place(r).has_value());
  }
  int used = 0;
  for (size_t s = 0; s < c.slot_count(); ++s) {
    const Node& n = c.node(static_cast<NodeSlot>(s));
    for (int d = 0; d < n.gpu_count; ++d) used += n.gpu_free[d] < kMilliPerDevice;
  }
  return used;
}

TEST(PatternPrices, TheSuanliPolicyPacksSharesIntoFewerDevices) {
  const std::vector<int> sizes{810, 650, 470, 320, 230, 160};
  const std::vector<double> weights{0.30, 0.10, 0.30, 0.15, 0.10, 0.05};
  std::vector<TaskShape> shapes;
  for (size_t i = 0; i < sizes.size(); ++i) shapes.push_back(Share(sizes[i], weights[i]));
  const WorkloadProfile profile(shapes);
  std::mt19937_64 rng(7);
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  std::vector<int> stream;
  for (int i = 0; i < 300; ++i) stream.push_back(sizes[pick(rng)]);

  const int with_key = DevicesUsedAfter(std::make_unique<SuanliPolicy>(profile, profile), stream);
  const int without = DevicesUsedAfter(std::make_unique<SuanliPolicy>(profile), stream);
  const int fgd = DevicesUsedAfter(std::make_unique<FgdPolicy>(profile), stream);
  EXPECT_LT(with_key, without);
  EXPECT_LT(with_key, fgd);
  // The LP's devices per share is a lower bound for any packing of the stream (up to the
  // stream's sampling noise, well under 5% for 300 shares).
  PatternPrices lp(profile);
  EXPECT_GE(with_key, static_cast<int>(0.95 * lp.lp_devices() * stream.size()));
}

}  // namespace
}  // namespace suanli::sched
