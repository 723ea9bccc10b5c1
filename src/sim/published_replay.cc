#include "sim/published_replay.h"

#include <cmath>
#include <random>

#include "sched/engine.h"
#include "sched/pattern_prices.h"
#include "sched/policy.h"
#include "sim/setup.h"

namespace suanli::sim {

namespace {

using Rng = std::mt19937_64;

// Uniform in [0, n); modulo bias is below 2^-40 for our sizes.
size_t Uniform(Rng& rng, size_t n) { return static_cast<size_t>(rng() % n); }

template <class T>
void Shuffle(std::vector<T>* v, Rng& rng) {
  for (size_t i = v->size(); i > 1; --i) std::swap((*v)[i - 1], (*v)[Uniform(rng, i)]);
}

std::vector<size_t> Order(const std::vector<TraceTask>& tasks, int64_t capacity, double inflate_to,
                          Rng& rng) {
  std::vector<size_t> order(tasks.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  Shuffle(&order, rng);
  const double limit = inflate_to * static_cast<double>(capacity);
  double total = 0;
  for (size_t i : order) total += static_cast<double>(tasks[i].demand.total_gpu_milli());
  while (total > limit && !order.empty()) {  // cut down a trace already above the limit
    size_t k = Uniform(rng, order.size());
    total -= static_cast<double>(tasks[order[k]].demand.total_gpu_milli());
    order.erase(order.begin() + static_cast<std::ptrdiff_t>(k));
  }
  while (!tasks.empty()) {  // the original code tests with the draw's per-GPU share
    size_t k = Uniform(rng, tasks.size());
    if (total + tasks[k].demand.gpu_milli > limit) break;
    total += static_cast<double>(tasks[k].demand.total_gpu_milli());
    order.push_back(k);
  }
  return order;
}

// Mean of unallocated % over the points whose arrived % rounds to `pct` (the paper's reading);
// the last point when none does.
double ReadAt(const std::vector<CurvePoint>& all, double pct) {
  double sum = 0;
  int n = 0;
  for (const auto& p : all) {
    if (std::round(p.arrived_pct) == pct) {
      sum += p.unallocated_pct;
      ++n;
    }
  }
  if (n > 0) return sum / n;
  return all.empty() ? 100.0 : all.back().unallocated_pct;
}

}  // namespace

std::vector<size_t> ShuffleAndInflate(const std::vector<TraceTask>& tasks, int64_t capacity_milli,
                                      double inflate_to, uint64_t seed) {
  Rng rng(seed);
  return Order(tasks, capacity_milli, inflate_to, rng);
}

double LpShareWastePct(const std::vector<TraceTask>& tasks) {
  std::vector<sched::ShapeSample> samples;
  double shares = 0, share_milli = 0, all_milli = 0;
  for (const auto& t : tasks) {
    all_milli += static_cast<double>(t.demand.total_gpu_milli());
    if (!t.demand.is_sharing() || t.demand.gpu_milli <= 0) continue;
    samples.push_back({t.demand, sched::kAnyModel, ""});
    shares += 1;
    share_milli += t.demand.gpu_milli;
  }
  sched::PatternPrices lp(sched::WorkloadProfile::FromSamples(samples, 1.0));
  if (!lp.active() || all_milli <= 0) return 0;
  const double devices = lp.lp_devices() * shares;
  return 100.0 * (devices * sched::kMilliPerDevice - share_milli) / all_milli;
}

Result<PublishedResult> RunPublished(const std::vector<sched::NodeSpec>& nodes,
                                     const std::vector<TraceTask>& tasks,
                                     const PublishedOptions& opts) {
  auto cluster = std::make_unique<sched::Cluster>();
  if (Status s = AddNodes(nodes, cluster.get()); !s.ok()) return Err(s);
  const double capacity = static_cast<double>(cluster->total_gpu_milli());
  if (capacity <= 0) return Err(InvalidArgument("the node list has no accelerators", "nodes"));
  auto masks = TaskMasks(*cluster, tasks);
  auto profile = TraceProfile(tasks, masks);
  auto policy =
      sched::MakePolicy(opts.policy, {profile, opts.seed, TraceProfile(tasks, masks, 1.0)});
  if (!policy) return Err(policy.error());

  Rng rng(opts.seed);
  auto order = Order(tasks, cluster->total_gpu_milli(), opts.inflate_to, rng);
  std::vector<uint32_t> ranks(nodes.size());
  for (size_t i = 0; i < ranks.size(); ++i) ranks[i] = static_cast<uint32_t>(i);
  Shuffle(&ranks, rng);
  for (size_t i = 0; i < ranks.size(); ++i) cluster->SetRank(static_cast<sched::NodeSlot>(i), ranks[i]);

  sched::Engine engine(cluster.get(), std::move(*policy));
  PublishedResult r{opts.policy, opts.seed, 0, 0, -1, static_cast<int64_t>(order.size()), 0, {}};
  std::vector<CurvePoint> all;
  all.reserve(order.size());
  double arrived = 0, next_curve = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    const TraceTask& t = tasks[order[i]];
    sched::Request req{t.demand, 1, masks[order[i]], false};
    if (!engine.Place(req)) ++r.tasks_failed;
    arrived += static_cast<double>(t.demand.total_gpu_milli());
    CurvePoint p{100.0 * arrived / capacity,
                 100.0 - 100.0 * static_cast<double>(cluster->allocated_gpu_milli()) / capacity};
    all.push_back(p);
    if (p.arrived_pct >= next_curve) {
      r.curve.push_back(p);
      next_curve = std::floor(p.arrived_pct * 2 + 1) / 2;
    }
    if (r.fragmentation_at_90 < 0 && p.arrived_pct >= 90.0) {
      r.fragmentation_at_90 = FragmentationRatePct(*cluster, profile);
    }
    if (opts.progress && i % 256 == 0) opts.progress(static_cast<double>(i) / order.size());
  }
  if (r.fragmentation_at_90 < 0) r.fragmentation_at_90 = FragmentationRatePct(*cluster, profile);
  if (!all.empty() && r.curve.back().arrived_pct != all.back().arrived_pct) r.curve.push_back(all.back());
  r.unallocated_at_100 = ReadAt(all, 100.0);
  r.unallocated_at_130 = ReadAt(all, 100.0 * opts.inflate_to);
  if (opts.progress) opts.progress(1.0);
  return r;
}

}  // namespace suanli::sim
