#include "domain/capacity.h"

#include <gtest/gtest.h>

namespace suanli::domain {
namespace {

TEST(CapacityTest, RollsUpByPoolKind) {
  Accelerator h100;
  h100.id = "h100";
  h100.vendor = "NVIDIA";
  h100.fp16_tflops = 989.5;
  h100.fp64_tflops = 34;
  AcceleratorLookup lookup = [&](const std::string& m) -> const Accelerator* {
    return m == "h100" ? &h100 : nullptr;
  };
  Node n;
  n.cpu_cores = 128;
  n.memory_gib = 2048;
  n.cpu_fp64_tflops = 5;
  n.accelerators = {{"h100", 8}, {"mystery", 2}};
  Capacity ai = NodeCapacity(n, "ai", lookup);
  EXPECT_EQ(ai.accelerators, 10);
  EXPECT_NEAR(ai.ai_pflops_fp16, 8 * 0.9895, 1e-9);
  EXPECT_EQ(ai.hpc_pflops_fp64, 0);
  EXPECT_EQ(ai.accelerators_by_vendor["NVIDIA"], 8);
  EXPECT_EQ(ai.accelerators_by_vendor["unknown"], 2);
  Capacity hpc = NodeCapacity(n, "hpc", lookup);
  EXPECT_NEAR(hpc.hpc_pflops_fp64, 0.005 + 8 * 0.034, 1e-9);
  EXPECT_EQ(hpc.ai_pflops_fp16, 0);
  n.state = "down";
  Capacity total = NodeCapacity(n, "ai", lookup);
  total.Add(ai);
  EXPECT_EQ(total.nodes, 2);
  EXPECT_EQ(total.nodes_ready, 1);
  EXPECT_EQ(total.cpu_cores, 256);
}

}  // namespace
}  // namespace suanli::domain
