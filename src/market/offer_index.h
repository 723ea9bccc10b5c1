// The market's offer index: every active offer in columns of small integers, built once per
// supply snapshot and then read by any number of threads. Search (filters, facet counts,
// sorts, pages) scans the columns once; the matcher (matcher.h) walks price-ordered buckets.
//
// Facet counts are disjunctive, the way shop filters work: the count shown for a value of
// facet D is the number of offers that match every filter except the ones on D, and the
// value itself. So choosing vendor=NVIDIA still shows how many Huawei offers the other filters
// leave.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "market/china_network.h"
#include "market/speed.h"
#include "market/supply.h"

namespace suanli::market {

// Facet dimensions; each offer has one value (an interned id) in each.
enum Dim : int {
  kKind, kVendor, kModel, kEcosystem, kProvince, kCity, kTier, kBilling, kCount, kMemory,
  kAvailability, kDims
};
// "kind", "vendor", "model", "ecosystem", "province", "city", "tier", "billing_mode",
// "accelerator_count", "memory_gib", "availability".
const char* DimName(int d);

enum class SortKey { kPrice, kPricePerPflops, kReliability, kDistance, kSpeed, kId };

struct SearchQuery {
  std::array<std::vector<std::string>, kDims> any_of;  // per dimension: the offer's value is one of
  int min_count = 0;                 // accelerators per unit, at least (0: no limit)
  int max_count = 0;                 // at most (0: no limit)
  double min_memory_gib = 0;         // device memory, at least (CPU offers never match)
  int64_t min_price_fen = -1;        // per unit-hour; -1: no limit
  int64_t max_price_fen = -1;
  double min_reliability = 0;        // 0..1
  Timestamp available_at;            // window contains this instant (0: any)
  std::string buyer_city;            // for distance sort, latency filter and output
  double max_latency_ms = 0;         // 0: no limit (needs buyer_city)
  Workload workload = Workload::kTraining;  // for price per PFLOPS and speed
  SortKey sort = SortKey::kPrice;
  bool descending = false;
  size_t offset = 0;
  size_t limit = 20;
  bool facets = true;
};

struct SearchHit {
  uint32_t offer;            // index into OfferIndex::offer()
  double latency_ms = -1;    // -1 when no buyer city was given
  NetTier tier = NetTier::kNational;
};

struct SearchResult {
  std::vector<SearchHit> items;
  size_t total = 0;
  // facet name -> value -> count (values with count 0 are left out)
  std::map<std::string, std::map<std::string, int64_t>> facets;
};

// Per-offer columns, read by the matcher. Index i is the i-th offer in id order.
struct OfferColumns {
  std::vector<std::array<uint16_t, kDims>> dim;  // interned value per dimension
  std::vector<uint16_t> site;         // index into sites
  std::vector<uint16_t> model;        // index into models ("" = CPU offer is model 0)
  std::vector<int32_t> unit_devices;  // accelerators per unit
  std::vector<int32_t> unit_cpu;
  std::vector<int64_t> unit_memory_gib;
  std::vector<int64_t> quantity;
  std::vector<int64_t> free_units;
  std::vector<int64_t> price;         // fen per unit-hour
  std::vector<float> device_memory;   // GiB per device (0 for CPU offers)
  std::vector<double> reliability;    // min(SLA, pool ready share), 0..1
  std::vector<int64_t> from_ms, until_ms;  // availability window (until 0 = open)
  std::vector<int32_t> term_days;     // reserved term
  std::vector<uint8_t> billing;       // index into domain::kBillingModes
  std::vector<uint32_t> release_begin;  // releases of offer i: [release_begin[i], release_begin[i+1])
  std::vector<Release> releases;        // sorted by time per offer
};

struct ModelInfo {
  std::string id;         // catalog id; "" for CPU offers
  std::string vendor;     // "" for CPU
  std::string ecosystem;  // "CPU" for CPU offers
  double memory_gib = 0;
  std::array<Speed, kWorkloads> speed;
  uint32_t kinds = 0;  // bit k: some offer of this model is of kind domain::kKinds[k]
};

class OfferIndex {
 public:
  // Builds the index. Offers whose site is unknown are left out. `catalog` names the models.
  static std::unique_ptr<OfferIndex> Build(Supply supply,
                                           const std::vector<domain::Accelerator>& catalog);

  // Filters, facet counts, sort and page. Errors: unknown buyer city, latency filter without
  // a city. Thread-safe (const).
  Result<SearchResult> Search(const SearchQuery& q) const;

  size_t size() const { return offers_.size(); }
  const OfferInfo& offer(uint32_t i) const { return offers_[i]; }
  const SiteInfo& site(uint32_t s) const { return sites_[s]; }
  size_t sites() const { return sites_.size(); }
  const OfferColumns& columns() const { return cols_; }
  const std::vector<ModelInfo>& models() const { return models_; }
  const ModelInfo& model_of(uint32_t i) const { return models_[cols_.model[i]]; }
  Timestamp now() const { return now_; }
  const std::string& value_name(int dim, uint16_t v) const { return values_[dim][v]; }
  // The value id of `name` in dimension `dim`, or -1 when no offer has it.
  int value_id(int dim, const std::string& name) const;

  // One-way latency (ms) and tier from a buyer city to every site; error when the city is
  // neither in Cities() nor the city of any site.
  struct Geo {
    std::vector<float> latency_ms;  // per site
    std::vector<uint8_t> tier;      // NetTier per site
  };
  Result<const Geo*> GeoFrom(const std::string& city) const;

  // Offers ordered for the matcher: by (model, price per device-hour) and by
  // (model, site, price per device-hour). Ranges per model / per (model, site).
  const std::vector<uint32_t>& by_model() const { return by_model_; }
  std::pair<uint32_t, uint32_t> model_range(uint16_t m) const { return model_range_[m]; }
  const std::vector<uint32_t>& by_model_site() const { return by_model_site_; }
  std::pair<uint32_t, uint32_t> model_site_range(uint16_t m, uint16_t s) const {
    return model_site_range_[size_t{m} * sites_.size() + s];
  }
  // Offers by (model, billing mode, unit size class, total size class, price per device-hour):
  // the size of a unit and of the whole offer in devices (CPU offers: cores), as classes of
  // powers of two (class c holds sizes 2^c .. 2^(c+1)-1; class 0 also holds 0). The matcher
  // skips billing modes a request may not use and classes too small for a task or the job.
  static constexpr int kBillings = 3;  // domain::kBillingModes
  static constexpr int kUnitClasses = 13;
  static constexpr int kTotalClasses = 24;
  static int SizeClass(int64_t v, int classes);
  static size_t ClassSlot(uint16_t m, int billing, int unit_class, int total_class) {
    return ((size_t{m} * kBillings + billing) * kUnitClasses + unit_class) * kTotalClasses + total_class;
  }
  const std::vector<uint32_t>& by_class() const { return by_class_; }
  std::pair<uint32_t, uint32_t> class_range(uint16_t m, int billing, int unit_class, int total_class) const {
    return class_range_[ClassSlot(m, billing, unit_class, total_class)];
  }
  // The shortest reserved term (days) of the offers in a class (0 when none is reserved).
  int class_min_term(uint16_t m, int billing, int unit_class, int total_class) const {
    return class_min_term_[ClassSlot(m, billing, unit_class, total_class)];
  }
  // Price per device-hour (CPU offers: per core-hour) × (2 - reliability), the key of all three
  // orders: a plan's score is at least this × devices × hours × (1 - voucher share), because
  // its risk factor 1 + (1 - r^units) is at least 2 - r (match_context.cc).
  double unit_price_key(uint32_t i) const { return price_key_[i]; }
  // PFLOPS of one unit for a workload (0 when the catalog has no figure).
  double unit_pflops(uint32_t i, Workload w) const { return pflops_[i][static_cast<int>(w)]; }

 private:
  OfferIndex() = default;
  void BuildColumns(const std::vector<domain::Accelerator>& catalog);
  void BuildGeo();
  void BuildOrders();
  // search.cc: per facet value, a bitset of the offers that have it; per request-independent
  // sort key and direction, the offers in order.
  void BuildSearch();
  double SortValue(SortKey key, Workload w, const Geo* geo, uint32_t i) const;
  static size_t OrderSlot(SortKey key, Workload w, bool descending);
  // Which values of each dimension a query allows (empty: the dimension is not filtered).
  std::array<std::vector<uint8_t>, kDims> Allowed(const SearchQuery& q) const;

  Timestamp now_;
  std::vector<SiteInfo> sites_;
  std::vector<OfferInfo> offers_;
  OfferColumns cols_;
  std::vector<ModelInfo> models_;
  std::array<std::vector<std::string>, kDims> values_;
  std::array<std::map<std::string, uint16_t>, kDims> value_ids_;
  std::map<std::string, Geo> geo_;  // by city name
  std::vector<std::array<float, kWorkloads>> pflops_;  // per offer per workload: unit PFLOPS
  std::vector<double> price_key_;
  size_t words_ = 0;  // 64-bit words per bitset
  std::array<std::vector<std::vector<uint64_t>>, kDims> bits_;  // [dim][value] -> offers
  std::array<std::vector<double>, kDims> numeric_;  // [dim][value] -> number (count, memory)
  std::vector<std::vector<uint32_t>> orders_;       // [OrderSlot] -> offers in order
  std::vector<uint32_t> by_model_, by_model_site_, by_class_;
  std::vector<std::pair<uint32_t, uint32_t>> model_range_, model_site_range_, class_range_;
  std::vector<int> class_min_term_;
};

}  // namespace suanli::market
