// Mode (b) of the simulator: time-driven replay. Tasks arrive at their creation time, wait in
// a real queue (sched::QueueScheduler: priority classes from the trace's QoS, DRF across
// organisations, spot preemption, backfill with a head reservation), run for
// deletion − scheduled time (or deletion − creation) on a virtual clock, and leave.
// It reports queue wait, job completion time and GPU utilisation over time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "sched/cluster.h"
#include "sim/published_replay.h"
#include "sim/trace.h"

namespace suanli::sim {

struct TimedOptions {
  std::string policy;
  uint64_t seed = 42;
  int orgs = 4;  // the trace has no organisations: tasks are spread over this many by name
  std::function<void(double)> progress;
};

struct TimedResult {
  std::string policy;
  uint64_t seed = 0;
  int64_t tasks = 0, started = 0, completed = 0, infeasible = 0, preemptions = 0;
  double wait_s_mean = 0, wait_s_p50 = 0, wait_s_p95 = 0, wait_s_max = 0;
  double jct_s_mean = 0;
  double utilisation_pct_mean = 0;   // time-weighted GPU allocation
  std::vector<CurvePoint> utilisation;  // x = hours since the first arrival, y = GPU allocated %
};

Result<TimedResult> RunTimed(const std::vector<sched::NodeSpec>& nodes,
                             const std::vector<TraceTask>& tasks, const TimedOptions& opts);

// `simulate --mode timed`: runs RunTimed and prints its report; returns the exit code.
int RunTimedMode(const std::string& policy, const std::vector<uint64_t>& seeds,
                 const std::vector<sched::NodeSpec>& nodes, const std::vector<TraceTask>& tasks,
                 bool json, const std::string& plot, bool quiet);

}  // namespace suanli::sim
