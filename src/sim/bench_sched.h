// The scheduler benchmark behind `suanli bench sched`: a synthetic cluster (N nodes, 8
// accelerators each, mixed models and ecosystems, super-nodes of 32 nodes) and a stream of mixed
// requests (shares of one device, whole devices, 8-device gangs) with releases that keep the
// cluster near a target allocation, placed by the engine in indexed (candidate) mode.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace suanli::sim {

struct BenchOptions {
  int nodes = 10000;
  int64_t decisions = 200000;   // timed Place calls
  double target_allocation = 0.85;  // release when above this share of GPU capacity
  std::string policy = "suanli";
  uint64_t seed = 42;
  int max_candidates = 16;
};

struct BenchResult {
  double placements_per_s = 0;  // successful placements per second of wall time (with releases)
  double decisions_per_s = 0;   // Place calls per second of wall time
  double p50_us = 0, p99_us = 0, max_us = 0;  // latency of one Place call
  int64_t placements = 0, failures = 0, releases = 0;
  double allocation_pct = 0;   // GPU allocated at the end
};

Result<BenchResult> RunSchedBench(const BenchOptions& opts);

}  // namespace suanli::sim
