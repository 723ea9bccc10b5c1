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
  // The first (cheapest) usable offer per site, until kMaxServiceSites sites can each hold
  // the smallest share (an even spread over all of them).
  const int n = c.tasks;
  const int smallest_share = (n + kMaxServiceSites - 2) / (kMaxServiceSites - 1);
  std::vector<Candidate> sites;
  std::vector<uint8_t> seen(c.index->sites(), 0);
  int roomy = 0;
  Walk walk(c, /*whole=*/false);
  uint32_t i = 0;
  double bound = 0;
  while (roomy < kMaxServiceSites && walk.Next(&i, &bound)) {
    const uint16_t s = c.index->columns().site[i];
    if (seen[s]) continue;
    const int cap = CapacityNow(c, i);
    if (cap <= 0) continue;
    ++*examined;
    const Eval e = c.Evaluate(i, 1, false);
    if (e.why != Why::kOk) continue;
    seen[s] = 1;
    sites.push_back({i, cap, e.score});
    roomy += cap >= smallest_share;
  }
  std::sort(sites.begin(), sites.end(), [](const Candidate& a, const Candidate& b) {
    return a.per_task != b.per_task ? a.per_task < b.per_task : a.offer < b.offer;
  });
  std::vector<Plan> found;
  auto spread = [&](int site_count) {
    const int share = site_count == 1 ? n : (n + site_count - 2) / (site_count - 1);
    std::vector<PlanPart> parts;
    for (const Candidate& cand : sites) {
      if (static_cast<int>(parts.size()) == site_count) break;
      if (cand.capacity < share) continue;
      const Eval e = c.Evaluate(cand.offer, share, false);
      if (e.why == Why::kOk) parts.push_back(PartOf(c, cand.offer, share, e));
    }
    if (static_cast<int>(parts.size()) < site_count) return;
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
