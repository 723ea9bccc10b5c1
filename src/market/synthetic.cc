#include "market/synthetic.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "market/china_network.h"

namespace suanli::market {

namespace {

constexpr int64_t kHour = 3'600'000;

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  double U() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  int I(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <class T>
  const T& Pick(const std::vector<T>& v) { return v[static_cast<size_t>(I(0, static_cast<int>(v.size()) - 1))]; }

 private:
  std::mt19937_64 rng_;
};

}  // namespace

Supply SyntheticSupply(const SyntheticOptions& o, const std::vector<domain::Accelerator>& catalog) {
  Gen g(o.seed);
  Supply s;
  s.now = o.now;
  const int n_sites = o.sites > 0 ? o.sites : std::max(40, o.offers / 100);
  static const std::vector<std::string> kTierPick = {"hub", "region", "region", "edge", "edge"};
  for (int k = 0; k < n_sites; ++k) {
    const City& c = g.Pick(Cities());
    SiteInfo site;
    site.id = "site-" + std::to_string(100000 + k);
    site.name = c.name + " DC " + std::to_string(k);
    site.city = c.name;
    site.province = c.province;
    site.tier = g.Pick(kTierPick);
    site.latitude = c.latitude + (g.U() - 0.5) * 0.4;
    site.longitude = c.longitude + (g.U() - 0.5) * 0.4;
    s.sites.push_back(site);
  }
  std::vector<const domain::Accelerator*> models;
  for (const auto& a : catalog)
    if (a.vendor != "Unknown") models.push_back(&a);
  static const std::vector<int> kUnits = {1, 1, 2, 4, 8, 8};
  for (int k = 0; k < o.offers; ++k) {
    OfferInfo info;
    domain::Offer& of = info.offer;
    const int site = g.I(0, n_sites - 1);
    of.id = "offer-" + std::to_string(1000000 + k);
    of.site_id = s.sites[site].id;
    of.pool_id = "pool-" + std::to_string(site) + "-" + std::to_string(k % 3);
    const int supplier = (site * 7 + k % 2) % o.suppliers;
    of.org_id = "org-supplier-" + std::to_string(supplier);
    info.supplier_group = "group-" + std::to_string(supplier % (o.suppliers / 2 + 1));
    const double roll = g.U();
    double per_unit_price;
    if (roll < 0.8 && !models.empty()) {  // AI (and some HPC accelerator) offers
      const domain::Accelerator* a = models[static_cast<size_t>(g.I(0, static_cast<int>(models.size()) - 1))];
      of.kind = a->ecosystem == "DTK" && g.U() < 0.5 ? "hpc" : "ai";
      of.accelerator_model = a->id;
      of.accelerator_count = g.Pick(kUnits);
      of.cpu_cores = 12 * of.accelerator_count;
      of.memory_gib = 96 * of.accelerator_count;
      const double mean_qty = o.devices_per_offer / of.accelerator_count;
      of.quantity = std::max<int64_t>(1, std::lround(mean_qty * (0.2 + 1.6 * g.U())));
      const double tflops = a->fp16_tflops > 0 ? a->fp16_tflops : 150;
      per_unit_price = (200 + 2 * tflops) * of.accelerator_count;
    } else {
      of.kind = roll < 0.9 ? "general" : "hpc";
      of.cpu_cores = 16 << g.I(0, 2);
      of.memory_gib = 4 * of.cpu_cores;
      of.quantity = g.I(1, 40);
      per_unit_price = 9.0 * of.cpu_cores;
    }
    const double mode = g.U();
    of.billing_mode = mode < 0.6 ? "on_demand" : mode < 0.8 ? "reserved" : "spot";
    if (of.billing_mode == "reserved") {
      of.reserved_term_days = g.U() < 0.5 ? 30 : 365;
      per_unit_price *= 0.75;
    } else if (of.billing_mode == "spot") {
      per_unit_price *= 0.45;
    }
    of.price_fen_per_hour = std::max<int64_t>(1, std::lround(per_unit_price * (0.7 + 0.6 * g.U())));
    const double when = g.U();
    of.available_from = when < 0.92 ? Timestamp{o.now.ms - g.I(1, 720) * kHour}
                                    : Timestamp{o.now.ms + g.I(1, 72) * kHour};
    of.available_until = when < 0.99 ? Timestamp{o.now.ms + g.I(24 * 30, 24 * 400) * kHour}
                                     : Timestamp{o.now.ms - g.I(1, 24) * kHour};
    if (of.available_until <= of.available_from) of.available_until = {of.available_from.ms + kHour};
    of.sla_availability_pct = 99.0 + 0.95 * g.U();
    of.state = "active";
    info.pool_ready = 0.85 + 0.15 * g.U();
    const double sold = g.U();
    info.free_units = sold < 0.7 ? of.quantity : sold < 0.9 ? g.I(0, static_cast<int>(of.quantity)) : 0;
    const int64_t busy = of.quantity - info.free_units;
    for (int64_t left = busy; left > 0;) {
      const int64_t u = std::min<int64_t>(left, g.I(1, 4));
      info.releases.push_back({{o.now.ms + g.I(1, 96) * kHour}, u});
      left -= u;
    }
    s.offers.push_back(std::move(info));
  }
  return s;
}

}  // namespace suanli::market

namespace suanli::market {

namespace {

double Uniform(std::mt19937_64& rng) { return std::uniform_real_distribution<double>(0, 1)(rng); }
int Int(std::mt19937_64& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
template <class T>
const T& Any(std::mt19937_64& rng, const std::vector<T>& v) {
  return v[static_cast<size_t>(Int(rng, 0, static_cast<int>(v.size()) - 1))];
}

}  // namespace

MatchRequest SyntheticRequest(std::mt19937_64& rng, const std::vector<domain::Accelerator>& catalog,
                              Timestamp now) {
  MatchRequest r;
  domain::Job& j = r.job;
  j.name = "bench";
  j.priority = Any(rng, domain::kPriorities);
  j.duration_estimate_s = Int(rng, 1, 48) * 3600;
  const double kind = Uniform(rng);
  static const std::vector<std::vector<std::string>> kEcos = {
      {"CUDA"}, {"CUDA"}, {"CUDA", "CANN"}, {"CANN"}, {"DTK"}, {"CUDA", "CANN", "MUSA", "Neuware"}};
  if (kind < 0.7) {  // AI work
    for (const auto& e : Any(rng, kEcos)) j.commands[e] = "python train.py";
    if (Uniform(rng) < 0.1) {
      const auto& a = Any(rng, catalog);
      j.accelerators.any_of = {a.id};
      j.commands[a.ecosystem] = "python train.py";
    }
    j.accelerators.count = Any(rng, std::vector<int>{1, 1, 2, 4, 8});
    j.tasks = Any(rng, std::vector<int>{1, 1, 1, 2, 4, 8, 16});
    j.accelerators.min_memory_gib = Any(rng, std::vector<double>{0, 0, 24, 48, 64, 80});
    j.cpu_cores = 8 * j.accelerators.count;
    j.memory_gib = 64 * j.accelerators.count;
    r.allow_split = Uniform(rng) < 0.2;
    r.workload = Uniform(rng) < 0.8 ? Workload::kTraining : Workload::kFp32;
  } else if (kind < 0.9) {  // CPU batch work
    j.commands["CPU"] = "./run.sh";
    j.cpu_cores = Any(rng, std::vector<int>{4, 8, 16, 32, 64});
    j.memory_gib = 4 * j.cpu_cores;
    j.tasks = Int(rng, 1, 8);
    r.workload = Workload::kCpu;
  } else {  // a latency-sensitive service near a city
    j.commands["CUDA"] = "serve";
    j.commands["CANN"] = "serve";
    if (Uniform(rng) < 0.5) j.accelerators.count = 1; else j.accelerators.milli = 500;
    j.cpu_cores = 4;
    j.memory_gib = 16;
    j.tasks = Int(rng, 4, 40);
    j.latency_limit_ms = Any(rng, std::vector<int>{5, 10, 20});
    j.duration_estimate_s = 30 * 24 * 3600;
    r.service = true;
    r.workload = Workload::kInference;
  }
  if (j.location_city.empty() && (r.service || Uniform(rng) < 0.5))
    j.location_city = Any(rng, Cities()).name;
  if (!r.service && !j.location_city.empty() && Uniform(rng) < 0.4)
    j.latency_limit_ms = Any(rng, std::vector<int>{5, 10, 20});
  if (Uniform(rng) < 0.3)
    j.deadline = {now.ms + static_cast<int64_t>(j.duration_estimate_s * 1000 * (1.2 + 4 * Uniform(rng)))};
  if (Uniform(rng) < 0.3) j.budget_fen = Int(rng, 1000, 2'000'000);
  r.max_plans = 5;
  r.buyer_org = "org-buyer";
  if (Uniform(rng) < 0.5)
    r.subsidies = {{"prog-ai", 3000, 500'000, {}, {"ai"}, {}}};
  return r;
}

SearchQuery SyntheticQuery(std::mt19937_64& rng, const std::vector<domain::Accelerator>& catalog) {
  SearchQuery q;
  const int filters = Int(rng, 0, 3);
  for (int f = 0; f < filters; ++f) {
    switch (Int(rng, 0, 9)) {
      case 0: q.any_of[kKind].push_back(Any(rng, domain::kKinds)); break;
      case 1: q.any_of[kVendor].push_back(Any(rng, catalog).vendor); break;
      case 2: q.any_of[kModel].push_back(Any(rng, catalog).id); break;
      case 3: q.any_of[kEcosystem].push_back(Any(rng, catalog).ecosystem); break;
      case 4: q.any_of[kProvince].push_back(Any(rng, Cities()).province); break;
      case 5: q.any_of[kTier].push_back(Any(rng, domain::kTiers)); break;
      case 6: q.any_of[kBilling].push_back(Any(rng, domain::kBillingModes)); break;
      case 7: q.min_memory_gib = Any(rng, std::vector<double>{16, 32, 64, 80}); break;
      case 8: q.max_price_fen = Int(rng, 500, 20000); break;
      default: q.min_count = Any(rng, std::vector<int>{2, 4, 8}); break;
    }
  }
  if (Uniform(rng) < 0.2) q.min_reliability = 0.99;
  if (Uniform(rng) < 0.4) q.buyer_city = Any(rng, Cities()).name;
  if (!q.buyer_city.empty() && Uniform(rng) < 0.3) q.max_latency_ms = Any(rng, std::vector<int>{5, 10, 20});
  static const std::vector<SortKey> kSorts = {SortKey::kPrice, SortKey::kPricePerPflops,
                                              SortKey::kReliability, SortKey::kSpeed, SortKey::kId};
  q.sort = Any(rng, kSorts);
  if (!q.buyer_city.empty() && Uniform(rng) < 0.5) q.sort = SortKey::kDistance;
  q.descending = q.sort == SortKey::kReliability || q.sort == SortKey::kSpeed;
  q.offset = Uniform(rng) < 0.2 ? static_cast<size_t>(Int(rng, 1, 100)) : 0;
  q.limit = static_cast<size_t>(Int(rng, 1, 50));
  return q;
}

}  // namespace suanli::market
