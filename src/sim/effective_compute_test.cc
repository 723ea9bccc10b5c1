// Behaviour of the effective-compute simulation: what is lost to failures is lost, what is
// not is useful, the checkpoint interval trades checkpoint cost against rework, our mechanisms
// beat the baseline, and a seed fixes the run. Small fleets and raised failure rates keep it fast.
#include "sim/effective_compute.h"

#include <gtest/gtest.h>

#include <cmath>

#include "sched/engine.h"
#include "sched/reliability_policy.h"

namespace suanli::sim {
namespace {

FleetOptions SmallFleet(double rate_scale, uint64_t seed = 42) {
  FleetOptions f;
  f.gpus = 2048;
  f.days = 14;
  f.seed = seed;
  f.faults.rates = FaultRates::Llama3().Scaled(rate_scale);
  return f;
}

EffectiveComputeReport Simulate(const FleetOptions& f, const Mechanisms& m) {
  auto r = RunEffectiveCompute(f, m);
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  return r.has_value() ? *r : EffectiveComputeReport{};
}

void ExpectBooksBalance(const EffectiveComputeReport& r) {
  double lost = r.rework_gpu_h + r.detection_gpu_h + r.restart_gpu_h + r.checkpoint_gpu_h;
  EXPECT_NEAR(r.useful_gpu_h + lost, r.allocated_gpu_h, 1e-6 * r.allocated_gpu_h) << r.config;
  EXPECT_LE(r.allocated_gpu_h, r.nominal_gpu_h * (1 + 1e-9)) << r.config;
  EXPECT_GE(r.rework_gpu_h, 0);
  EXPECT_GE(r.detection_gpu_h, 0);
  double by_class = 0;
  for (const auto& c : r.classes) by_class += c.allocated_gpu_h;
  EXPECT_NEAR(by_class, r.allocated_gpu_h, 1e-6 * r.allocated_gpu_h);
}

TEST(EffectiveCompute, NoFailuresMeansEverythingAllocatedIsUseful) {
  FleetOptions f = SmallFleet(0);
  EffectiveComputeReport ours = Simulate(f, Mechanisms::Ours());
  EXPECT_EQ(ours.interruptions_total, 0);
  EXPECT_GT(ours.allocated_gpu_h, 0.5 * ours.nominal_gpu_h);
  EXPECT_DOUBLE_EQ(ours.useful_gpu_h, ours.allocated_gpu_h);  // no checkpoints needed either
  EXPECT_DOUBLE_EQ(ours.effective_allocated_pct, 100.0);
  EXPECT_EQ(ours.rework_gpu_h + ours.detection_gpu_h + ours.restart_gpu_h +
                ours.checkpoint_gpu_h, 0);
  // The baseline still pays for its fixed checkpoints, and nothing else.
  EffectiveComputeReport base = Simulate(f, Mechanisms::Baseline());
  EXPECT_EQ(base.interruptions_total, 0);
  EXPECT_EQ(base.rework_gpu_h + base.detection_gpu_h + base.restart_gpu_h, 0);
  EXPECT_GT(base.checkpoint_gpu_h, 0);
  ExpectBooksBalance(ours);
  ExpectBooksBalance(base);
}

TEST(EffectiveCompute, OursBeatsTheBaselineOnTheSameFaults) {
  FleetOptions f = SmallFleet(4);
  EffectiveComputeReport base = Simulate(f, Mechanisms::Baseline());
  EffectiveComputeReport ours = Simulate(f, Mechanisms::Ours());
  ExpectBooksBalance(base);
  ExpectBooksBalance(ours);
  EXPECT_GT(base.interruptions_total, 20);  // enough faults for the comparison to mean something
  EXPECT_GT(ours.effective_nominal_pct, base.effective_nominal_pct + 5);
  EXPECT_GT(ours.effective_allocated_pct, base.effective_allocated_pct);
  EXPECT_LT(ours.mttr_s, base.mttr_s / 3);
  EXPECT_GT(base.repeat_interruptions, 0);  // faulty hardware left in the pool fails jobs again
  EXPECT_EQ(ours.repeat_interruptions, 0);  // cordoned at once
  EXPECT_LT(ours.detection_gpu_h, base.detection_gpu_h / 10);
  // Every single mechanism taken away from ours costs something or nothing, never helps much.
  for (const Mechanisms& m : FailureConfigs(true)) {
    if (m.name.rfind("ours-", 0) != 0) continue;
    EffectiveComputeReport r = Simulate(f, m);
    ExpectBooksBalance(r);
    EXPECT_GT(ours.effective_allocated_pct, r.effective_allocated_pct - 0.5) << m.name;
  }
}

// One long 512-GPU gang on 1,024 GPUs, failures 20x Llama 3's rate (job MTBF ~5 h).
FleetOptions OneGang() {
  FleetOptions f;
  f.gpus = 1024;
  f.days = 30;
  f.faults.rates = FaultRates::Llama3().Scaled(20);
  f.faults.lemon_fraction = 0;
  f.workload = {{"gang-512", 64, 0, 1, 1e5, 1e5, true}};
  return f;
}

TEST(EffectiveCompute, CheckpointIntervalHasAnOptimumAtYoungDaly) {
  FleetOptions f = OneGang();
  Mechanisms m = Mechanisms::Ours();
  m.async_checkpoint = false;  // each checkpoint blocks for the whole write
  const double cost = f.checkpoint_fixed_s + 512 * f.checkpoint_gb_per_gpu / f.storage_gb_per_s;
  const double best = CheckpointInterval(m, f, 512, cost);
  const double mtbf = 3600 / (f.faults.rates.PerGpuHour(8) * 512);
  EXPECT_NEAR(best, std::sqrt(2 * cost * mtbf), 1e-6);
  EffectiveComputeReport at_best = Simulate(f, m);
  m.checkpoint_rule = CheckpointRule::kFixed;
  m.fixed_interval_s = best / 4;
  EffectiveComputeReport too_often = Simulate(f, m);
  m.fixed_interval_s = best * 4;
  EffectiveComputeReport too_rare = Simulate(f, m);
  EXPECT_GT(at_best.effective_allocated_pct, too_often.effective_allocated_pct + 1);
  EXPECT_GT(at_best.effective_allocated_pct, too_rare.effective_allocated_pct + 1);
  // Too often loses to checkpoint writes, too rarely to rework.
  EXPECT_GT(too_often.checkpoint_gpu_h, 2 * at_best.checkpoint_gpu_h);
  EXPECT_GT(too_rare.rework_gpu_h, 2 * at_best.rework_gpu_h);
}

TEST(EffectiveCompute, AGangIsInterruptedAtTheModelsRate) {
  FleetOptions f = OneGang();
  EffectiveComputeReport r = Simulate(f, Mechanisms::Ours());
  // Interruptions while the gang holds its devices (minus the seconds before detection).
  double hours_exposed = (r.allocated_gpu_h - r.detection_gpu_h) / 512;
  double expect = hours_exposed * 512 * f.faults.rates.PerGpuHour(8);
  ASSERT_GT(expect, 50);
  EXPECT_NEAR(static_cast<double>(r.interruptions_total), expect, 4 * std::sqrt(expect));
}

TEST(EffectiveCompute, ASeedFixesTheRun) {
  FleetOptions f = SmallFleet(4, 5);
  EffectiveComputeReport a = Simulate(f, Mechanisms::Ours()), b = Simulate(f, Mechanisms::Ours());
  EXPECT_EQ(a.useful_gpu_h, b.useful_gpu_h);
  EXPECT_EQ(a.allocated_gpu_h, b.allocated_gpu_h);
  EXPECT_EQ(a.interruptions, b.interruptions);
  EXPECT_EQ(a.mttr_s, b.mttr_s);
  EffectiveComputeReport c = Simulate(SmallFleet(4, 6), Mechanisms::Ours());
  EXPECT_NE(a.useful_gpu_h, c.useful_gpu_h);
}

TEST(EffectiveCompute, RejectsABadFleet) {
  FleetOptions f = SmallFleet(1);
  f.gpus = 1001;
  EXPECT_FALSE(RunEffectiveCompute(f, Mechanisms::Ours()).has_value());
  f = SmallFleet(1);
  f.workload = {{"too-big", 1000, 0, 1, 1, 2, true}};
  EXPECT_FALSE(RunEffectiveCompute(f, Mechanisms::Ours()).has_value());
}

TEST(ReliabilityPolicy, CriticalWorkAvoidsSuspectNodesOtherWorkTakesThem) {
  sched::Cluster cluster;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(cluster.AddNode({"n" + std::to_string(i), 64000, 65536, 8, "H100", "", ""}));
  }
  auto inner = sched::MakePolicy("bestfit", {});
  ASSERT_TRUE(inner.has_value());
  auto policy = std::make_unique<sched::ReliabilityPolicy>(std::move(*inner));
  sched::ReliabilityPolicy* rel = policy.get();
  sched::Engine engine(&cluster, std::move(policy));
  rel->SetSuspicion(0, 1);  // n0 has the lowest rank: it would win every tie
  sched::Request whole{{8000, 1024, 8, 1000}, 1, sched::kAnyModel, false};
  rel->SetCritical(true);
  auto p = engine.Place(whole);
  ASSERT_TRUE(p.has_value());
  EXPECT_NE(p->tasks[0].node, 0u);
  rel->SetCritical(false);
  sched::Request small{{1000, 1024, 1, 1000}, 1, sched::kAnyModel, false};
  auto q = engine.Place(small);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->tasks[0].node, 0u);
  // Critical work still runs on suspect nodes when nothing clean is left.
  rel->SetCritical(true);
  sched::Request two{{8000, 1024, 7, 1000}, 2, sched::kAnyModel, false};
  EXPECT_TRUE(engine.Place(two).has_value());
}

}  // namespace
}  // namespace suanli::sim
