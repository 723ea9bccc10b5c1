// Small networks that pin how the matcher ranks and explains: each test states a situation a
// buyer would recognise and the order or reason it must produce.
#include <gtest/gtest.h>

#include <map>

#include "catalog/catalog.h"
#include "demo/demo_network.h"
#include "market/from_records.h"
#include "market/match_context.h"
#include "market/matcher.h"

namespace suanli::market {
namespace {

constexpr int64_t kNow = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr int64_t kHour = 3'600'000;

SiteInfo Site(const std::string& id, const std::string& city, const std::string& tier = "region") {
  const City* c = FindCity(city);
  return {id, id, c->name, c->province, tier, c->latitude + 0.02, c->longitude + 0.02};
}

OfferInfo Offer(const std::string& id, const std::string& site, const std::string& model,
                int per_unit, int64_t quantity, int64_t price, const std::string& org = "org-a") {
  OfferInfo o;
  o.offer.id = id;
  o.offer.org_id = org;
  o.offer.site_id = site;
  o.offer.pool_id = "pool-" + site;
  o.offer.kind = model.empty() ? "general" : "ai";
  o.offer.accelerator_model = model;
  o.offer.accelerator_count = model.empty() ? 0 : per_unit;
  o.offer.cpu_cores = model.empty() ? per_unit : 16 * per_unit;
  o.offer.memory_gib = 128 * std::max(per_unit, 1);
  o.offer.quantity = quantity;
  o.offer.price_fen_per_hour = price;
  o.offer.available_from = {kNow - kHour};
  o.offer.sla_availability_pct = 99.9;
  o.free_units = quantity;
  return o;
}

MatchRequest Training(int devices, int tasks = 1, const std::vector<std::string>& ecos = {"CUDA"}) {
  MatchRequest r;
  r.job.tasks = tasks;
  r.job.accelerators.count = devices;
  r.job.cpu_cores = 8;
  r.job.memory_gib = 64;
  r.job.duration_estimate_s = 10 * 3600;
  for (const auto& e : ecos) r.job.commands[e] = "python train.py";
  r.buyer_org = "org-buyer";
  return r;
}

struct Net {
  Supply s{{kNow}, {}, {}};
  std::shared_ptr<const OfferIndex> index;
  MatchResult Match(const MatchRequest& r) {
    if (!index) index = OfferIndex::Build(s, catalog::BuiltinAccelerators());
    auto m = Matcher(index).Match(r);
    EXPECT_TRUE(m.has_value()) << m.error().ToString();
    return std::move(*m);
  }
  std::string Id(const PlanPart& p) const { return index->offer(p.offer).offer.id; }
  std::string Reason(const MatchResult& m, const std::string& id) const {
    for (uint32_t i = 0; i < index->size(); ++i)
      if (index->offer(i).offer.id == id) return m.ReasonFor(i);
    return "?";
  }
};

TEST(MatchScenario, SpotIsTheBillingModeTheMatcherKeepsFromUrgentWork) {
  EXPECT_EQ(domain::kBillingModes[kSpotBilling], "spot");
}

TEST(MatchScenario, TheWorkloadDecidesWhichCardIsFaster) {
  Net n;
  n.s.sites = {Site("s1", "成都市")};
  n.s.offers = {Offer("o-4090", "s1", "nvidia-rtx-4090", 1, 4, 800),
                Offer("o-a100", "s1", "nvidia-a100-sxm-80gb", 1, 4, 800)};
  MatchRequest r = Training(1);
  r.workload = Workload::kTraining;
  auto m = n.Match(r);
  ASSERT_EQ(m.plans().size(), 2u);
  EXPECT_EQ(n.Id(m.plans()[0].parts[0]), "o-a100") << "tensor training: the A100 is faster";
  r.workload = Workload::kFp32;
  m = n.Match(r);
  ASSERT_EQ(m.plans().size(), 2u);
  EXPECT_EQ(n.Id(m.plans()[0].parts[0]), "o-4090") << "FP32 vector work: the 4090 is faster";
  EXPECT_GT(m.plans()[0].speed_vs_reference, 1.0);
}

TEST(MatchScenario, PricePerUnitOfWorkBeatsTheStickerPrice) {
  Net n;
  n.s.sites = {Site("s1", "上海市")};
  n.s.offers = {Offer("o-a100", "s1", "nvidia-a100-sxm-80gb", 8, 2, 8 * 1000),
                Offer("o-h100", "s1", "nvidia-h100-sxm", 8, 2, 8 * 2500)};
  auto m = n.Match(Training(8));
  ASSERT_EQ(m.plans().size(), 2u);
  EXPECT_EQ(n.Id(m.plans()[0].parts[0]), "o-h100");
  EXPECT_LT(m.plans()[0].cost_fen, m.plans()[1].cost_fen);
  EXPECT_LT(m.plans()[0].finish, m.plans()[1].finish);
}

TEST(MatchScenario, ALatencyLimitKeepsWorkNearTheBuyer) {
  Net n;
  n.s.sites = {Site("cd-edge", "成都市", "edge"), Site("bj-hub", "北京市", "hub")};
  n.s.offers = {Offer("o-cd", "cd-edge", "nvidia-l40s", 1, 8, 900),
                Offer("o-bj", "bj-hub", "nvidia-l40s", 1, 8, 500)};
  MatchRequest r = Training(1);
  r.job.location_city = "成都市";
  r.job.latency_limit_ms = 5;
  auto m = n.Match(r);
  ASSERT_EQ(m.plans().size(), 1u);
  EXPECT_EQ(n.Id(m.plans()[0].parts[0]), "o-cd");
  EXPECT_EQ(m.plans()[0].parts[0].tier, NetTier::kCity);
  EXPECT_LT(m.plans()[0].parts[0].latency_ms, 1.5);
  const std::string why = n.Reason(m, "o-bj");
  EXPECT_EQ(why.rfind("too far: ", 0), 0u) << why;
  EXPECT_NE(why.find("> 5 ms"), std::string::npos) << why;
  r.job.latency_limit_ms = 0;  // without the limit the cheaper far site wins
  m = n.Match(r);
  EXPECT_EQ(n.Id(m.plans()[0].parts[0]), "o-bj");
}

TEST(MatchScenario, EcosystemAndMemoryRuleOffersOut) {
  Net n;
  n.s.sites = {Site("s1", "贵阳市")};
  n.s.offers = {Offer("o-h100", "s1", "nvidia-h100-sxm", 8, 2, 100),
                Offer("o-910b", "s1", "huawei-ascend-910b", 8, 2, 100),
                Offer("o-910c", "s1", "huawei-ascend-910c", 8, 2, 5000),
                Offer("o-cpu", "s1", "", 64, 10, 50)};
  MatchRequest r = Training(8, 1, {"CANN"});
  r.job.accelerators.min_memory_gib = 96;
  auto m = n.Match(r);
  ASSERT_EQ(m.plans().size(), 1u);
  EXPECT_EQ(n.Id(m.plans()[0].parts[0]), "o-910c");
  EXPECT_EQ(n.Reason(m, "o-h100").rfind("wrong ecosystem", 0), 0u) << n.Reason(m, "o-h100");
  EXPECT_EQ(n.Reason(m, "o-910b").rfind("too little memory", 0), 0u) << n.Reason(m, "o-910b");
  EXPECT_EQ(n.Reason(m, "o-cpu").rfind("sells CPU only", 0), 0u);
}

TEST(MatchScenario, VouchersLowerThePriceButNotForRelatedParties) {
  Net n;
  n.s.sites = {Site("cd", "成都市"), Site("gz", "广州市")};
  n.s.offers = {Offer("o-gz", "gz", "nvidia-a100-sxm-80gb", 1, 4, 1000, "org-gz"),
                Offer("o-cd", "cd", "nvidia-a100-sxm-80gb", 1, 4, 1001, "org-cd")};
  n.s.offers[1].supplier_group = "成都产业投资集团";
  MatchRequest r = Training(1);
  r.subsidies = {{"prog-sc", 3000, 1'000'000, {}, {"ai"}, {"四川省"}}};
  auto m = n.Match(r);
  ASSERT_EQ(m.plans().size(), 2u);
  EXPECT_EQ(n.Id(m.plans()[0].parts[0]), "o-cd") << "the Sichuan programme pays 30% there";
  EXPECT_GT(m.plans()[0].subsidy_fen, 0);
  EXPECT_EQ(m.plans()[0].parts[0].programme, "prog-sc");
  EXPECT_EQ(m.plans()[1].subsidy_fen, 0);
  r.buyer_group = "成都产业投资集团";  // a related party of the Chengdu supplier
  m = n.Match(r);
  EXPECT_EQ(n.Id(m.plans()[0].parts[0]), "o-gz");
  EXPECT_EQ(m.plans()[1].subsidy_fen, 0);
}

TEST(MatchScenario, PriorityTradesWaitingForPrice) {
  Net n;
  n.s.sites = {Site("s1", "武汉市")};
  OfferInfo busy = Offer("o-busy", "s1", "nvidia-a800-sxm-80gb", 8, 1, 8000);
  busy.free_units = 0;
  busy.releases = {{{kNow + 10 * kHour}, 1}};
  n.s.offers = {busy, Offer("o-free", "s1", "nvidia-a800-sxm-80gb", 8, 1, 9600)};
  MatchRequest r = Training(8);
  r.job.priority = "high";
  auto m = n.Match(r);
  ASSERT_EQ(m.plans().size(), 2u);
  EXPECT_EQ(n.Id(m.plans()[0].parts[0]), "o-free");
  r.job.priority = "best_effort";
  m = n.Match(r);
  EXPECT_EQ(n.Id(m.plans()[0].parts[0]), "o-busy");
  EXPECT_EQ(m.plans()[0].start.ms, kNow + 10 * kHour) << "starts when the running job ends";
  r.job.deadline = {kNow + 12 * kHour};  // 10 h wait + 10 h run misses it
  m = n.Match(r);
  ASSERT_EQ(m.plans().size(), 1u);
  EXPECT_EQ(n.Reason(m, "o-busy").rfind("misses the deadline", 0), 0u) << n.Reason(m, "o-busy");
}

TEST(MatchScenario, ALargeJobIsSplitAcrossSitesOnlyWhenAllowed) {
  Net n;
  n.s.sites = {Site("a", "北京市"), Site("b", "天津市")};
  n.s.offers = {Offer("o-a", "a", "nvidia-h800-sxm", 8, 2, 16000),
                Offer("o-b", "b", "nvidia-h800-sxm", 8, 3, 17000)};
  MatchRequest r = Training(8, 4);
  auto m = n.Match(r);
  EXPECT_TRUE(m.plans().empty());
  EXPECT_EQ(n.Reason(m, "o-a").rfind("too small", 0), 0u) << n.Reason(m, "o-a");
  r.allow_split = true;
  m = n.Match(r);
  ASSERT_EQ(m.plans().size(), 1u);
  const Plan& p = m.plans()[0];
  EXPECT_EQ(p.kind, PlanKind::kSplit);
  ASSERT_EQ(p.parts.size(), 2u);
  EXPECT_EQ(p.parts[0].tasks + p.parts[1].tasks, 4);
  EXPECT_EQ(n.Id(p.parts[0]), "o-a") << "the cheaper offer takes what it can";
  EXPECT_EQ(p.parts[0].tasks, 2);
}

TEST(MatchScenario, AServiceSpreadsReplicasOverNearbySitesWithFailoverRoom) {
  Net n;
  n.s.sites = {Site("e1", "成都市", "edge"), Site("e2", "成都市", "edge"),
               Site("r1", "成都市", "region"), Site("bj", "北京市", "hub")};
  n.s.offers = {Offer("o-e1", "e1", "nvidia-t4", 1, 6, 300), Offer("o-e2", "e2", "nvidia-t4", 1, 6, 320),
                Offer("o-r1", "r1", "nvidia-l40s", 1, 20, 900), Offer("o-bj", "bj", "nvidia-t4", 1, 100, 100)};
  MatchRequest r = Training(1, 10);
  r.service = true;
  r.workload = Workload::kInference;
  r.job.location_city = "成都市";
  r.job.latency_limit_ms = 5;
  r.job.duration_estimate_s = 30 * 24 * 3600;
  auto m = n.Match(r);
  ASSERT_FALSE(m.plans().empty());
  for (const Plan& p : m.plans()) {
    EXPECT_EQ(p.kind, PlanKind::kService);
    ASSERT_GE(p.parts.size(), 2u);
    int total = 0, most = 0;
    for (const auto& part : p.parts) {
      EXPECT_NE(n.Id(part), "o-bj");
      EXPECT_LE(part.latency_ms, 5);
      total += part.tasks;
      most = std::max(most, part.tasks);
    }
    EXPECT_GE(total - most, 10) << "losing any one site still leaves 10 replicas";
    EXPECT_EQ(p.failover_replicas, total - 10);
  }
  EXPECT_EQ(n.Reason(m, "o-bj").rfind("too far", 0), 0u);
}

TEST(MatchScenario, AServiceSiteCanCombineItsOffers) {
  Net n;
  n.s.sites = {Site("e1", "成都市", "edge"), Site("e2", "成都市", "edge")};
  n.s.offers = {Offer("o-e1a", "e1", "nvidia-t4", 1, 4, 300), Offer("o-e1b", "e1", "nvidia-t4", 1, 4, 330),
                Offer("o-e2a", "e2", "nvidia-t4", 1, 4, 310), Offer("o-e2b", "e2", "nvidia-t4", 1, 4, 340)};
  MatchRequest r = Training(1, 8);
  r.service = true;
  r.job.location_city = "成都市";
  r.job.latency_limit_ms = 5;
  auto m = n.Match(r);
  ASSERT_EQ(m.plans().size(), 1u) << "each site holds 8 replicas only with both its offers";
  std::map<std::string, int> per_site;
  for (const auto& part : m.plans()[0].parts) per_site[n.index->offer(part.offer).offer.site_id] += part.tasks;
  EXPECT_EQ(per_site, (std::map<std::string, int>{{"e1", 8}, {"e2", 8}}));
  EXPECT_EQ(m.plans()[0].failover_replicas, 8);
}

TEST(MatchScenario, BudgetsAndReservedTermsCount) {
  Net n;
  n.s.sites = {Site("s1", "杭州市")};
  OfferInfo reserved = Offer("o-res", "s1", "nvidia-a10", 1, 4, 150);
  reserved.offer.billing_mode = "reserved";
  reserved.offer.reserved_term_days = 30;
  n.s.offers = {reserved, Offer("o-od", "s1", "nvidia-a10", 1, 4, 200)};
  MatchRequest r = Training(1);
  r.job.duration_estimate_s = 2 * 3600;
  auto m = n.Match(r);
  ASSERT_EQ(m.plans().size(), 2u);
  EXPECT_EQ(n.Id(m.plans()[0].parts[0]), "o-od") << "a 2-hour job does not pay a month's term";
  EXPECT_GE(m.plans()[1].cost_fen, 150 * 30 * 24);
  r.job.budget_fen = m.plans()[0].cost_fen;
  m = n.Match(r);
  ASSERT_EQ(m.plans().size(), 1u);
  EXPECT_EQ(n.Reason(m, "o-res").rfind("over budget", 0), 0u) << n.Reason(m, "o-res");
}

TEST(MatchScenario, TheDemoNetworkServesAChengduTrainingJob) {
  const Timestamp now{kNow};
  const demo::DemoNetwork d = demo::BuildDemoNetwork(7, now);
  Records rec{d.sites, d.pools, d.nodes, d.offers, d.jobs, d.orgs};
  auto index = std::shared_ptr<const OfferIndex>(
      OfferIndex::Build(SupplyFromRecords(rec, now), catalog::BuiltinAccelerators()));
  EXPECT_GT(index->size(), 100u);
  MatchRequest r = Training(8, 2, {"CUDA", "CANN"});
  r.job.location_city = "成都市";
  auto m = Matcher(index).Match(r);
  ASSERT_TRUE(m.has_value());
  ASSERT_FALSE(m->plans().empty());
  for (const Plan& p : m->plans()) { EXPECT_GE(p.parts[0].latency_ms, 0); }
  EXPECT_EQ(m->Rejected().size() + m->plans().size(), index->size());
}

}  // namespace
}  // namespace suanli::market
