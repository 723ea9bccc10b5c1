// `suanli bench sched`: runs the scheduler benchmark (bench_sched.h) and prints its figures.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sim/bench_sched.h"
#include "sim/main_commands.h"

namespace suanli::sim {

int BenchSchedMain(int argc, char** argv) {
  BenchOptions o;
  bool json = false;
  CLI::App app{"Scheduler throughput and latency on a synthetic cluster", "sched"};
  app.add_option("--nodes", o.nodes, "nodes in the synthetic cluster (8 accelerators each)");
  app.add_option("--decisions", o.decisions, "timed placement decisions");
  app.add_option("--policy", o.policy, "placement policy");
  app.add_option("--seed", o.seed, "random seed");
  app.add_option("--candidates", o.max_candidates, "nodes scored per decision");
  app.add_option("--target", o.target_allocation, "GPU allocation kept by releases (0..1)");
  app.add_flag("--json", json, "print one JSON object");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "bench sched: %s\n", e.what());
    return 2;
  }
  auto r = RunSchedBench(o);
  if (!r) {
    std::fprintf(stderr, "bench sched: %s\n", r.error().ToString().c_str());
    return 2;
  }
  nlohmann::json j = {{"nodes", o.nodes},           {"policy", o.policy},
                      {"decisions", o.decisions},   {"placements_per_s", r->placements_per_s},
                      {"decisions_per_s", r->decisions_per_s}, {"p50_us", r->p50_us},
                      {"p99_us", r->p99_us},        {"max_us", r->max_us},
                      {"placements", r->placements}, {"failures", r->failures},
                      {"releases", r->releases},    {"allocation_pct", r->allocation_pct}};
  if (json) {
    std::cout << j.dump() << "\n";
  } else {
    std::printf("nodes %d  policy %s  %.0f placements/s  p50 %.1f us  p99 %.1f us  (%lld failed)\n",
                o.nodes, o.policy.c_str(), r->placements_per_s, r->p50_us, r->p99_us,
                static_cast<long long>(r->failures));
  }
  return 0;
}

}  // namespace suanli::sim
