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
  // Offered GPU load to replay at, in % of capacity (0 = the recorded arrival times), and the
  // length of the arrival window then. See MakeStream.
  double load_pct = 0;
  double hours = 24;
  // Spot work younger than this is not evicted (QueueOptions::spot_exempt_ms), seconds.
  int64_t spot_exempt_s = 0;
  std::function<void(double)> progress;
};

struct TimedResult {
  std::string policy;
  uint64_t seed = 0;
  int64_t tasks = 0;  // arrivals
  int64_t started = 0, completed = 0, infeasible = 0, preemptions = 0;
  double wait_s_mean = 0, wait_s_p50 = 0, wait_s_p95 = 0, wait_s_max = 0;
  double jct_s_mean = 0;
  double wait_s_mean_by_class[3] = {0, 0, 0};  // high, normal, spot
  double mean_gap_s = 0;             // between arrivals, when re-spaced for load_pct
  double offered_load_pct = 0;       // requested GPU time inside the arrival window / capacity
  double window_h = 0;               // arrival window (first to last arrival), hours
  double utilisation_pct_mean = 0;   // time-weighted GPU allocation over the arrival window
  std::vector<CurvePoint> utilisation;  // x = hours since the first arrival, y = GPU allocated %
};

// One arrival of the replay: which trace task, and when on the replay clock (ms).
struct Arrival {
  size_t task = 0;
  int64_t ms = 0;
};

struct Stream {
  std::vector<Arrival> arrivals;  // by time
  int64_t window_ms = 0;          // the arrival window [0, window_ms]
  double mean_gap_s = 0;          // of the drawn gaps; 0 when replayed as recorded
};

// Offered GPU load (% of capacity) over the window: Σ demand × (the part of the task's run
// inside the window) / (window × capacity).
double OfferedLoadPct(const std::vector<TraceTask>& tasks, const Stream& s, int64_t capacity_milli);

// load_pct = 0: every trace task once, at its recorded creation time (ms since the first).
// Otherwise a stationary stream over `hours`: tasks drawn uniformly with replacement from the
// trace (shape, QoS and duration kept), arriving as a seeded Poisson process whose rate is found
// by bisection so that OfferedLoadPct is load_pct.
Result<Stream> MakeStream(const std::vector<TraceTask>& tasks, int64_t capacity_milli,
                          double load_pct, double hours, uint64_t seed);

Result<TimedResult> RunTimed(const std::vector<sched::NodeSpec>& nodes,
                             const std::vector<TraceTask>& tasks, const TimedOptions& opts);

// `simulate --mode timed`: runs RunTimed for each policy (with `base`'s load, hours and queue
// settings, the first seed) and prints the report (one object for one policy, {"mode","runs"}
// for several); returns the exit code.
int RunTimedMode(const std::vector<std::string>& policies, const std::vector<uint64_t>& seeds,
                 const std::vector<sched::NodeSpec>& nodes, const std::vector<TraceTask>& tasks,
                 const TimedOptions& base, bool json, const std::string& plot, bool quiet);

}  // namespace suanli::sim
