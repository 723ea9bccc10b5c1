// Faceted search over bitsets: every facet value has the set of offers that have it, so a
// query is a few ANDs and ORs of 100,000-bit sets, a facet count is one popcount per value, and
// a page walks a precomputed order of the sort key until it has enough offers in the result.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "market/offer_index.h"

namespace suanli::market {

namespace {

constexpr int kOrderKeys = 3 + 2 * kWorkloads;  // price, reliability, id, pflops×w, speed×w

bool Test(const std::vector<uint64_t>& b, uint32_t i) { return b[i >> 6] >> (i & 63) & 1; }

int64_t AndCount(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  int64_t n = 0;
  for (size_t w = 0; w < a.size(); ++w) n += __builtin_popcountll(a[w] & b[w]);
  return n;
}

}  // namespace

size_t OfferIndex::OrderSlot(SortKey key, Workload w, bool descending) {
  size_t k = 0;
  switch (key) {
    case SortKey::kPrice: k = 0; break;
    case SortKey::kReliability: k = 1; break;
    case SortKey::kId: k = 2; break;
    case SortKey::kPricePerPflops: k = 3 + static_cast<size_t>(w); break;
    case SortKey::kSpeed: k = 3 + kWorkloads + static_cast<size_t>(w); break;
    case SortKey::kDistance: k = 0; break;  // per buyer city: sorted per query
  }
  return k * 2 + (descending ? 1 : 0);
}

double OfferIndex::SortValue(SortKey key, Workload w, const Geo* geo, uint32_t i) const {
  constexpr double kUnknown = std::numeric_limits<double>::infinity();
  switch (key) {
    case SortKey::kPrice: return static_cast<double>(cols_.price[i]);
    case SortKey::kPricePerPflops: {
      const float p = pflops_[i][static_cast<int>(w)];
      return p > 0 ? cols_.price[i] / p : kUnknown;
    }
    case SortKey::kReliability: return cols_.reliability[i];
    case SortKey::kDistance: return geo ? geo->latency_ms[cols_.site[i]] : kUnknown;
    case SortKey::kSpeed: {
      const Speed& s = models_[cols_.model[i]].speed[static_cast<int>(w)];
      return s.known && cols_.unit_devices[i] > 0 ? s.vs_reference : kUnknown;
    }
    case SortKey::kId: return static_cast<double>(i);
  }
  return 0;
}

namespace {

// Orders (key, index): unknown (infinite) keys last in both directions, ties by index.
struct Before {
  bool desc;
  bool operator()(const std::pair<double, uint32_t>& a, const std::pair<double, uint32_t>& b) const {
    const bool ia = std::isinf(a.first), ib = std::isinf(b.first);
    if (ia != ib) return ib;
    if (a.first != b.first) return desc ? a.first > b.first : a.first < b.first;
    return a.second < b.second;
  }
};

}  // namespace

void OfferIndex::BuildSearch() {
  const size_t n = offers_.size();
  words_ = (n + 63) / 64;
  for (int d = 0; d < kDims; ++d) {
    bits_[d].assign(values_[d].size(), std::vector<uint64_t>(words_, 0));
    for (uint32_t i = 0; i < n; ++i) bits_[d][cols_.dim[i][d]][i >> 6] |= uint64_t{1} << (i & 63);
    numeric_[d].clear();
    for (const auto& v : values_[d]) numeric_[d].push_back(v.empty() ? -1 : std::atof(v.c_str()));
  }
  orders_.assign(kOrderKeys * 2, {});
  std::vector<std::pair<double, uint32_t>> keyed(n);
  for (int k = 0; k < kOrderKeys; ++k) {
    const SortKey key = k == 0 ? SortKey::kPrice : k == 1 ? SortKey::kReliability : k == 2 ? SortKey::kId
                        : k < 3 + kWorkloads ? SortKey::kPricePerPflops : SortKey::kSpeed;
    const Workload w = static_cast<Workload>(k < 3 ? 0 : (k - 3) % kWorkloads);
    for (uint32_t i = 0; i < n; ++i) keyed[i] = {SortValue(key, w, nullptr, i), i};
    for (bool desc : {false, true}) {
      std::sort(keyed.begin(), keyed.end(), Before{desc});
      auto& order = orders_[OrderSlot(key, w, desc)];
      order.resize(n);
      for (uint32_t i = 0; i < n; ++i) order[i] = keyed[i].second;
    }
  }
}

std::array<std::vector<uint8_t>, kDims> OfferIndex::Allowed(const SearchQuery& q) const {
  std::array<std::vector<uint8_t>, kDims> allowed;
  for (int d = 0; d < kDims; ++d) {
    const bool count_range = d == kCount && (q.min_count > 0 || q.max_count > 0);
    const bool memory_range = d == kMemory && q.min_memory_gib > 0;
    if (q.any_of[d].empty() && !count_range && !memory_range) continue;
    allowed[d].assign(values_[d].size(), q.any_of[d].empty() ? 1 : 0);
    for (const auto& v : q.any_of[d])  // a value named but unknown matches nothing
      if (int id = value_id(d, v); id >= 0) allowed[d][id] = 1;
    for (size_t v = 0; v < values_[d].size(); ++v) {
      const double x = numeric_[d][v];  // -1 for CPU offers: never in a range
      if (count_range && (x < 1 || (q.min_count > 0 && x < q.min_count) ||
                          (q.max_count > 0 && x > q.max_count)))
        allowed[d][v] = 0;
      if (memory_range && (x < 0 || x < q.min_memory_gib)) allowed[d][v] = 0;
    }
  }
  return allowed;
}

Result<SearchResult> OfferIndex::Search(const SearchQuery& q) const {
  const Geo* geo = nullptr;
  if (!q.buyer_city.empty()) {
    auto g = GeoFrom(q.buyer_city);
    if (!g) return Err(g.error());
    geo = *g;
  }
  if (q.max_latency_ms > 0 && !geo)
    return Err(InvalidArgument("a latency limit needs the buyer's city", "max_latency_ms"));
  if (q.sort == SortKey::kDistance && !geo)
    return Err(InvalidArgument("sorting by distance needs the buyer's city", "sort"));
  const size_t n = offers_.size();

  // Filters without facets (price, reliability, window, latency): one scan, only if asked.
  std::vector<uint64_t> hard(words_, ~uint64_t{0});
  if (n % 64) hard.back() = (uint64_t{1} << (n % 64)) - 1;
  if (q.min_price_fen >= 0 || q.max_price_fen >= 0 || q.min_reliability > 0 ||
      q.available_at.ms != 0 || q.max_latency_ms > 0) {
    std::vector<uint8_t> near(sites_.size(), 1);
    if (q.max_latency_ms > 0)
      for (size_t s = 0; s < sites_.size(); ++s) near[s] = geo->latency_ms[s] <= q.max_latency_ms;
    const int64_t at = q.available_at.ms;
    for (uint32_t i = 0; i < n; ++i) {
      const int64_t price = cols_.price[i];
      const bool pass = (q.min_price_fen < 0 || price >= q.min_price_fen) &&
                        (q.max_price_fen < 0 || price <= q.max_price_fen) &&
                        cols_.reliability[i] >= q.min_reliability && near[cols_.site[i]] &&
                        (at == 0 || (cols_.from_ms[i] <= at && (cols_.until_ms[i] == 0 || cols_.until_ms[i] > at)));
      if (!pass) hard[i >> 6] &= ~(uint64_t{1} << (i & 63));
    }
  }
  // Per filtered dimension, the offers whose value is allowed.
  const auto allowed = Allowed(q);
  std::array<std::vector<uint64_t>, kDims> pass;
  for (int d = 0; d < kDims; ++d) {
    if (allowed[d].empty()) continue;
    pass[d].assign(words_, 0);
    for (size_t v = 0; v < allowed[d].size(); ++v)
      if (allowed[d][v])
        for (size_t w = 0; w < words_; ++w) pass[d][w] |= bits_[d][v][w];
  }
  auto all_but = [&](int skip) {
    std::vector<uint64_t> m = hard;
    for (int d = 0; d < kDims; ++d)
      if (d != skip && !pass[d].empty())
        for (size_t w = 0; w < words_; ++w) m[w] &= pass[d][w];
    return m;
  };
  const std::vector<uint64_t> hits = all_but(-1);
  SearchResult r;
  for (uint64_t w : hits) r.total += static_cast<size_t>(__builtin_popcountll(w));

  if (q.facets) {
    for (int d = 0; d < kDims; ++d) {
      const std::vector<uint64_t> base = pass[d].empty() ? std::vector<uint64_t>() : all_but(d);
      const std::vector<uint64_t>& m = pass[d].empty() ? hits : base;
      auto& out = r.facets[DimName(d)];
      for (size_t v = 0; v < values_[d].size(); ++v) {
        if (values_[d][v].empty()) continue;
        if (int64_t c = AndCount(bits_[d][v], m); c > 0) out[values_[d][v]] = c;
      }
    }
  }

  // The page.
  const size_t keep = q.offset + q.limit;
  std::vector<uint32_t> page;
  if (q.sort == SortKey::kDistance) {
    std::vector<std::pair<double, uint32_t>> keyed;
    keyed.reserve(r.total);
    for (size_t w = 0; w < words_; ++w)
      for (uint64_t b = hits[w]; b != 0; b &= b - 1) {
        const uint32_t i = static_cast<uint32_t>(w * 64 + __builtin_ctzll(b));
        keyed.push_back({SortValue(q.sort, q.workload, geo, i), i});
      }
    const size_t stop = std::min(keep, keyed.size());
    std::partial_sort(keyed.begin(), keyed.begin() + static_cast<std::ptrdiff_t>(stop), keyed.end(),
                      Before{q.descending});
    for (size_t k = 0; k < stop; ++k) page.push_back(keyed[k].second);
  } else {
    for (uint32_t i : orders_[OrderSlot(q.sort, q.workload, q.descending)]) {
      if (page.size() >= keep) break;
      if (Test(hits, i)) page.push_back(i);
    }
  }
  for (size_t k = q.offset; k < page.size(); ++k) {
    SearchHit h{page[k], -1, NetTier::kNational};
    if (geo) {
      h.latency_ms = geo->latency_ms[cols_.site[h.offer]];
      h.tier = static_cast<NetTier>(geo->tier[cols_.site[h.offer]]);
    }
    r.items.push_back(h);
  }
  return r;
}

}  // namespace suanli::market
