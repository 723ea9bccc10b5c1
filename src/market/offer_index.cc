#include "market/offer_index.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace suanli::market {

namespace {

std::string MemoryLabel(double gib) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", gib);
  return buf;
}

uint8_t BillingIndex(const std::string& mode) {
  for (size_t b = 0; b < domain::kBillingModes.size(); ++b)
    if (domain::kBillingModes[b] == mode) return static_cast<uint8_t>(b);
  return 0;
}

}  // namespace

const char* DimName(int d) {
  static const char* const kNames[kDims] = {
      "kind", "vendor", "model",        "ecosystem",  "province",    "city",
      "tier", "billing_mode", "accelerator_count", "memory_gib", "availability"};
  return d >= 0 && d < kDims ? kNames[d] : "";
}

std::unique_ptr<OfferIndex> OfferIndex::Build(Supply supply,
                                              const std::vector<domain::Accelerator>& catalog) {
  std::unique_ptr<OfferIndex> x(new OfferIndex());
  x->now_ = supply.now;
  x->sites_ = std::move(supply.sites);
  std::map<std::string, size_t> site_of;
  for (size_t s = 0; s < x->sites_.size(); ++s) site_of[x->sites_[s].id] = s;
  for (auto& o : supply.offers)
    if (site_of.count(o.offer.site_id)) x->offers_.push_back(std::move(o));
  std::sort(x->offers_.begin(), x->offers_.end(),
            [](const OfferInfo& a, const OfferInfo& b) { return a.offer.id < b.offer.id; });
  x->BuildColumns(catalog);
  x->BuildGeo();
  x->BuildOrders();
  x->BuildSearch();
  return x;
}

void OfferIndex::BuildColumns(const std::vector<domain::Accelerator>& catalog) {
  SpeedTable speeds(catalog);
  std::map<std::string, const domain::Accelerator*> by_id;
  for (const auto& a : catalog) by_id[a.id] = &a;
  std::map<std::string, uint16_t> model_ids;
  ModelInfo cpu;
  cpu.ecosystem = "CPU";
  for (int w = 0; w < kWorkloads; ++w) cpu.speed[w] = speeds.Of("", static_cast<Workload>(w));
  models_.push_back(cpu);
  model_ids[""] = 0;
  std::map<std::string, uint16_t> site_ids;
  for (size_t s = 0; s < sites_.size(); ++s) site_ids[sites_[s].id] = static_cast<uint16_t>(s);

  auto intern = [&](int d, const std::string& v) -> uint16_t {
    auto [it, fresh] = value_ids_[d].try_emplace(v, static_cast<uint16_t>(values_[d].size()));
    if (fresh) values_[d].push_back(v);
    return it->second;
  };
  const size_t n = offers_.size();
  OfferColumns& c = cols_;
  c.dim.resize(n);
  c.release_begin.reserve(n + 1);
  pflops_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const OfferInfo& info = offers_[i];
    const domain::Offer& o = info.offer;
    auto [mit, fresh] = model_ids.try_emplace(o.accelerator_model,
                                              static_cast<uint16_t>(models_.size()));
    if (fresh) {
      ModelInfo m;
      m.id = o.accelerator_model;
      auto a = by_id.find(m.id);
      m.vendor = a == by_id.end() ? "Unknown" : a->second->vendor;
      m.ecosystem = a == by_id.end() ? "Other" : a->second->ecosystem;
      m.memory_gib = a == by_id.end() ? 0 : a->second->memory_gib;
      for (int w = 0; w < kWorkloads; ++w) m.speed[w] = speeds.Of(m.id, static_cast<Workload>(w));
      models_.push_back(std::move(m));
    }
    ModelInfo& m = models_[mit->second];
    for (size_t k = 0; k < domain::kKinds.size(); ++k)
      if (domain::kKinds[k] == o.kind) m.kinds |= 1u << k;
    const SiteInfo& site = sites_[site_ids[o.site_id]];
    const bool accel = !o.accelerator_model.empty();
    auto& d = c.dim[i];
    d[kKind] = intern(kKind, o.kind);
    d[kVendor] = intern(kVendor, m.vendor);
    d[kModel] = intern(kModel, o.accelerator_model);
    d[kEcosystem] = intern(kEcosystem, m.ecosystem);
    d[kProvince] = intern(kProvince, site.province);
    d[kCity] = intern(kCity, site.city);
    d[kTier] = intern(kTier, site.tier);
    d[kBilling] = intern(kBilling, o.billing_mode);
    d[kCount] = intern(kCount, accel ? std::to_string(o.accelerator_count) : "");
    d[kMemory] = intern(kMemory, accel ? MemoryLabel(m.memory_gib) : "");
    const char* avail = o.available_from > now_ ? "later"
                        : (o.available_until.ms != 0 && o.available_until <= now_) ? "ended"
                                                                                   : "now";
    d[kAvailability] = intern(kAvailability, avail);
    c.site.push_back(site_ids[o.site_id]);
    c.model.push_back(mit->second);
    c.unit_devices.push_back(o.accelerator_count);
    c.unit_cpu.push_back(o.cpu_cores);
    c.unit_memory_gib.push_back(o.memory_gib);
    c.quantity.push_back(o.quantity);
    c.free_units.push_back(std::clamp<int64_t>(info.free_units, 0, o.quantity));
    c.price.push_back(o.price_fen_per_hour);
    c.device_memory.push_back(static_cast<float>(accel ? m.memory_gib : 0));
    c.reliability.push_back(
        std::clamp(std::min(o.sla_availability_pct / 100.0, info.pool_ready), 0.0, 1.0));
    c.from_ms.push_back(o.available_from.ms);
    c.until_ms.push_back(o.available_until.ms);
    c.term_days.push_back(o.reserved_term_days);
    c.billing.push_back(BillingIndex(o.billing_mode));
    c.release_begin.push_back(static_cast<uint32_t>(c.releases.size()));
    std::vector<Release> rel = info.releases;
    std::sort(rel.begin(), rel.end(), [](const Release& a, const Release& b) { return a.at < b.at; });
    c.releases.insert(c.releases.end(), rel.begin(), rel.end());
    for (int w = 0; w < kWorkloads; ++w) {
      const Speed& s = m.speed[w];
      pflops_[i][w] = accel && s.known ? static_cast<float>(s.tflops * o.accelerator_count / 1000)
                                       : 0.0f;
    }
  }
  c.release_begin.push_back(static_cast<uint32_t>(c.releases.size()));
}

void OfferIndex::BuildGeo() {
  std::vector<City> cities = Cities();
  std::map<std::string, std::vector<const SiteInfo*>> unlisted;
  for (const auto& s : sites_)
    if (!FindCity(s.city)) unlisted[s.city].push_back(&s);
  for (const auto& [name, ss] : unlisted) {
    City c{name, ss[0]->province, 0, 0};
    for (const SiteInfo* s : ss) {
      c.latitude += s->latitude / ss.size();
      c.longitude += s->longitude / ss.size();
    }
    cities.push_back(c);
  }
  for (const City& c : cities) {
    Geo g;
    g.latency_ms.reserve(sites_.size());
    for (const auto& s : sites_) {
      Link l = LinkBetween(c, s.city, s.province, s.latitude, s.longitude);
      g.latency_ms.push_back(static_cast<float>(l.latency_ms));
      g.tier.push_back(static_cast<uint8_t>(l.tier));
    }
    geo_.emplace(c.name, std::move(g));
  }
}

void OfferIndex::BuildOrders() {
  const size_t n = offers_.size();
  price_key_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const int per = cols_.unit_devices[i] > 0 ? cols_.unit_devices[i] : cols_.unit_cpu[i];
    price_key_[i] = static_cast<double>(cols_.price[i]) / std::max(per, 1) * (2 - cols_.reliability[i]);
  }
  by_model_.resize(n);
  for (uint32_t i = 0; i < n; ++i) by_model_[i] = i;
  by_model_site_ = by_model_;
  std::sort(by_model_.begin(), by_model_.end(), [&](uint32_t a, uint32_t b) {
    if (cols_.model[a] != cols_.model[b]) return cols_.model[a] < cols_.model[b];
    if (price_key_[a] != price_key_[b]) return price_key_[a] < price_key_[b];
    return a < b;
  });
  std::sort(by_model_site_.begin(), by_model_site_.end(), [&](uint32_t a, uint32_t b) {
    if (cols_.model[a] != cols_.model[b]) return cols_.model[a] < cols_.model[b];
    if (cols_.site[a] != cols_.site[b]) return cols_.site[a] < cols_.site[b];
    if (price_key_[a] != price_key_[b]) return price_key_[a] < price_key_[b];
    return a < b;
  });
  // Size classes: per unit and in all, in devices (CPU offers: cores).
  std::vector<uint32_t> cls(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t unit = cols_.unit_devices[i] > 0 ? cols_.unit_devices[i] : cols_.unit_cpu[i];
    cls[i] = static_cast<uint32_t>(ClassSlot(cols_.model[i], cols_.billing[i],
                                             SizeClass(unit, kUnitClasses),
                                             SizeClass(unit * cols_.quantity[i], kTotalClasses)));
  }
  by_class_ = by_model_;
  std::sort(by_class_.begin(), by_class_.end(), [&](uint32_t a, uint32_t b) {
    if (cls[a] != cls[b]) return cls[a] < cls[b];
    if (price_key_[a] != price_key_[b]) return price_key_[a] < price_key_[b];
    return a < b;
  });
  class_range_.assign(models_.size() * kBillings * kUnitClasses * kTotalClasses, {0, 0});
  class_min_term_.assign(class_range_.size(), 0);
  for (uint32_t k = 0; k < n;) {
    const uint32_t first = by_class_[k];
    uint32_t e = k;
    int term = cols_.term_days[first];
    while (e < n && cls[by_class_[e]] == cls[first]) term = std::min(term, cols_.term_days[by_class_[e++]]);
    class_range_[cls[first]] = {k, e};
    class_min_term_[cls[first]] = term;
    k = e;
  }
  model_range_.assign(models_.size(), {0, 0});
  model_site_range_.assign(models_.size() * sites_.size(), {0, 0});
  for (uint32_t k = 0; k < n;) {
    uint32_t e = k;
    while (e < n && cols_.model[by_model_[e]] == cols_.model[by_model_[k]]) ++e;
    model_range_[cols_.model[by_model_[k]]] = {k, e};
    k = e;
  }
  for (uint32_t k = 0; k < n;) {
    const uint32_t first = by_model_site_[k];
    uint32_t e = k;
    while (e < n && cols_.model[by_model_site_[e]] == cols_.model[first] &&
           cols_.site[by_model_site_[e]] == cols_.site[first])
      ++e;
    model_site_range_[size_t{cols_.model[first]} * sites_.size() + cols_.site[first]] = {k, e};
    k = e;
  }
}

int OfferIndex::SizeClass(int64_t v, int classes) {
  int c = 0;
  while (v >= 2 && c < classes - 1) {
    v >>= 1;
    ++c;
  }
  return c;
}

int OfferIndex::value_id(int dim, const std::string& name) const {
  auto it = value_ids_[dim].find(name);
  return it == value_ids_[dim].end() ? -1 : it->second;
}

Result<const OfferIndex::Geo*> OfferIndex::GeoFrom(const std::string& city) const {
  auto it = geo_.find(city);
  if (it == geo_.end()) {
    const City* c = FindCity(city);
    if (c) it = geo_.find(c->name);
  }
  if (it == geo_.end())
    return Err(InvalidArgument("unknown city " + city + " (use a name like 成都市)", "city"));
  return &it->second;
}

}  // namespace suanli::market
