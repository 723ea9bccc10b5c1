// Plans that use more than one offer: a split job (independent parts, when no single offer can
// hold the whole request) and a latency-sensitive service (N replicas near a city, spread over
// sites so that losing any one site still leaves N running).
#include <algorithm>
#include <map>

#include "market/match_context.h"

namespace suanli::market {

namespace {

struct Candidate {
  uint32_t offer;
  int capacity;     // tasks it can take now
  double per_task;  // score per task
};

// How many tasks offer i can take now (units free now), 0 when none.
int CapacityNow(const MatchContext& c, uint32_t i) {
  const OfferColumns& col = c.index->columns();
  const int tpu = c.TasksPerUnit(i);
  if (tpu <= 0) return 0;
  return static_cast<int>(
      std::min<int64_t>(c.tasks, int64_t{tpu} * std::min(col.free_units[i], col.quantity[i])));
}

// Vouchers are capped per programme: parts evaluated one by one may together claim more than
// is left, so trim them in order.
void CapSubsidies(const MatchContext& c, std::vector<PlanPart>* parts) {
  std::map<std::string, int64_t> left;
  for (const Subsidy& s : c.req.subsidies) left.emplace(s.programme, s.left_fen);
  for (PlanPart& p : *parts) {
    if (p.programme.empty()) continue;
    int64_t& l = left[p.programme];
    p.subsidy_fen = std::min(p.subsidy_fen, std::max<int64_t>(l, 0));
    l -= p.subsidy_fen;
    if (p.subsidy_fen == 0) p.programme.clear();
  }
}

bool WithinBudget(const MatchContext& c, const Plan& p) {
  return c.budget_fen <= 0 || p.cost_fen - p.subsidy_fen <= c.budget_fen;
}

}  // namespace

void AddSplitPlan(const MatchContext& c, std::vector<Plan>* plans, size_t* examined) {
  int remaining = c.tasks;
  std::vector<PlanPart> parts;
  Walk walk(c, /*whole=*/false);
  uint32_t i = 0;
  double bound = 0;
  while (remaining > 0 && walk.Next(&i, &bound)) {
    const int t = std::min(CapacityNow(c, i), remaining);
    if (t <= 0) continue;
    ++*examined;
    const Eval e = c.Evaluate(i, t, false);
    if (e.why != Why::kOk) continue;
    parts.push_back(PartOf(c, i, t, e));
    remaining -= t;
  }
  if (remaining > 0) return;
  CapSubsidies(c, &parts);
  Plan p = PlanOf(c, PlanKind::kSplit, std::move(parts));
  if (WithinBudget(c, p)) plans->push_back(std::move(p));
}

void AddServicePlans(const MatchContext& c, std::vector<Plan>* plans, size_t* examined) {
  // Usable offers per site (a site may sell the same card on demand and reserved), cheapest
  // first, until kMaxServiceSites sites can each hold the smallest share (an even spread over
  // all of them). A site ranks by its cheapest offer's score per replica.
  struct Site {
    std::vector<Candidate> offers;
    int capacity = 0;
  };
  const int n = c.tasks;
  const int smallest_share = (n + kMaxServiceSites - 2) / (kMaxServiceSites - 1);
  std::vector<Site> sites;
  std::vector<int> site_of(c.index->sites(), -1);
  int roomy = 0;
  Walk walk(c, /*whole=*/false);
  uint32_t i = 0;
  double bound = 0;
  while (roomy < kMaxServiceSites && walk.Next(&i, &bound)) {
    const uint16_t s = c.index->columns().site[i];
    const int cap = CapacityNow(c, i);
    if (cap <= 0) continue;
    ++*examined;
    const Eval e = c.Evaluate(i, 1, false);
    if (e.why != Why::kOk) continue;
    if (site_of[s] < 0) {
      site_of[s] = static_cast<int>(sites.size());
      sites.emplace_back();
    }
    Site& site = sites[static_cast<size_t>(site_of[s])];
    const bool was_roomy = site.capacity >= smallest_share;
    site.offers.push_back({i, cap, e.score});
    site.capacity += cap;
    roomy += !was_roomy && site.capacity >= smallest_share;
  }
  std::sort(sites.begin(), sites.end(), [](const Site& a, const Site& b) {
    return a.offers[0].per_task != b.offers[0].per_task ? a.offers[0].per_task < b.offers[0].per_task
                                                        : a.offers[0].offer < b.offers[0].offer;
  });
  std::vector<Plan> found;
  auto spread = [&](int site_count) {
    const int share = site_count == 1 ? n : (n + site_count - 2) / (site_count - 1);
    std::vector<PlanPart> parts;
    int used = 0;
    for (const Site& site : sites) {
      if (used == site_count) break;
      if (site.capacity < share) continue;
      std::vector<PlanPart> here;
      int left = share;
      for (const Candidate& cand : site.offers) {
        const int t = std::min(cand.capacity, left);
        const Eval e = c.Evaluate(cand.offer, t, false);
        if (e.why != Why::kOk) continue;
        here.push_back(PartOf(c, cand.offer, t, e));
        if ((left -= t) == 0) break;
      }
      if (left > 0) continue;
      parts.insert(parts.end(), here.begin(), here.end());
      ++used;
    }
    if (used < site_count) return;
    CapSubsidies(c, &parts);
    Plan p = PlanOf(c, PlanKind::kService, std::move(parts));
    p.failover_replicas = site_count * share - n;
    if (WithinBudget(c, p)) found.push_back(std::move(p));
  };
  const int most = std::min<int>(static_cast<int>(sites.size()), kMaxServiceSites);
  for (int s = 2; s <= most; ++s) spread(s);
  if (found.empty() && !sites.empty()) spread(1);  // no failover possible: say so (0 spare)
  std::sort(found.begin(), found.end(), [](const Plan& a, const Plan& b) {
    return a.score != b.score ? a.score < b.score : a.parts.size() < b.parts.size();
  });
  for (auto& p : found) plans->push_back(std::move(p));
}

}  // namespace suanli::market
