#include "cli/job_spec.h"

#include <gtest/gtest.h>

namespace suanli::cli {
namespace {

using Json = nlohmann::json;

std::vector<CatalogEntry> Catalog() {
  return {{"nvidia-h100-sxm", "NVIDIA", "H100 SXM5 80GB", "CUDA"},
          {"nvidia-a800-sxm-80gb", "NVIDIA", "A800 SXM4 80GB", "CUDA"},
          {"nvidia-v100-pcie-16gb", "NVIDIA", "Tesla V100 PCIe 16GB", "CUDA"},
          {"nvidia-v100-sxm2-32gb", "NVIDIA", "Tesla V100 SXM2 32GB", "CUDA"},
          {"nvidia-t4", "NVIDIA", "Tesla T4 16GB", "CUDA"},
          {"huawei-ascend-910b", "Huawei", "Ascend 910B", "CANN"},
          {"huawei-ascend-910c", "Huawei", "Ascend 910C", "CANN"},
          {"hygon-dcu-k100", "Hygon", "DCU K100 (深算二号)", "DTK"}};
}

Result<Json> Spec(const std::string& yaml) { return JobFromSpec(yaml, Catalog(), "from-file"); }

TEST(JobSpec, FullSpecMapsToJobJson) {
  auto j = Spec(R"(
name: llama-finetune
num_nodes: 2
resources:
  accelerators: {count: 8, any_of: [nvidia-h100-sxm, huawei-ascend-910b]}
  cpus: 64
  memory: 512
run:
  CUDA: torchrun train.py
  CANN: torchrun train_npu.py
priority: high
duration: 2h
deadline: 2026-12-01T00:00:00+08:00
budget: 5000
location: {city: 成都市, latency_ms: 5}
offer: offer-abc
)");
  ASSERT_TRUE(j) << j.error().ToString();
  EXPECT_EQ((*j)["name"], "llama-finetune");
  EXPECT_EQ((*j)["tasks"], 2);
  EXPECT_EQ((*j)["cpu_cores"], 64);
  EXPECT_EQ((*j)["memory_gib"], 512);
  EXPECT_EQ((*j)["accelerators"]["count"], 8);
  EXPECT_EQ((*j)["accelerators"]["any_of"], Json({"nvidia-h100-sxm", "huawei-ascend-910b"}));
  EXPECT_EQ((*j)["commands"]["CUDA"], "torchrun train.py");
  EXPECT_EQ((*j)["commands"]["CANN"], "torchrun train_npu.py");
  EXPECT_EQ((*j)["priority"], "high");
  EXPECT_EQ((*j)["duration_estimate_s"], 7200);
  EXPECT_EQ((*j)["deadline"], "2026-12-01T00:00:00+08:00");
  EXPECT_EQ((*j)["budget_fen"], 500000);
  EXPECT_EQ((*j)["location_city"], "成都市");
  EXPECT_EQ((*j)["latency_limit_ms"], 5);
  EXPECT_EQ((*j)["offer_id"], "offer-abc");
}

TEST(JobSpec, ShortAcceleratorFormResolvesNamesAndEcosystems) {
  auto j = Spec("resources: {accelerators: \"H100:8\"}\nrun: python train.py\n");
  ASSERT_TRUE(j) << j.error().ToString();
  EXPECT_EQ((*j)["name"], "from-file");
  EXPECT_EQ((*j)["accelerators"], Json({{"count", 8}, {"any_of", {"nvidia-h100-sxm"}}}));
  EXPECT_EQ((*j)["commands"], Json({{"CUDA", "python train.py"}}));
}

TEST(JobSpec, SingleRunStringCoversEveryEcosystemOfAnyOf) {
  auto j = Spec("resources:\n  accelerators: [H100:8, Ascend910B:8]\nrun: torchrun x.py\n");
  ASSERT_TRUE(j) << j.error().ToString();
  EXPECT_EQ((*j)["accelerators"]["any_of"], Json({"nvidia-h100-sxm", "huawei-ascend-910b"}));
  EXPECT_EQ((*j)["commands"], Json({{"CANN", "torchrun x.py"}, {"CUDA", "torchrun x.py"}}));
}

TEST(JobSpec, SkyPilotMapFormAndFamilyNames) {
  auto j = Spec("resources:\n  accelerators: {V100: 4, k100: 4}\nrun: {cuda: a, dtk: b}\n");
  ASSERT_TRUE(j) << j.error().ToString();
  EXPECT_EQ((*j)["accelerators"]["count"], 4);
  EXPECT_EQ((*j)["accelerators"]["any_of"],
            Json({"nvidia-v100-pcie-16gb", "nvidia-v100-sxm2-32gb", "hygon-dcu-k100"}));
  EXPECT_EQ((*j)["commands"], Json({{"CUDA", "a"}, {"DTK", "b"}}));
}

TEST(JobSpec, FractionalAcceleratorIsMilli) {
  auto j = Spec("resources: {accelerators: T4:0.25}\nrun: serve\n");
  ASSERT_TRUE(j) << j.error().ToString();
  EXPECT_EQ((*j)["accelerators"]["count"], 0);
  EXPECT_EQ((*j)["accelerators"]["milli"], 250);
}

TEST(JobSpec, CpuOnlyJobRunsOnCpuAndAcceptsAtLeastForms) {
  auto j = Spec("resources: {cpus: 16+, memory: \"64+\"}\nrun: spark-submit etl.py\n");
  ASSERT_TRUE(j) << j.error().ToString();
  EXPECT_EQ((*j)["cpu_cores"], 16);
  EXPECT_EQ((*j)["memory_gib"], 64);
  EXPECT_FALSE(j->contains("accelerators"));
  EXPECT_EQ((*j)["commands"], Json({{"CPU", "spark-submit etl.py"}}));
}

TEST(JobSpec, UnknownKeysAreRejectedByName) {
  auto top = Spec("name: x\nrun: a\nsetup: pip install\n");
  ASSERT_FALSE(top);
  EXPECT_EQ(top.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(top.error().field(), "setup");
  EXPECT_NE(top.error().message().find("unknown key"), std::string::npos);

  auto nested = Spec("run: a\nresources: {gpus: 8}\n");
  ASSERT_FALSE(nested);
  EXPECT_EQ(nested.error().field(), "resources.gpus");

  auto loc = Spec("run: a\nlocation: {town: x}\n");
  ASSERT_FALSE(loc);
  EXPECT_EQ(loc.error().field(), "location.town");
}

TEST(JobSpec, BadValuesNameTheirField) {
  EXPECT_EQ(Spec("run: a\nresources: {accelerators: B200:8}\n").error().field(),
            "resources.accelerators");
  EXPECT_EQ(Spec("run: a\nduration: soon\n").error().field(), "duration");
  EXPECT_EQ(Spec("run: a\nbudget: 12.345\n").error().field(), "budget");
  EXPECT_EQ(Spec("run: a\npriority: urgent\n").error().field(), "priority");
  EXPECT_EQ(Spec("run: {FORTRAN: a}\n").error().field(), "run.FORTRAN");
  EXPECT_EQ(Spec("name: x\n").error().field(), "run");
  EXPECT_EQ(Spec("run: a\nresources: {accelerators: [H100:8, A800:4]}\n").error().field(),
            "resources.accelerators");
  EXPECT_FALSE(Spec("run: [unclosed\n"));
  EXPECT_FALSE(Spec("- just\n- a list\n"));
}

TEST(JobSpec, Durations) {
  EXPECT_EQ(*ParseDuration("90s", "d"), 90);
  EXPECT_EQ(*ParseDuration("30m", "d"), 1800);
  EXPECT_EQ(*ParseDuration("2h", "d"), 7200);
  EXPECT_EQ(*ParseDuration("1d", "d"), 86400);
  EXPECT_EQ(*ParseDuration("1h30m", "d"), 5400);
  EXPECT_EQ(*ParseDuration("3600", "d"), 3600);
  EXPECT_FALSE(ParseDuration("", "d"));
  EXPECT_FALSE(ParseDuration("2w", "d"));
  EXPECT_FALSE(ParseDuration("h", "d"));
  EXPECT_FALSE(ParseDuration("0s", "d"));
}

TEST(JobSpec, YuanToFenIsExact) {
  EXPECT_EQ(*ParseYuan("5000", "b"), 500000);
  EXPECT_EQ(*ParseYuan("12.5", "b"), 1250);
  EXPECT_EQ(*ParseYuan("0.07", "b"), 7);
  EXPECT_EQ(*ParseYuan("¥3.07", "b"), 307);
  EXPECT_FALSE(ParseYuan("-1", "b"));
  EXPECT_FALSE(ParseYuan("1.001", "b"));
  EXPECT_FALSE(ParseYuan("ten", "b"));
  auto j = Spec("run: a\nbudget: 1234.56\n");
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)["budget_fen"], 123456);
}

TEST(AcceleratorNames, ExactIdWinsAndFamiliesExpand) {
  auto c = Catalog();
  EXPECT_EQ(*ResolveAccelerator("NVIDIA-H100-SXM", c, "f"), std::vector<std::string>{"nvidia-h100-sxm"});
  EXPECT_EQ(*ResolveAccelerator("Ascend910B", c, "f"), std::vector<std::string>{"huawei-ascend-910b"});
  EXPECT_EQ(*ResolveAccelerator("910C", c, "f"), std::vector<std::string>{"huawei-ascend-910c"});
  EXPECT_EQ(ResolveAccelerator("ascend", c, "f")->size(), 2u);
  EXPECT_EQ(ResolveAccelerator("V100", c, "f")->size(), 2u);
  EXPECT_FALSE(ResolveAccelerator("80GB", c, "f"));
  EXPECT_FALSE(ResolveAccelerator("sxm", c, "f"));
}

}  // namespace
}  // namespace suanli::cli
