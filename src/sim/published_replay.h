// Mode (a) of the simulator: the published method of Weng et al. (ATC'23), exactly as
// /work/shared/EVALUATION.md states it: shuffle, inflate to 130% of GPU capacity, one task at a
// time, no departures, unplaceable tasks dropped, one node permutation per seed as tie-break.
// It drives the real Engine in exact mode (every feasible node scored).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "sched/cluster.h"
#include "sim/trace.h"

namespace suanli::sim {

struct CurvePoint {
  double arrived_pct = 0;      // Σ GPU requests submitted ÷ capacity
  double unallocated_pct = 0;  // 100 − allocated ÷ capacity
};

struct PublishedResult {
  std::string policy;
  uint64_t seed = 0;
  double unallocated_at_100 = 0;
  double unallocated_at_130 = 0;
  double fragmentation_at_90 = 0;  // percent of idle GPU that typical tasks cannot use
  int64_t tasks_total = 0;
  int64_t tasks_failed = 0;
  std::vector<CurvePoint> curve;  // one point per 0.5% arrived
};

// The cutting-stock LP's figure for the trace (sched::PatternPrices): the GPU that a packing of
// *all* of its shares into devices leaves idle, as % of the trace's GPU demand (whole devices
// pack perfectly; CPU, models and arrival order are ignored). It is the unallocated % at 100%
// arrived of an ideal packer that placed every share; a real run also fails some of the last
// arrivals, and a failed share leaves no remainder, so a run can land below it (it does on the
// share-heavy gpushare* traces). 0 when the trace has no shares.
double LpShareWastePct(const std::vector<TraceTask>& tasks);

struct PublishedOptions {
  std::string policy;
  uint64_t seed = 42;
  double inflate_to = 1.3;
  std::function<void(double fraction_done)> progress;  // optional
};

Result<PublishedResult> RunPublished(const std::vector<sched::NodeSpec>& nodes,
                                     const std::vector<TraceTask>& tasks,
                                     const PublishedOptions& opts);

// Step 2 of the method, exposed for tests: the submission order (indices into `tasks`) after
// shuffling and inflating to `inflate_to` × `capacity_milli`.
std::vector<size_t> ShuffleAndInflate(const std::vector<TraceTask>& tasks, int64_t capacity_milli,
                                      double inflate_to, uint64_t seed);

}  // namespace suanli::sim
