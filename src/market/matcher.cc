#include "market/matcher.h"

#include <algorithm>

#include "market/match_context.h"

namespace suanli::market {

namespace {

struct Kept {
  Eval e;
  uint32_t offer;
};

bool BetterPlan(const Kept& a, const Kept& b) {
  if (a.e.score != b.e.score) return a.e.score < b.e.score;
  return a.offer < b.offer;
}

// The best `k` single-offer plans, walking candidate offers cheapest lower bound first. Stops
// when the next bound cannot beat the worst plan kept, or shows that every later offer would
// cost more than the budget.
std::vector<Kept> BestSingles(const MatchContext& c, size_t k, size_t* examined) {
  Walk walk(c, /*whole=*/true);
  std::vector<Kept> kept;  // max-heap by score: front is the worst kept
  uint32_t offer = 0;
  double bound = 0;
  while (walk.Next(&offer, &bound)) {
    if (kept.size() == k && bound >= kept.front().e.score) break;
    // bound / (2 - r) <= what the buyer pays, and 2 - r <= 2.
    if (c.budget_fen > 0 && bound > 2.0 * static_cast<double>(c.budget_fen)) break;
    ++*examined;
    Eval e = c.Evaluate(offer, c.tasks);
    if (e.why != Why::kOk) continue;
    Kept cand{e, offer};
    if (kept.size() < k) {
      kept.push_back(cand);
      std::push_heap(kept.begin(), kept.end(), BetterPlan);
    } else if (BetterPlan(cand, kept.front())) {
      std::pop_heap(kept.begin(), kept.end(), BetterPlan);
      kept.back() = cand;
      std::push_heap(kept.begin(), kept.end(), BetterPlan);
    }
  }
  std::sort(kept.begin(), kept.end(), BetterPlan);
  return kept;
}

}  // namespace

std::string_view PlanKindName(PlanKind k) {
  switch (k) {
    case PlanKind::kSingle: return "single";
    case PlanKind::kSplit: return "split";
    case PlanKind::kService: return "service";
  }
  return "single";
}

Result<MatchResult> Matcher::Match(const MatchRequest& req) const {
  auto ctx = MakeContext(index_, req);
  if (!ctx) return Err(ctx.error());
  const MatchContext& c = **ctx;
  MatchResult r;
  const size_t k = std::max<size_t>(req.max_plans, 1);
  if (req.service) {
    AddServicePlans(c, &r.plans_, &r.examined_);
  } else {
    for (const Kept& kp : BestSingles(c, k, &r.examined_))
      r.plans_.push_back(PlanOf(c, PlanKind::kSingle, {PartOf(c, kp.offer, c.tasks, kp.e)}));
    if (r.plans_.empty() && req.allow_split && c.tasks > 1) AddSplitPlan(c, &r.plans_, &r.examined_);
  }
  if (r.plans_.size() > k) r.plans_.resize(k);
  if (!r.plans_.empty()) {
    r.planned_.assign(index_->size(), 0);
    for (const Plan& p : r.plans_)
      for (const PlanPart& part : p.parts) r.planned_[part.offer] = 1;
  }
  r.ctx_ = std::move(*ctx);
  return r;
}

std::vector<std::pair<uint32_t, std::string>> MatchResult::Rejected() const {
  std::vector<std::pair<uint32_t, std::string>> out;
  const MatchContext& c = *ctx_;
  const OfferColumns& col = c.index->columns();
  const size_t n = c.index->size();
  out.reserve(n);
  // Reasons that depend only on the model (ecosystem, memory, kind) or the site (latency) are
  // spelled once per model or site.
  std::vector<std::string> by_model(c.index->models().size()), by_site(c.index->sites());
  for (uint32_t i = 0; i < n; ++i) {
    if (!planned_.empty() && planned_[i]) continue;
    std::string* cached = c.model_why[col.model[i]] != Why::kOk ? &by_model[col.model[i]]
                          : !c.site_ok[col.site[i]]              ? &by_site[col.site[i]]
                                                                 : nullptr;
    if (cached && cached->empty()) *cached = ReasonFor(i);
    out.push_back({i, cached ? *cached : ReasonFor(i)});
  }
  return out;
}

}  // namespace suanli::market
