#include "sim/timed_replay.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <queue>

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
  sched::Cluster* cluster;
  sched::QueueScheduler* queue;
  TimedResult* r;
  std::vector<double> waits, jcts;
  std::priority_queue<std::pair<int64_t, uint64_t>, std::vector<std::pair<int64_t, uint64_t>>,
                      std::greater<>> ends;  // (end ms, job id)
  std::vector<int64_t> start_ms;

  void Started(const sched::ScheduleEvents& ev, int64_t now) {
    for (uint64_t id : ev.preempted) {
      ++r->preemptions;
      start_ms[id] = -1;  // its pending end event is now stale
    }
    for (const auto& [id, p] : ev.started) {
      const TraceTask& t = tasks[id];
      start_ms[id] = now;
      ends.emplace(now + DurationS(t) * 1000, id);
    }
  }
};

}  // namespace

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
  auto policy = sched::MakePolicy(o.policy, {TraceProfile(tasks, masks), o.seed});
  if (!policy) return Err(policy.error());
  sched::Engine engine(&cluster, std::move(*policy), {.max_candidates = 64});
  sched::QueueScheduler queue(&engine);
  TimedResult r;
  r.policy = o.policy;
  r.seed = o.seed;
  r.tasks = static_cast<int64_t>(tasks.size());
  Sim sim{tasks, &cluster, &queue, &r, {}, {}, {}, std::vector<int64_t>(tasks.size(), -1)};

  std::vector<size_t> arrivals(tasks.size());
  for (size_t i = 0; i < arrivals.size(); ++i) arrivals[i] = i;
  std::stable_sort(arrivals.begin(), arrivals.end(),
                   [&](size_t a, size_t b) { return tasks[a].creation_s < tasks[b].creation_s; });
  const int64_t t0 = tasks.empty() ? 0 : tasks[arrivals[0]].creation_s * 1000;
  const double cap = static_cast<double>(cluster.total_gpu_milli());
  size_t next = 0;
  int64_t last = t0;
  double area = 0;
  while (next < arrivals.size() || !sim.ends.empty()) {
    int64_t now = next < arrivals.size() ? tasks[arrivals[next]].creation_s * 1000 : INT64_MAX;
    if (!sim.ends.empty()) now = std::min(now, sim.ends.top().first);
    double util = cap > 0 ? 100.0 * static_cast<double>(cluster.allocated_gpu_milli()) / cap : 0;
    area += util * static_cast<double>(now - last);
    last = now;
    while (!sim.ends.empty() && sim.ends.top().first == now) {
      uint64_t id = sim.ends.top().second;
      sim.ends.pop();
      if (sim.start_ms[id] < 0 || !queue.Finish(id).ok()) continue;  // preempted earlier
      ++r.completed;
      sim.jcts.push_back(static_cast<double>(now - tasks[id].creation_s * 1000) / 1000.0);
    }
    while (next < arrivals.size() && tasks[arrivals[next]].creation_s * 1000 == now) {
      size_t i = arrivals[next++];
      const TraceTask& t = tasks[i];
      sched::Job job{i, "org-" + std::to_string(std::hash<std::string>{}(t.name) % o.orgs),
                     ClassOf(t.qos), {t.demand, 1, masks[i], false}, now, DurationS(t) * 1000};
      (void)queue.Submit(job);
    }
    auto ev = queue.Schedule(now);
    for (const auto& [id, p] : ev.started) {
      sim.waits.push_back(static_cast<double>(now - tasks[id].creation_s * 1000) / 1000.0);
      ++r.started;
    }
    sim.Started(ev, now);
    util = cap > 0 ? 100.0 * static_cast<double>(cluster.allocated_gpu_milli()) / cap : 0;
    double hours = static_cast<double>(now - t0) / 3.6e6;
    if (r.utilisation.empty() || hours - r.utilisation.back().arrived_pct >= 1.0) {
      r.utilisation.push_back({hours, util});
    }
    if (o.progress && next % 256 == 0) o.progress(static_cast<double>(next) / arrivals.size());
    if (next == arrivals.size() && sim.ends.empty()) break;
  }
  r.infeasible = static_cast<int64_t>(queue.queued());
  r.wait_s_mean = Mean(sim.waits);
  r.wait_s_p50 = Percentile(sim.waits, 0.5);
  r.wait_s_p95 = Percentile(sim.waits, 0.95);
  r.wait_s_max = Percentile(sim.waits, 1.0);
  r.jct_s_mean = Mean(sim.jcts);
  r.utilisation_pct_mean = last > t0 ? area / static_cast<double>(last - t0) : 0;
  if (o.progress) o.progress(1.0);
  return r;
}

int RunTimedMode(const std::string& policy, const std::vector<uint64_t>& seeds,
                 const std::vector<sched::NodeSpec>& nodes, const std::vector<TraceTask>& tasks,
                 bool json, const std::string& plot, bool quiet) {
  ProgressBar bar("simulate --mode timed", 1, !quiet);
  TimedOptions o{policy, seeds.front(), 4, [&bar](double d) { bar.Update(0, d); }};
  auto r = RunTimed(nodes, tasks, o);
  if (!r) {
    std::fprintf(stderr, "simulate: %s\n", r.error().ToString().c_str());
    return 2;
  }
  if (!plot.empty()) {
    Status s = WriteCurvePlot(plot, {{policy, r->utilisation}}, "GPU allocated over time",
                              "hours since the first arrival", "GPU allocated (%)");
    if (!s.ok()) {
      std::fprintf(stderr, "simulate: %s\n", s.ToString().c_str());
      return 2;
    }
  }
  nlohmann::json j = {{"policy", r->policy},       {"seed", r->seed},
                      {"mode", "timed"},           {"tasks", r->tasks},
                      {"started", r->started},     {"completed", r->completed},
                      {"never_started", r->infeasible}, {"preemptions", r->preemptions},
                      {"wait_s_mean", r->wait_s_mean}, {"wait_s_p50", r->wait_s_p50},
                      {"wait_s_p95", r->wait_s_p95}, {"wait_s_max", r->wait_s_max},
                      {"jct_s_mean", r->jct_s_mean},
                      {"utilisation_pct_mean", r->utilisation_pct_mean}};
  if (json) {
    std::cout << j.dump() << "\n";
  } else {
    std::cout << j.dump(2) << "\n";
  }
  return 0;
}

}  // namespace suanli::sim
