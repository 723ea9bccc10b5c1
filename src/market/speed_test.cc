#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "market/speed.h"

namespace suanli::market {
namespace {

const SpeedTable& Table() {
  static const SpeedTable t(catalog::BuiltinAccelerators());
  return t;
}

TEST(Speed, ReferenceCardIsOne) {
  for (Workload w : {Workload::kTraining, Workload::kInference, Workload::kFp32, Workload::kHpc}) {
    const Speed s = Table().Of("nvidia-a100-sxm-80gb", w);
    EXPECT_TRUE(s.known);
    EXPECT_DOUBLE_EQ(s.vs_reference, 1.0) << WorkloadName(w);
  }
}

TEST(Speed, RatiosBetweenCardsDependOnTheWorkload) {
  // One factor per model cannot describe this: the 4090 is slower than an A100 on tensor
  // training but faster on FP32 vector work.
  const Speed train = Table().Of("nvidia-rtx-4090", Workload::kTraining);
  const Speed fp32 = Table().Of("nvidia-rtx-4090", Workload::kFp32);
  EXPECT_LT(train.vs_reference, 1.0);
  EXPECT_GT(fp32.vs_reference, 1.0);
  // V100 over P100 differs by several times between tensor and vector work (cf. Gavel).
  const double tensor = Table().Of("nvidia-v100-sxm2-32gb", Workload::kTraining).vs_reference /
                        Table().Of("nvidia-p100-pcie-16gb", Workload::kTraining).vs_reference;
  const double vector = Table().Of("nvidia-v100-sxm2-32gb", Workload::kFp32).vs_reference /
                        Table().Of("nvidia-p100-pcie-16gb", Workload::kFp32).vs_reference;
  EXPECT_GT(tensor / vector, 3);
}

TEST(Speed, UnknownFiguresGetTheSlowestKnownSpeed) {
  const Speed k100 = Table().Of("hygon-dcu-k100", Workload::kTraining);
  EXPECT_FALSE(k100.known);
  EXPECT_GT(k100.vs_reference, 0);
  for (const auto& a : catalog::BuiltinAccelerators()) {
    const Speed s = Table().Of(a.id, Workload::kTraining);
    if (s.known) { EXPECT_LE(k100.vs_reference, s.vs_reference) << a.id; }
  }
  EXPECT_FALSE(Table().Of("no-such-card", Workload::kTraining).known);
}

TEST(Speed, MeasuredFactorsOverrideTheCatalog) {
  SpeedTable t(catalog::BuiltinAccelerators(), {{{"hygon-dcu-k100", Workload::kTraining}, 0.8}});
  EXPECT_TRUE(t.Of("hygon-dcu-k100", Workload::kTraining).known);
  EXPECT_DOUBLE_EQ(t.Of("hygon-dcu-k100", Workload::kTraining).vs_reference, 0.8);
}

TEST(Speed, GuessesTheWorkloadFromTheJob) {
  domain::Job j;
  j.accelerators.count = 0;
  EXPECT_EQ(GuessWorkload(j), Workload::kCpu);
  j.accelerators.count = 8;
  EXPECT_EQ(GuessWorkload(j), Workload::kTraining);
  j.latency_limit_ms = 5;
  EXPECT_EQ(GuessWorkload(j), Workload::kInference);
  EXPECT_EQ(*ParseWorkload("hpc"), Workload::kHpc);
  EXPECT_FALSE(ParseWorkload("quantum").has_value());
}

}  // namespace
}  // namespace suanli::market
