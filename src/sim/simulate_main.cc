// `suanli simulate`: replays a node list and a task trace through the engine and prints the
// metrics (text, or one JSON object with --json). Parsing and output only; the work is in
// published_replay.* and timed_replay.*.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string_view>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sched/policy.h"
#include "sim/main_commands.h"
#include "sim/plot.h"
#include "sim/progress.h"
#include "sim/published_replay.h"
#include "sim/timed_replay.h"
#include "sim/trace.h"

namespace suanli::sim {

namespace {

constexpr const char* kDefaultNodes = "data/traces/alibaba-gpu-v2023/openb_node_list_gpu_node.csv";
constexpr const char* kDefaultPods = "data/traces/alibaba-gpu-v2023/openb_pod_list_default.csv";

struct SimulateFlags {
  std::string nodes = kDefaultNodes, pods = kDefaultPods;
  std::string policy = std::string(sched::kDefaultPolicy);
  uint64_t seed = 42;
  std::string seeds;
  std::string mode = "published";
  std::string plot;
  int threads = 2;
  double load = 0, hours = 24;
  int64_t spot_exempt_s = 0;
  bool json = false, quiet = false;
};

bool ParseSeeds(const std::string& text, std::vector<uint64_t>* out) {
  auto dash = text.find('-');
  try {
    if (dash == std::string::npos) {
      out->push_back(std::stoull(text));
      return true;
    }
    uint64_t a = std::stoull(text.substr(0, dash)), b = std::stoull(text.substr(dash + 1));
    if (b < a || b - a > 10000) return false;
    for (uint64_t s = a; s <= b; ++s) out->push_back(s);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

nlohmann::json RunJson(const PublishedResult& r) {
  return {{"policy", r.policy},
          {"seed", r.seed},
          {"unallocated_gpu_pct_at_100", r.unallocated_at_100},
          {"unallocated_gpu_pct_at_130", r.unallocated_at_130},
          {"fragmentation_rate_at_90", r.fragmentation_at_90},
          {"tasks_total", r.tasks_total},
          {"tasks_failed", r.tasks_failed}};
}

// One policy over several seeds: metrics as means, plus `mean`, `sd` and the runs.
nlohmann::json SummaryJson(const std::string& policy, const std::vector<PublishedResult>& runs) {
  const char* metrics[] = {"unallocated_gpu_pct_at_100", "unallocated_gpu_pct_at_130",
                           "fragmentation_rate_at_90", "tasks_failed"};
  nlohmann::json out = {{"policy", policy}, {"seed", runs.front().seed}};
  nlohmann::json mean, sd, list = nlohmann::json::array(), seeds = nlohmann::json::array();
  for (const auto& r : runs) {
    list.push_back(RunJson(r));
    seeds.push_back(r.seed);
  }
  for (const char* m : metrics) {
    double sum = 0, sq = 0;
    for (const auto& j : list) sum += j[m].get<double>();
    double mu = sum / static_cast<double>(runs.size());
    for (const auto& j : list) sq += (j[m].get<double>() - mu) * (j[m].get<double>() - mu);
    double s = runs.size() > 1 ? std::sqrt(sq / static_cast<double>(runs.size() - 1)) : 0.0;
    mean[m] = mu;
    sd[m] = s;
    out[m] = mu;
  }
  out["seeds"] = seeds;
  out["mean"] = mean;
  out["sd"] = sd;
  out["runs"] = list;
  return out;
}

int Usage(const std::string& msg) {
  std::fprintf(stderr, "simulate: %s\n", msg.c_str());
  return 2;
}

}  // namespace

// Runs every (policy, seed) pair of mode (a) on `threads` threads.
static Result<std::vector<std::vector<PublishedResult>>> RunAll(
    const SimulateFlags& f, const std::vector<std::string>& policies,
    const std::vector<uint64_t>& seeds, const std::vector<sched::NodeSpec>& nodes,
    const std::vector<TraceTask>& tasks) {
  size_t jobs = policies.size() * seeds.size();
  std::vector<Result<PublishedResult>> results(jobs, Err(Internal("not run")));
  ProgressBar bar("simulate", static_cast<int>(jobs), !f.quiet);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t j; (j = next++) < jobs;) {
      PublishedOptions o{policies[j / seeds.size()], seeds[j % seeds.size()], 1.3,
                         [&bar, j](double d) { bar.Update(static_cast<int>(j), d); }};
      results[j] = RunPublished(nodes, tasks, o);
    }
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < std::max(1, std::min<int>(f.threads, static_cast<int>(jobs))); ++i) {
    pool.emplace_back(worker);
  }
  for (auto& t : pool) t.join();
  std::vector<std::vector<PublishedResult>> out(policies.size());
  for (size_t j = 0; j < jobs; ++j) {
    if (!results[j]) return Err(results[j].error());
    out[j / seeds.size()].push_back(std::move(*results[j]));
  }
  return out;
}

static int RunPublishedMode(const SimulateFlags& f, const std::vector<std::string>& policies,
                            const std::vector<uint64_t>& seeds,
                            const std::vector<sched::NodeSpec>& nodes,
                            const std::vector<TraceTask>& tasks) {
  auto all = RunAll(f, policies, seeds, nodes, tasks);
  if (!all) return Usage(all.error().ToString());
  std::vector<nlohmann::json> objs;
  for (size_t p = 0; p < policies.size(); ++p) {
    const auto& runs = (*all)[p];
    objs.push_back(f.seeds.empty() ? RunJson(runs[0]) : SummaryJson(policies[p], runs));
  }
  const double lp_bound = LpShareWastePct(tasks);
  for (auto& o : objs) o["lp_share_waste_pct"] = lp_bound;
  if (!f.plot.empty()) {
    std::vector<PlotSeries> series;
    for (size_t p = 0; p < policies.size(); ++p) series.push_back({policies[p], (*all)[p][0].curve});
    if (Status s = WriteCurvePlot(f.plot, series, "unallocated GPU vs arrived workload"); !s.ok()) {
      return Usage(s.ToString());
    }
  }
  nlohmann::json out = objs.size() == 1 ? objs[0] : nlohmann::json{{"results", objs}};
  if (f.json) {
    std::cout << out.dump() << "\n";
  } else {
    std::printf("%-12s %10s %10s %10s %8s\n", "policy", "unalloc@100", "unalloc@130", "frag@90",
                "failed");
    for (const auto& o : objs) {
      std::printf("%-12s %10.2f %10.2f %10.2f %8.0f\n", o["policy"].get<std::string>().c_str(),
                  o["unallocated_gpu_pct_at_100"].get<double>(),
                  o["unallocated_gpu_pct_at_130"].get<double>(),
                  o["fragmentation_rate_at_90"].get<double>(),
                  o["tasks_failed"].get<double>());
    }
  }
  return 0;
}

int SimulateMain(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "failures") return FailuresMain(argc - 1, argv + 1);
  SimulateFlags f;
  CLI::App app{"Replay a node list and a task trace through the scheduling engine", "simulate"};
  app.add_option("--nodes", f.nodes, "node list CSV (sn,cpu_milli,memory_mib,gpu,model)");
  app.add_option("--pods", f.pods, "task trace CSV (openb_pod_list_*.csv)");
  app.add_option("--policy", f.policy, "policy, or several separated by commas");
  app.add_option("--seed", f.seed, "random seed");
  app.add_option("--seeds", f.seeds, "seed range A-B: run each and add mean and sd");
  app.add_option("--mode", f.mode, "published (the paper's method) or timed (arrivals, departures, queue)");
  app.add_option("--load", f.load,
                 "timed mode: replay a Poisson stream drawn from the trace at this offered GPU "
                 "load (% of capacity); 0 = the recorded arrival times")
      ->check(CLI::Range(0.0, 1000.0));
  app.add_option("--hours", f.hours, "timed mode with --load: length of the arrival window")
      ->check(CLI::Range(0.01, 8760.0));
  app.add_option("--spot-exempt-s", f.spot_exempt_s,
                 "timed mode: spot work that has run less than this many seconds is not evicted")
      ->check(CLI::Range(int64_t{0}, int64_t{365} * 24 * 3600));
  app.add_option("--plot", f.plot, "write an SVG chart: unallocated GPU against arrived workload (published mode), "
                 "GPU allocated over time (timed mode)");
  app.add_option("--threads", f.threads, "worker threads for several seeds/policies");
  app.add_flag("--json", f.json, "print one JSON object");
  app.add_flag("--quiet", f.quiet, "no progress bar");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    return Usage(e.what());
  }
  std::vector<uint64_t> seeds;
  if (!ParseSeeds(f.seeds.empty() ? std::to_string(f.seed) : f.seeds, &seeds)) {
    return Usage("bad --seeds (want A-B): " + f.seeds);
  }
  auto policies = SplitComma(f.policy);
  for (const auto& p : policies) {
    if (std::find(sched::PolicyNames().begin(), sched::PolicyNames().end(), p) ==
        sched::PolicyNames().end()) {
      return Usage("unknown policy " + p);
    }
  }
  if (policies.empty()) return Usage("no policy");
  auto nodes = LoadNodes(f.nodes);
  if (!nodes) return Usage(nodes.error().ToString());
  auto tasks = LoadTasks(f.pods);
  if (!tasks) return Usage(tasks.error().ToString());
  if (f.mode == "timed") {
    TimedOptions base;
    base.load_pct = f.load;
    base.hours = f.hours;
    base.spot_exempt_s = f.spot_exempt_s;
    return RunTimedMode(policies, seeds, *nodes, *tasks, base, f.json, f.plot, f.quiet);
  }
  if (f.mode != "published") return Usage("bad --mode " + f.mode);
  return RunPublishedMode(f, policies, seeds, *nodes, *tasks);
}

}  // namespace suanli::sim
