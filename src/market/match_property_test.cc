// Match feasibility on random markets: no plan breaks a constraint of the request (checked
// here from the raw offers, not the index), every offer outside the plans has a reason, the
// reasons agree with the offers' facts, and the cheapest-first walk returns exactly the best
// plans an exhaustive evaluation finds.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "catalog/catalog.h"
#include "market/matcher.h"
#include "market/synthetic.h"
#include "market/test_catalog.h"

namespace suanli::market {
namespace {

struct World {
  Supply supply;
  std::shared_ptr<const OfferIndex> index;
  const SiteInfo& SiteOf(const OfferInfo& o) const {
    for (const auto& s : supply.sites)
      if (s.id == o.offer.site_id) return s;
    throw std::runtime_error("no site");
  }
  const OfferInfo& Offer(const std::string& id) const {
    for (const auto& o : supply.offers)
      if (o.offer.id == id) return o;
    throw std::runtime_error("no offer");
  }
};

World MakeWorld(uint64_t seed, int offers) {
  World w;
  SyntheticOptions o;
  o.offers = offers;
  o.sites = 60;
  o.seed = seed;
  w.supply = SyntheticSupply(o, catalog::BuiltinAccelerators());
  w.index = OfferIndex::Build(w.supply, catalog::BuiltinAccelerators());
  return w;
}

double LatencyMs(const World& w, const std::string& city, const OfferInfo& o) {
  const SiteInfo& s = w.SiteOf(o);
  return LinkBetween(*FindCity(city), s.city, s.province, s.latitude, s.longitude).latency_ms;
}

// Checks one part against the request from first principles.
void CheckPart(const World& w, const MatchRequest& r, const PlanPart& p) {
  const domain::Job& j = r.job;
  const OfferInfo& o = w.Offer(w.index->offer(p.offer).offer.id);
  const domain::Offer& of = o.offer;
  SCOPED_TRACE(of.id);
  const bool accel = j.accelerators.count > 0 || j.accelerators.milli > 0;
  ASSERT_EQ(accel, !of.accelerator_model.empty());
  if (accel) {
    const domain::Accelerator* a = Acc(of.accelerator_model);
    ASSERT_NE(a, nullptr);
    EXPECT_TRUE(j.commands.count(a->ecosystem)) << "ecosystem " << a->ecosystem;
    if (!j.accelerators.any_of.empty()) {
      EXPECT_NE(std::find(j.accelerators.any_of.begin(), j.accelerators.any_of.end(), a->id),
                j.accelerators.any_of.end());
    }
    EXPECT_GE(a->memory_gib, j.accelerators.min_memory_gib);
    const int64_t milli = j.accelerators.count > 0 ? j.accelerators.count * 1000LL : j.accelerators.milli;
    EXPECT_LE(int64_t{p.tasks} * milli, p.units * of.accelerator_count * 1000LL);
  }
  if (of.cpu_cores > 0) { EXPECT_LE(int64_t{p.tasks} * j.cpu_cores, p.units * of.cpu_cores); }
  if (of.memory_gib > 0) { EXPECT_LE(p.tasks * j.memory_gib, p.units * of.memory_gib); }
  EXPECT_GE(p.tasks, 1);
  EXPECT_LE(p.units, of.quantity);
  if (j.latency_limit_ms > 0) { EXPECT_LE(LatencyMs(w, j.location_city, o), j.latency_limit_ms + 1e-3); }
  if (j.priority == "high" || r.service) { EXPECT_NE(of.billing_mode, "spot"); }
  EXPECT_GE(p.start.ms, std::max(w.supply.now.ms, of.available_from.ms));
  const int64_t finish = p.start.ms + static_cast<int64_t>(std::ceil(p.runtime_s * 1000));
  if (of.available_until.ms != 0) { EXPECT_LE(finish, of.available_until.ms); }
  if (j.deadline.ms != 0 && !r.service) { EXPECT_LE(finish, j.deadline.ms); }
  // Capacity: free units now plus what is released by the start.
  int64_t free = std::min(o.free_units, of.quantity);
  for (const auto& rel : o.releases)
    if (rel.at.ms <= p.start.ms) free += rel.units;
  EXPECT_LE(p.units, free);
  EXPECT_GE(p.cost_fen, 0);
  EXPECT_LE(p.subsidy_fen, p.cost_fen);
  if (of.org_id == r.buyer_org) { EXPECT_EQ(p.subsidy_fen, 0); }
}

void CheckPlan(const World& w, const MatchRequest& r, const Plan& p) {
  ASSERT_FALSE(p.parts.empty());
  int tasks = 0;
  std::map<std::string, int64_t> per_site;
  for (const auto& part : p.parts) {
    CheckPart(w, r, part);
    tasks += part.tasks;
    per_site[w.index->offer(part.offer).offer.site_id] += part.tasks;
  }
  int64_t most = 0;
  for (const auto& [site, n] : per_site) most = std::max(most, n);
  if (p.kind == PlanKind::kService) {
    EXPECT_GE(tasks, r.job.tasks);
    EXPECT_EQ(tasks - r.job.tasks, p.failover_replicas);
    if (per_site.size() > 1) { EXPECT_GE(tasks - most, r.job.tasks) << "losing any site leaves N"; }
  } else {
    EXPECT_EQ(tasks, r.job.tasks);
  }
  if (r.job.budget_fen > 0) { EXPECT_LE(p.cost_fen - p.subsidy_fen, r.job.budget_fen); }
  for (const auto& s : r.subsidies) {
    int64_t used = 0;
    for (const auto& part : p.parts) used += part.programme == s.programme ? part.subsidy_fen : 0;
    EXPECT_LE(used, s.left_fen);
  }
}

TEST(MatchProperty, PlansAreFeasibleAndEveryOtherOfferHasAReason) {
  for (uint64_t seed : {11, 12}) {
    World w = MakeWorld(seed, 1200);
    Matcher m(w.index);
    std::mt19937_64 rng(seed);
    int with_plans = 0;
    for (int q = 0; q < 120; ++q) {
      MatchRequest r = SyntheticRequest(rng, catalog::BuiltinAccelerators(), w.supply.now);
      SCOPED_TRACE("seed " + std::to_string(seed) + " request " + std::to_string(q));
      auto res = m.Match(r);
      ASSERT_TRUE(res.has_value()) << res.error().ToString();
      with_plans += !res->plans().empty();
      for (const Plan& p : res->plans()) CheckPlan(w, r, p);
      for (size_t k = 1; k < res->plans().size(); ++k) {
        EXPECT_LE(res->plans()[k - 1].score, res->plans()[k].score) << "ranked by score";
      }
      std::set<uint32_t> planned;
      for (const Plan& p : res->plans())
        for (const auto& part : p.parts) planned.insert(part.offer);
      const auto rejected = res->Rejected();
      EXPECT_EQ(rejected.size() + planned.size(), w.index->size());
      for (const auto& [i, why] : rejected) {
        ASSERT_FALSE(why.empty()) << "offer " << i;
        EXPECT_FALSE(planned.count(i));
        const OfferInfo& o = w.index->offer(i);
        const domain::Accelerator* a = Acc(o.offer.accelerator_model);
        if (why.rfind("too far", 0) == 0) {
          EXPECT_GT(LatencyMs(w, r.job.location_city, o), r.job.latency_limit_ms - 1e-3);
        }
        if (why.rfind("wrong ecosystem", 0) == 0) {
          ASSERT_NE(a, nullptr);
          EXPECT_FALSE(r.job.commands.count(a->ecosystem));
        }
        if (why.rfind("too little memory", 0) == 0) {
          ASSERT_NE(a, nullptr);
          EXPECT_LT(a->memory_gib, r.job.accelerators.min_memory_gib);
        }
        if (why.rfind("spot capacity", 0) == 0) { EXPECT_EQ(o.offer.billing_mode, "spot"); }
      }
    }
    EXPECT_GT(with_plans, 30) << "the random market should serve many requests";
  }
}

TEST(MatchProperty, CheapestFirstWalkFindsTheExhaustiveBest) {
  World w = MakeWorld(21, 1500);
  Matcher m(w.index);
  std::mt19937_64 rng(21);
  for (int q = 0; q < 150; ++q) {
    MatchRequest r = SyntheticRequest(rng, catalog::BuiltinAccelerators(), w.supply.now);
    if (r.service) continue;
    r.allow_split = false;
    r.max_plans = 5;
    MatchRequest all = r;
    all.max_plans = w.index->size();  // keeps every feasible offer: no early stop
    auto top = m.Match(r);
    auto every = m.Match(all);
    ASSERT_TRUE(top && every);
    SCOPED_TRACE("request " + std::to_string(q));
    ASSERT_EQ(top->plans().size(), std::min<size_t>(5, every->plans().size()));
    for (size_t k = 0; k < top->plans().size(); ++k) {
      EXPECT_EQ(top->plans()[k].parts[0].offer, every->plans()[k].parts[0].offer);
      EXPECT_DOUBLE_EQ(top->plans()[k].score, every->plans()[k].score);
    }
    EXPECT_LE(top->examined(), every->examined());
  }
}

}  // namespace
}  // namespace suanli::market
