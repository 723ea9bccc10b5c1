// Search is complete and correct: on random markets and random queries, the total, the page
// and every facet count equal what a brute-force pass over the offers computes independently
// of the index's columns.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "catalog/catalog.h"
#include "market/offer_index.h"
#include "market/synthetic.h"
#include "market/test_catalog.h"

namespace suanli::market {
namespace {

struct Brute {
  const Supply& s;
  const SiteInfo& Site(const OfferInfo& o) const {
    for (const auto& x : s.sites)
      if (x.id == o.offer.site_id) return x;
    throw std::runtime_error("no site");
  }
  std::string Value(const OfferInfo& o, int d) const {
    const auto& of = o.offer;
    const domain::Accelerator* a = Acc(of.accelerator_model);
    const bool accel = !of.accelerator_model.empty();
    char mem[32];
    std::snprintf(mem, sizeof mem, "%g", a ? a->memory_gib : 0.0);
    switch (d) {
      case kKind: return of.kind;
      case kVendor: return accel ? (a ? a->vendor : "Unknown") : "";
      case kModel: return of.accelerator_model;
      case kEcosystem: return accel ? (a ? a->ecosystem : "Other") : "CPU";
      case kProvince: return Site(o).province;
      case kCity: return Site(o).city;
      case kTier: return Site(o).tier;
      case kBilling: return of.billing_mode;
      case kCount: return accel ? std::to_string(of.accelerator_count) : "";
      case kMemory: return accel ? mem : "";
      case kAvailability:
        return of.available_from > s.now ? "later"
               : of.available_until.ms != 0 && of.available_until <= s.now ? "ended" : "now";
    }
    return "";
  }
  double Latency(const SearchQuery& q, const OfferInfo& o) const {
    const City* c = FindCity(q.buyer_city);
    const SiteInfo& st = Site(o);
    return LinkBetween(*c, st.city, st.province, st.latitude, st.longitude).latency_ms;
  }
  double Reliability(const OfferInfo& o) const {
    return std::min(o.offer.sla_availability_pct / 100, o.pool_ready);
  }
  // Does o pass the filters of dimension d (set and range filters)?
  bool PassesDim(const SearchQuery& q, const OfferInfo& o, int d) const {
    const auto& want = q.any_of[d];
    if (!want.empty() && std::find(want.begin(), want.end(), Value(o, d)) == want.end()) return false;
    const int c = o.offer.accelerator_count;
    if (d == kCount && (q.min_count > 0 || q.max_count > 0) &&
        (c == 0 || (q.min_count > 0 && c < q.min_count) || (q.max_count > 0 && c > q.max_count)))
      return false;
    if (d == kMemory && q.min_memory_gib > 0) {
      const domain::Accelerator* a = Acc(o.offer.accelerator_model);
      if (!a || o.offer.accelerator_model.empty() || a->memory_gib < q.min_memory_gib) return false;
    }
    return true;
  }
  bool PassesRest(const SearchQuery& q, const OfferInfo& o) const {
    const auto& of = o.offer;
    if (q.min_price_fen >= 0 && of.price_fen_per_hour < q.min_price_fen) return false;
    if (q.max_price_fen >= 0 && of.price_fen_per_hour > q.max_price_fen) return false;
    if (Reliability(o) < q.min_reliability) return false;
    if (q.available_at.ms != 0 && (of.available_from > q.available_at ||
                                   (of.available_until.ms != 0 && of.available_until <= q.available_at)))
      return false;
    if (q.max_latency_ms > 0 && Latency(q, o) > q.max_latency_ms) return false;
    return true;
  }
  double Key(const SearchQuery& q, const OfferInfo& o) const {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    const domain::Accelerator* a = Acc(o.offer.accelerator_model);
    const bool accel = !o.offer.accelerator_model.empty();
    switch (q.sort) {
      case SortKey::kPrice: return static_cast<double>(o.offer.price_fen_per_hour);
      case SortKey::kPricePerPflops: {
        const double p = a && accel ? PeakFor(*a, q.workload) * o.offer.accelerator_count / 1000 : 0;
        return p > 0 ? o.offer.price_fen_per_hour / p : kInf;
      }
      case SortKey::kReliability: return Reliability(o);
      case SortKey::kDistance: return Latency(q, o);
      case SortKey::kSpeed: {
        const double ref = PeakFor(*Acc("nvidia-a100-sxm-80gb"), q.workload);
        const double p = a && accel ? PeakFor(*a, q.workload) : 0;
        return p > 0 ? p / ref : kInf;
      }
      case SortKey::kId: return 0;
    }
    return 0;
  }
};

bool Close(double a, double b) {
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= 1e-4 * std::max({1.0, std::fabs(a), std::fabs(b)});
}

void CheckQuery(const OfferIndex& index, const Supply& s, const SearchQuery& q) {
  Brute b{s};
  auto got = index.Search(q);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  std::set<std::string> expected_ids;
  std::vector<const OfferInfo*> matching;
  std::map<std::string, std::map<std::string, int64_t>> facets;
  for (const auto& o : s.offers) {
    if (!b.PassesRest(q, o)) continue;
    std::vector<int> failed;
    for (int d = 0; d < kDims; ++d)
      if (!b.PassesDim(q, o, d)) failed.push_back(d);
    if (failed.empty()) {
      matching.push_back(&o);
      expected_ids.insert(o.offer.id);
    }
    for (int d = 0; d < kDims; ++d) {
      const bool counts = failed.empty() || (failed.size() == 1 && failed[0] == d);
      const std::string v = b.Value(o, d);
      if (counts && !v.empty()) ++facets[DimName(d)][v];
    }
  }
  ASSERT_EQ(got->total, matching.size());
  for (int d = 0; d < kDims; ++d) {
    EXPECT_EQ(got->facets[DimName(d)], facets[DimName(d)]) << "facet " << DimName(d);
  }
  // The page: the keys brute force sorts to that position, every item really matching.
  std::vector<double> keys;
  for (const auto* o : matching) keys.push_back(q.sort == SortKey::kId ? 0 : b.Key(q, *o));
  std::sort(keys.begin(), keys.end(), [&](double x, double y) {
    if (std::isinf(x) != std::isinf(y)) return std::isinf(y);
    return q.descending ? x > y : x < y;
  });
  const size_t stop = std::min(matching.size(), q.offset + q.limit);
  ASSERT_EQ(got->items.size(), stop > q.offset ? stop - q.offset : 0);
  for (size_t k = 0; k < got->items.size(); ++k) {
    const OfferInfo& o = index.offer(got->items[k].offer);
    EXPECT_TRUE(expected_ids.count(o.offer.id)) << o.offer.id;
    if (q.sort != SortKey::kId) {
      EXPECT_TRUE(Close(b.Key(q, o), keys[q.offset + k]))
          << "position " << q.offset + k << ": " << b.Key(q, o) << " vs " << keys[q.offset + k];
    }
  }
}

TEST(SearchProperty, MatchesBruteForceOnRandomMarkets) {
  const auto& catalog = catalog::BuiltinAccelerators();
  for (uint64_t seed : {1, 2, 3}) {
    SyntheticOptions o;
    o.offers = 1500;
    o.sites = 50;
    o.seed = seed;
    const Supply s = SyntheticSupply(o, catalog);
    const auto index = OfferIndex::Build(s, catalog);
    ASSERT_EQ(index->size(), s.offers.size());
    std::mt19937_64 rng(seed);
    for (int q = 0; q < 150; ++q) {
      SearchQuery query = SyntheticQuery(rng, catalog);
      if (q % 5 == 0) query.any_of[kCity].push_back(s.sites[q % s.sites.size()].city);
      if (q % 7 == 0) query.available_at = {s.now.ms + 48 * 3'600'000};
      if (q % 11 == 0) query.min_price_fen = 2000;
      SCOPED_TRACE("seed " + std::to_string(seed) + " query " + std::to_string(q));
      CheckQuery(*index, s, query);
    }
  }
}

TEST(SearchProperty, PagesTogetherAreTheWholeResult) {
  const auto& catalog = catalog::BuiltinAccelerators();
  SyntheticOptions o;
  o.offers = 800;
  const Supply s = SyntheticSupply(o, catalog);
  const auto index = OfferIndex::Build(s, catalog);
  SearchQuery q;
  q.any_of[kEcosystem] = {"CUDA", "CANN"};
  q.sort = SortKey::kPricePerPflops;
  q.limit = 37;
  std::set<uint32_t> seen;
  size_t total = 0;
  for (q.offset = 0;; q.offset += q.limit) {
    auto r = index->Search(q);
    ASSERT_TRUE(r.has_value());
    total = r->total;
    for (const auto& h : r->items) { EXPECT_TRUE(seen.insert(h.offer).second) << "no repeats"; }
    if (r->items.size() < q.limit) break;
  }
  EXPECT_EQ(seen.size(), total);
  EXPECT_GT(total, 0u);
}

TEST(SearchProperty, RejectsWhatItCannotAnswer) {
  const auto& catalog = catalog::BuiltinAccelerators();
  SyntheticOptions o;
  o.offers = 50;
  const auto index = OfferIndex::Build(SyntheticSupply(o, catalog), catalog);
  SearchQuery q;
  q.buyer_city = "Atlantis";
  EXPECT_FALSE(index->Search(q).has_value());
  q.buyer_city.clear();
  q.max_latency_ms = 5;
  EXPECT_FALSE(index->Search(q).has_value());
  q.max_latency_ms = 0;
  q.sort = SortKey::kDistance;
  EXPECT_FALSE(index->Search(q).has_value());
}

}  // namespace
}  // namespace suanli::market
