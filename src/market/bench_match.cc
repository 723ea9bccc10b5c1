#include "market/bench_match.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "market/matcher.h"
#include "market/synthetic.h"

namespace suanli::market {

namespace {

using Clock = std::chrono::steady_clock;

double Micros(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

struct Stats {
  double p50 = 0, p99 = 0, max = 0, mean = 0, total = 0;
};

Stats Summarise(std::vector<double> us) {
  Stats s;
  if (us.empty()) return s;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))]; };
  s.p50 = at(0.50);
  s.p99 = at(0.99);
  s.max = us.back();
  for (double v : us) s.total += v;
  s.mean = s.total / us.size();
  return s;
}

}  // namespace

int BenchMatchMain(int argc, char** argv) {
  SyntheticOptions o;
  int queries = 20000, searches = 2000, explains = 50;
  bool json = false;
  int slowest = 0;
  CLI::App app{"Match and search speed on a synthetic national market", "match"};
  app.add_option("--offers", o.offers, "offers in the market")->check(CLI::Range(1, 2'000'000));
  app.add_option("--sites", o.sites, "sites (0: offers/100, at least 40)");
  app.add_option("--queries", queries, "timed match queries")->check(CLI::Range(1, 10'000'000));
  app.add_option("--searches", searches, "timed searches with facets")->check(CLI::Range(0, 1'000'000));
  app.add_option("--explains", explains, "matches whose every rejection is spelled out");
  app.add_option("--seed", o.seed, "random seed");
  app.add_flag("--json", json, "print one JSON object");
  app.add_option("--slowest", slowest, "describe the N slowest match queries on stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "bench match: %s\n", e.what());
    return 2;
  }
  const auto& catalog = catalog::BuiltinAccelerators();
  Supply supply = SyntheticSupply(o, catalog);
  int64_t accelerators = 0;
  for (const auto& of : supply.offers) accelerators += of.offer.quantity * of.offer.accelerator_count;
  const size_t n_sites = supply.sites.size();
  const auto t0 = Clock::now();
  std::shared_ptr<const OfferIndex> index = OfferIndex::Build(std::move(supply), catalog);
  const double build_ms = Micros(t0, Clock::now()) / 1000;
  Matcher matcher(index);

  std::mt19937_64 rng(o.seed * 7919 + 1);
  std::vector<MatchRequest> reqs;
  for (int q = 0; q < std::min(queries, 4096); ++q)
    reqs.push_back(SyntheticRequest(rng, catalog, index->now()));
  std::vector<double> match_us;
  match_us.reserve(static_cast<size_t>(queries));
  int64_t with_plan = 0, examined = 0, errors = 0;
  for (int q = 0; q < queries; ++q) {
    const MatchRequest& r = reqs[static_cast<size_t>(q) % reqs.size()];
    const auto a = Clock::now();
    auto res = matcher.Match(r);
    const auto b = Clock::now();
    match_us.push_back(Micros(a, b));
    if (!res) {
      ++errors;
      continue;
    }
    with_plan += !res->plans().empty();
    examined += static_cast<int64_t>(res->examined());
  }
  std::vector<std::pair<double, size_t>> by_time;
  for (size_t q = 0; q < match_us.size(); ++q) by_time.push_back({match_us[q], q % reqs.size()});
  std::sort(by_time.rbegin(), by_time.rend());
  for (int k = 0; k < slowest && k < static_cast<int>(by_time.size()); ++k) {
    const MatchRequest& r = reqs[by_time[static_cast<size_t>(k)].second];
    auto res = matcher.Match(r);
    std::fprintf(stderr,
                 "%8.0f us  tasks %d × %d dev (%d milli) %d cpu  mem>=%g  lat %d ms  split %d service %d"
                 "  deadline %d budget %lld  plans %zu examined %zu\n",
                 by_time[static_cast<size_t>(k)].first, r.job.tasks, r.job.accelerators.count,
                 r.job.accelerators.milli, r.job.cpu_cores, r.job.accelerators.min_memory_gib,
                 r.job.latency_limit_ms, r.allow_split, r.service, r.job.deadline.ms != 0,
                 static_cast<long long>(r.job.budget_fen), res ? res->plans().size() : 0,
                 res ? res->examined() : 0);
  }
  std::vector<double> explain_us;
  for (int q = 0; q < explains; ++q) {
    auto res = matcher.Match(reqs[static_cast<size_t>(q) % reqs.size()]);
    if (!res) continue;
    const auto a = Clock::now();
    auto rejected = res->Rejected();
    explain_us.push_back(Micros(a, Clock::now()));
  }
  std::vector<double> search_us;
  for (int q = 0; q < searches; ++q) {
    SearchQuery sq = SyntheticQuery(rng, catalog);
    const auto a = Clock::now();
    auto res = index->Search(sq);
    search_us.push_back(Micros(a, Clock::now()));
    if (!res) ++errors;
  }
  const Stats m = Summarise(match_us), s = Summarise(search_us), x = Summarise(explain_us);
  nlohmann::json j = {
      {"offers", index->size()},
      {"sites", n_sites},
      {"accelerators", accelerators},
      {"build_ms", build_ms},
      {"queries", queries},
      {"p50_us", m.p50},
      {"p99_us", m.p99},
      {"max_us", m.max},
      {"mean_us", m.mean},
      {"queries_per_s", m.total > 0 ? queries / (m.total / 1e6) : 0},
      {"with_plan_pct", queries ? 100.0 * with_plan / queries : 0},
      {"examined_mean", queries ? static_cast<double>(examined) / queries : 0},
      {"errors", errors},
      {"search_p50_us", s.p50},
      {"search_p99_us", s.p99},
      {"search_max_us", s.max},
      {"searches", searches},
      {"explain_all_p50_us", x.p50},
      {"explain_all_p99_us", x.p99}};
  if (json) {
    std::cout << j.dump() << "\n";
  } else {
    std::printf("%zu offers, %lld accelerators, %zu sites (index %.0f ms)\n", index->size(),
                static_cast<long long>(accelerators), n_sites, build_ms);
    std::printf("match  p50 %.1f us  p99 %.1f us  %.0f queries/s  (%.0f%% with a plan)\n", m.p50,
                m.p99, j["queries_per_s"].get<double>(), j["with_plan_pct"].get<double>());
    std::printf("search p50 %.1f us  p99 %.1f us (with facets)\n", s.p50, s.p99);
    std::printf("every rejection spelled out: p50 %.0f us  p99 %.0f us\n", x.p50, x.p99);
  }
  return 0;
}

}  // namespace suanli::market
