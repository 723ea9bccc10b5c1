#include "sim/bench_sched.h"

#include <algorithm>
#include <random>
#include <vector>

#include "core/clock.h"
#include "sched/engine.h"

namespace suanli::sim {

namespace {

struct Model {
  const char* name;
  const char* ecosystem;
};
constexpr Model kModels[] = {{"A100", "CUDA"}, {"H800", "CUDA"}, {"Ascend910B", "CANN"},
                             {"DCU-Z100", "DTK"}};

// The request mix: (weight, demand, gang size).
struct Kind {
  int weight;
  sched::TaskDemand demand;
  int gang;
};
const std::vector<Kind>& Mix() {
  static const std::vector<Kind> kinds = {
      {30, {4000, 16384, 1, 250}, 1}, {15, {6000, 24576, 1, 500}, 1},
      {30, {12000, 65536, 1, 1000}, 1}, {10, {24000, 131072, 2, 1000}, 1},
      {5, {48000, 262144, 4, 1000}, 1}, {5, {96000, 524288, 8, 1000}, 1},
      {5, {48000, 262144, 4, 1000}, 2}};
  return kinds;
}

sched::WorkloadProfile MixProfile() {
  std::vector<sched::TaskShape> shapes;
  double total = 0;
  for (const auto& k : Mix()) total += k.weight;
  for (const auto& k : Mix()) shapes.push_back({k.demand, sched::kAnyModel, k.weight / total});
  return sched::WorkloadProfile(std::move(shapes));
}

Status BuildCluster(int nodes, sched::Cluster* c) {
  for (const auto& m : kModels) {
    if (auto r = c->InternModel(m.name, m.ecosystem); !r) return r.error();
  }
  for (int i = 0; i < nodes; ++i) {
    const int domain = i / 32;  // a super-node of 32 nodes, one model per super-node
    sched::NodeSpec s{"node-" + std::to_string(i), 128000, 1048576, 8,
                      kModels[domain % 4].name, kModels[domain % 4].ecosystem,
                      "sn-" + std::to_string(domain)};
    if (auto r = c->AddNode(s); !r) return r.error();
  }
  return OkStatus();
}

sched::Request Draw(std::mt19937_64& rng, const sched::Cluster& c) {
  int total = 0;
  for (const auto& k : Mix()) total += k.weight;
  int x = static_cast<int>(rng() % static_cast<uint64_t>(total));
  const Kind* kind = &Mix().front();
  for (const auto& k : Mix()) {
    if ((x -= k.weight) < 0) {
      kind = &k;
      break;
    }
  }
  sched::Request r{kind->demand, kind->gang, sched::kAnyModel, false};
  switch (rng() % 4) {  // a quarter any model, the rest an ecosystem or a model
    case 1: r.model_mask = c.ResolveModels({}, {"CUDA"}); break;
    case 2: r.model_mask = c.ResolveModels({"Ascend910B"}, {}); break;
    case 3: r.model_mask = c.ResolveModels({"A100", "DCU-Z100"}, {}); break;
    default: break;
  }
  return r;
}

}  // namespace

Result<BenchResult> RunSchedBench(const BenchOptions& o) {
  if (o.nodes <= 0 || o.decisions <= 0) return Err(InvalidArgument("nodes and decisions > 0"));
  sched::Cluster cluster;
  if (Status s = BuildCluster(o.nodes, &cluster); !s.ok()) return Err(s);
  auto policy = sched::MakePolicy(o.policy, {MixProfile(), o.seed, MixProfile()});
  if (!policy) return Err(policy.error());
  sched::EngineOptions eo;
  eo.max_candidates = o.max_candidates;
  eo.max_scan = 64 * o.max_candidates;
  sched::Engine engine(&cluster, std::move(*policy), eo);
  std::mt19937_64 rng(o.seed);
  std::vector<sched::AllocationId> live;
  const double limit = o.target_allocation * static_cast<double>(cluster.total_gpu_milli());
  auto step = [&](std::vector<int64_t>* lat, BenchResult* r) {
    while (static_cast<double>(cluster.allocated_gpu_milli()) > limit && !live.empty()) {
      size_t k = rng() % live.size();
      (void)engine.Release(live[k]);
      live[k] = live.back();
      live.pop_back();
      if (r) ++r->releases;
    }
    sched::Request req = Draw(rng, cluster);
    int64_t t0 = SystemClock::Get().MonotonicNanos();
    auto p = engine.Place(req);
    int64_t t1 = SystemClock::Get().MonotonicNanos();
    if (lat) lat->push_back(t1 - t0);
    if (p) live.push_back(p->id);
    if (r) ++(p ? r->placements : r->failures);
  };
  // Warm up: fill to the target without timing.
  while (static_cast<double>(cluster.allocated_gpu_milli()) < limit) step(nullptr, nullptr);
  BenchResult r;
  std::vector<int64_t> lat;
  lat.reserve(static_cast<size_t>(o.decisions));
  int64_t start = SystemClock::Get().MonotonicNanos();
  for (int64_t i = 0; i < o.decisions; ++i) step(&lat, &r);
  double secs = static_cast<double>(SystemClock::Get().MonotonicNanos() - start) / 1e9;
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double q) { return lat[static_cast<size_t>(q * (lat.size() - 1))] / 1000.0; };
  r.placements_per_s = static_cast<double>(r.placements) / secs;
  r.decisions_per_s = static_cast<double>(o.decisions) / secs;
  r.p50_us = pct(0.50);
  r.p99_us = pct(0.99);
  r.max_us = lat.back() / 1000.0;
  r.allocation_pct = 100.0 * static_cast<double>(cluster.allocated_gpu_milli()) /
                     static_cast<double>(cluster.total_gpu_milli());
  return r;
}

}  // namespace suanli::sim
