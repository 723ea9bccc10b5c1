// The failure model reproduces the rates it is given (statistically, seeded) and the Llama 3
// figures it is calibrated on.
#include "sim/failure_model.h"

#include <gtest/gtest.h>

#include <cmath>

namespace suanli::sim {
namespace {

TEST(FaultRates, Llama3AddsUpToTheReportedInterruptions) {
  FaultRates r = FaultRates::Llama3();
  const double per_gpu_h = 419.0 / (54 * 24 * 16384.0);
  EXPECT_NEAR(r.PerGpuHour(8), per_gpu_h, 1e-12);
  EXPECT_NEAR(r.gpu_per_device_h / per_gpu_h, 0.587, 1e-12);
  // 16,384 GPUs for 54 days: 419 interruptions, of which 58.7% GPU-caused.
  EXPECT_NEAR(r.PerGpuHour(8) * 16384 * 54 * 24, 419, 1e-6);
  EXPECT_GT(r.host_per_node_h, r.network_per_node_h);  // Table 5: 13.1% vs 8.4%
  EXPECT_EQ(r.Scaled(0).PerGpuHour(8), 0);
}

TEST(SimRandom, ExponentialHasTheRequestedMean) {
  SimRandom rng(7);
  const int n = 200000;
  double sum = 0;
  int below_mean = 0;
  for (int i = 0; i < n; ++i) {
    double x = rng.Exponential(0.5);
    sum += x;
    below_mean += x < 2.0;
  }
  EXPECT_NEAR(sum / n, 2.0, 0.03);                              // sd of the mean: 0.0045
  EXPECT_NEAR(static_cast<double>(below_mean) / n, 1 - std::exp(-1.0), 0.005);  // the CDF
  EXPECT_TRUE(std::isinf(rng.Exponential(0)));
}

TEST(SimRandom, SeededStreamsRepeatAndDiffer) {
  SimRandom a(42, 3), b(42, 3), c(42, 4), d(43, 3);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.Next(), b.Next());
  EXPECT_NE(SimRandom(42, 3).Next(), c.Next());
  EXPECT_NE(SimRandom(42, 3).Next(), d.Next());
}

// Counts the faults of `nodes` nodes over `hours`.
std::array<double, kFaultKinds> CountFaults(FailureModel& m, int nodes, double hours) {
  std::array<double, kFaultKinds> n{};
  for (int i = 0; i < nodes; ++i) {
    for (HardwareFault f = m.NextFault(i); f.time_s < hours * 3600; f = m.NextFault(i)) {
      ++n[static_cast<int>(f.kind)];
      EXPECT_EQ(f.kind == FaultKind::kGpu, f.device >= 0 && f.device < 8);
    }
  }
  return n;
}

TEST(FailureModel, ReproducesTheInputRatesWithLemons) {
  FailureModelOptions o;  // Llama 3 rates, 2% lemons at 10x
  const int nodes = 2000;
  const double hours = 2 * 8760;
  FailureModel m(o, nodes, 8, 42);
  auto n = CountFaults(m, nodes, hours);
  const FaultRates& r = o.rates;
  const double expect[] = {r.gpu_per_device_h * 8 * nodes * hours,
                           r.host_per_node_h * nodes * hours,
                           r.network_per_node_h * nodes * hours};
  for (int k = 0; k < 3; ++k) {
    // Poisson: within 4 standard deviations (with lemons the spread is a little wider; the
    // fleet's mean is what the calibration fixes).
    EXPECT_NEAR(n[k], expect[k], 4.5 * std::sqrt(expect[k])) << FaultKindName(FaultKind(k));
  }
  EXPECT_EQ(n[static_cast<int>(FaultKind::kSoftware)], 0);  // software faults are per job
}

TEST(FailureModel, LemonsFailMoreAndTheFleetMeanIsKept) {
  FailureModelOptions o;
  o.rates = FaultRates::Llama3().Scaled(50);  // enough faults per node to compare
  const int nodes = 500;
  FailureModel m(o, nodes, 8, 9);
  double lemon_faults = 0, good_faults = 0, mult_sum = 0;
  int lemons = 0;
  for (int i = 0; i < nodes; ++i) {
    mult_sum += m.Multiplier(i);
    lemons += m.IsLemon(i);
    int count = 0;
    for (HardwareFault f = m.NextFault(i); f.time_s < 8760 * 3600.0; f = m.NextFault(i)) ++count;
    (m.IsLemon(i) ? lemon_faults : good_faults) += count;
  }
  EXPECT_EQ(lemons, 10);                       // 2% of 500
  EXPECT_NEAR(mult_sum / nodes, 1.0, 1e-9);    // the calibrated mean is kept
  double ratio = (lemon_faults / lemons) / (good_faults / (nodes - lemons));
  EXPECT_GT(ratio, 8);  // 10 / 0.816 = 12.3 expected
  EXPECT_LT(ratio, 17);
}

TEST(FailureModel, PersistentShareAndSoftwareRate) {
  FailureModelOptions o;
  o.rates = FaultRates::Llama3().Scaled(20);
  o.persistent_fraction = {0.25, 0.25, 0.25, 0};
  FailureModel m(o, 400, 8, 5);
  int total = 0, persistent = 0;
  for (int i = 0; i < 400; ++i) {
    for (HardwareFault f = m.NextFault(i); f.time_s < 8760 * 3600.0; f = m.NextFault(i)) {
      ++total;
      persistent += f.persistent;
    }
  }
  ASSERT_GT(total, 5000);
  EXPECT_NEAR(static_cast<double>(persistent) / total, 0.25, 0.03);
  // Software: a 1,024-GPU job's mean time to a software fault is 1 / (rate x 1,024).
  SimRandom rng(3);
  double sum = 0;
  for (int i = 0; i < 20000; ++i) sum += m.SoftwareFaultAfter(1024, &rng);
  double expect = 3600.0 / (o.rates.software_per_gpu_h * 1024);
  EXPECT_NEAR(sum / 20000, expect, 0.04 * expect);
}

TEST(FailureModel, SameSeedSameFaults) {
  FailureModelOptions o;
  FailureModel a(o, 100, 8, 77), b(o, 100, 8, 77), c(o, 100, 8, 78);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    HardwareFault x = a.NextFault(i), y = b.NextFault(i), z = c.NextFault(i);
    EXPECT_EQ(x.time_s, y.time_s);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.device, y.device);
    differs = differs || x.time_s != z.time_s;
  }
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace suanli::sim
