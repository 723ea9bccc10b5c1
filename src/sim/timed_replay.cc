#include "sim/timed_replay.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <queue>
#include <random>

#include <nlohmann/json.hpp>

#include "sched/engine.h"
#include "sched/queue.h"
#include "sim/plot.h"
#include "sim/progress.h"
#include "sim/setup.h"

namespace suanli::sim {

namespace {

sched::PriorityClass ClassOf(const std::string& qos) {
  if (qos == "Guaranteed") return sched::PriorityClass::kHigh;
  if (qos == "BE") return sched::PriorityClass::kSpot;
  return sched::PriorityClass::kNormal;  // LS, Burstable, unknown
}

int64_t DurationS(const TraceTask& t) {
  int64_t from = t.scheduled_s >= t.creation_s ? t.scheduled_s : t.creation_s;
  return std::max<int64_t>(1, t.deletion_s - from);
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

struct Sim {
  const std::vector<TraceTask>& tasks;
  const Stream& stream;
  TimedResult* r;
  std::vector<double> waits, jcts;
  std::priority_queue<std::pair<int64_t, uint64_t>, std::vector<std::pair<int64_t, uint64_t>>,
                      std::greater<>> ends;  // (end ms, job id = arrival index)
  std::vector<int64_t> start_ms;

  const TraceTask& Task(uint64_t id) const { return tasks[stream.arrivals[id].task]; }

  void Started(const sched::ScheduleEvents& ev, int64_t now) {
    for (uint64_t id : ev.preempted) {
      ++r->preemptions;
      start_ms[id] = -1;  // its pending end event is now stale
    }
    for (const auto& [id, p] : ev.started) {
      start_ms[id] = now;
      ends.emplace(now + DurationS(Task(id)) * 1000, id);
    }
  }
};

}  // namespace

double OfferedLoadPct(const std::vector<TraceTask>& tasks, const Stream& s,
                      int64_t capacity_milli) {
  if (s.window_ms <= 0 || capacity_milli <= 0) return 0;
  double asked = 0;  // milli-GPU × ms inside the window
  for (const Arrival& a : s.arrivals) {
    const TraceTask& t = tasks[a.task];
    int64_t run = std::min(DurationS(t) * 1000, s.window_ms - a.ms);
    asked += static_cast<double>(t.demand.total_gpu_milli()) * static_cast<double>(run);
  }
  return 100.0 * asked / (static_cast<double>(s.window_ms) * static_cast<double>(capacity_milli));
}

Result<Stream> MakeStream(const std::vector<TraceTask>& tasks, int64_t capacity_milli,
                          double load_pct, double hours, uint64_t seed) {
  Stream out;
  if (tasks.empty()) return out;
  if (load_pct <= 0) {
    int64_t first = INT64_MAX;
    for (const auto& t : tasks) first = std::min(first, t.creation_s);
    for (size_t i = 0; i < tasks.size(); ++i) {
      out.arrivals.push_back({i, (tasks[i].creation_s - first) * 1000});
    }
    std::stable_sort(out.arrivals.begin(), out.arrivals.end(),
                     [](const Arrival& a, const Arrival& b) { return a.ms < b.ms; });
    out.window_ms = out.arrivals.back().ms;
    return out;
  }
  if (!(hours > 0 && hours <= 24 * 365)) {
    return Err(InvalidArgument("must be in (0, 8760] hours", "hours"));
  }
  out.window_ms = static_cast<int64_t>(hours * 3.6e6);
  // Draws (task, cumulative unit-mean exponential gap), extended on demand from one seeded
  // generator, so every mean gap tried sees the same sequence, only scaled.
  constexpr size_t kMaxArrivals = 2'000'000;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, tasks.size() - 1);
  std::exponential_distribution<double> gap(1.0);
  std::vector<std::pair<size_t, double>> draws;
  double cum = 0;
  auto at = [&](double mean_gap_ms) {
    Stream st;
    st.window_ms = out.window_ms;
    st.mean_gap_s = mean_gap_ms / 1000.0;
    for (size_t k = 0;; ++k) {
      if (k == draws.size()) {
        if (draws.size() == kMaxArrivals) break;
        draws.emplace_back(pick(rng), cum);
        cum += gap(rng);
      }
      int64_t ms = static_cast<int64_t>(draws[k].second * mean_gap_ms);
      if (ms > st.window_ms) break;
      st.arrivals.push_back({draws[k].first, ms});
    }
    return st;
  };
  // Offered load rises as the mean gap shrinks.
  double hi = static_cast<double>(out.window_ms), lo = hi;
  while (OfferedLoadPct(tasks, at(lo), capacity_milli) < load_pct) {
    if (draws.size() == kMaxArrivals) {
      return Err(InvalidArgument("needs more than 2,000,000 arrivals over the window", "load"));
    }
    hi = lo;
    lo /= 2;
  }
  for (int i = 0; i < 60 && hi - lo > 1e-3 * lo; ++i) {
    double mid = (lo + hi) / 2;
    (OfferedLoadPct(tasks, at(mid), capacity_milli) >= load_pct ? lo : hi) = mid;
  }
  return at(lo);
}

Result<TimedResult> RunTimed(const std::vector<sched::NodeSpec>& nodes,
                             const std::vector<TraceTask>& tasks, const TimedOptions& o) {
  for (const auto& t : tasks) {
    if (t.creation_s < 0 || t.deletion_s < 0) {
      return Err(InvalidArgument("timed mode needs creation_time and deletion_time", "pods"));
    }
  }
  sched::Cluster cluster;
  if (Status s = AddNodes(nodes, &cluster); !s.ok()) return Err(s);
  auto masks = TaskMasks(cluster, tasks);
  auto policy = sched::MakePolicy(
      o.policy, {TraceProfile(tasks, masks), o.seed, TraceProfile(tasks, masks, 1.0)});
  if (!policy) return Err(policy.error());
  sched::Engine engine(&cluster, std::move(*policy), {.max_candidates = 64});
  sched::QueueOptions queue_options;
  queue_options.spot_exempt_ms = o.spot_exempt_s * 1000;
  sched::QueueScheduler queue(&engine, queue_options);
  auto stream = MakeStream(tasks, cluster.total_gpu_milli(), o.load_pct, o.hours, o.seed);
  if (!stream) return Err(stream.error());
  const std::vector<Arrival>& arrivals = stream->arrivals;
  TimedResult r;
  r.policy = o.policy;
  r.seed = o.seed;
  r.tasks = static_cast<int64_t>(arrivals.size());
  r.mean_gap_s = stream->mean_gap_s;
  r.offered_load_pct = OfferedLoadPct(tasks, *stream, cluster.total_gpu_milli());
  r.window_h = static_cast<double>(stream->window_ms) / 3.6e6;
  Sim sim{tasks, *stream, &r, {}, {}, {}, std::vector<int64_t>(arrivals.size(), -1)};

  const int64_t window_end = stream->window_ms;
  const double cap = static_cast<double>(cluster.total_gpu_milli());
  const double step_h = std::max(r.window_h / 200.0, 1.0 / 60.0);  // ~200 points over the window
  std::vector<double> class_wait[3];
  size_t next = 0;
  int64_t last = 0;
  double area = 0;  // GPU allocation % × ms, inside the window
  while (next < arrivals.size() || !sim.ends.empty()) {
    int64_t now = next < arrivals.size() ? arrivals[next].ms : INT64_MAX;
    if (!sim.ends.empty()) now = std::min(now, sim.ends.top().first);
    double util = cap > 0 ? 100.0 * static_cast<double>(cluster.allocated_gpu_milli()) / cap : 0;
    if (last < window_end) area += util * static_cast<double>(std::min(now, window_end) - last);
    last = now;
    while (!sim.ends.empty() && sim.ends.top().first == now) {
      uint64_t id = sim.ends.top().second;
      sim.ends.pop();
      if (sim.start_ms[id] < 0 || !queue.Finish(id).ok()) continue;  // preempted earlier
      ++r.completed;
      sim.jcts.push_back(static_cast<double>(now - arrivals[id].ms) / 1000.0);
    }
    while (next < arrivals.size() && arrivals[next].ms == now) {
      const uint64_t id = next++;
      const TraceTask& t = sim.Task(id);
      sched::Job job{id, "org-" + std::to_string(std::hash<std::string>{}(t.name) % o.orgs),
                     ClassOf(t.qos), {t.demand, 1, masks[arrivals[id].task], false}, now,
                     DurationS(t) * 1000};
      (void)queue.Submit(job);
    }
    auto ev = queue.Schedule(now);
    for (const auto& [id, p] : ev.started) {
      double wait = static_cast<double>(now - arrivals[id].ms) / 1000.0;
      sim.waits.push_back(wait);
      class_wait[static_cast<int>(ClassOf(sim.Task(id).qos))].push_back(wait);
      ++r.started;
    }
    sim.Started(ev, now);
    util = cap > 0 ? 100.0 * static_cast<double>(cluster.allocated_gpu_milli()) / cap : 0;
    double hours = static_cast<double>(now) / 3.6e6;
    if (r.utilisation.empty() || hours - r.utilisation.back().arrived_pct >= step_h) {
      r.utilisation.push_back({hours, util});
    }
    if (o.progress && next % 256 == 0) o.progress(static_cast<double>(next) / arrivals.size());
    if (next == arrivals.size() && sim.ends.empty()) break;
  }
  for (int c = 0; c < 3; ++c) r.wait_s_mean_by_class[c] = Mean(class_wait[c]);
  r.infeasible = static_cast<int64_t>(queue.queued());
  r.wait_s_mean = Mean(sim.waits);
  r.wait_s_p50 = Percentile(sim.waits, 0.5);
  r.wait_s_p95 = Percentile(sim.waits, 0.95);
  r.wait_s_max = Percentile(sim.waits, 1.0);
  r.jct_s_mean = Mean(sim.jcts);
  r.utilisation_pct_mean = window_end > 0 ? area / static_cast<double>(window_end) : 0;
  if (o.progress) o.progress(1.0);
  return r;
}

namespace {

nlohmann::json TimedJson(const TimedResult& r) {
  return {{"policy", r.policy},
          {"seed", r.seed},
          {"mode", "timed"},
          {"arrivals", r.tasks},
          {"started", r.started},
          {"completed", r.completed},
          {"never_started", r.infeasible},
          {"preemptions", r.preemptions},
          {"wait_s_mean", r.wait_s_mean},
          {"wait_s_p50", r.wait_s_p50},
          {"wait_s_p95", r.wait_s_p95},
          {"wait_s_max", r.wait_s_max},
          {"jct_s_mean", r.jct_s_mean},
          {"wait_s_mean_by_class", {{"high", r.wait_s_mean_by_class[0]},
                                    {"normal", r.wait_s_mean_by_class[1]},
                                    {"spot", r.wait_s_mean_by_class[2]}}},
          {"mean_gap_s", r.mean_gap_s},
          {"offered_load_pct", r.offered_load_pct},
          {"window_h", r.window_h},
          {"utilisation_pct_mean", r.utilisation_pct_mean}};
}

}  // namespace

int RunTimedMode(const std::vector<std::string>& policies, const std::vector<uint64_t>& seeds,
                 const std::vector<sched::NodeSpec>& nodes, const std::vector<TraceTask>& tasks,
                 const TimedOptions& base, bool json, const std::string& plot, bool quiet) {
  ProgressBar bar("simulate --mode timed", policies.size(), !quiet);
  std::vector<TimedResult> results;
  std::vector<PlotSeries> curves;
  for (size_t k = 0; k < policies.size(); ++k) {
    TimedOptions o = base;
    o.policy = policies[k];
    o.seed = seeds.front();
    o.progress = [&bar, k](double d) { bar.Update(k, d); };
    auto r = RunTimed(nodes, tasks, o);
    if (!r) {
      std::fprintf(stderr, "simulate: %s\n", r.error().ToString().c_str());
      return 2;
    }
    curves.push_back({policies[k], r->utilisation});
    results.push_back(std::move(*r));
  }
  if (!plot.empty()) {
    Status s = WriteCurvePlot(plot, curves, "GPU allocated over time",
                              "hours since the first arrival", "GPU allocated (%)");
    if (!s.ok()) {
      std::fprintf(stderr, "simulate: %s\n", s.ToString().c_str());
      return 2;
    }
  }
  nlohmann::json out;
  if (results.size() == 1) {
    out = TimedJson(results.front());
  } else {
    out = {{"mode", "timed"}, {"runs", nlohmann::json::array()}};
    for (const auto& r : results) out["runs"].push_back(TimedJson(r));
  }
  std::cout << (json ? out.dump() : out.dump(2)) << "\n";
  return 0;
}

}  // namespace suanli::sim
