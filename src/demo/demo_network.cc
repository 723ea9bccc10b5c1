#include "demo/demo_network.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <string>

#include "catalog/catalog.h"
#include "core/random.h"
#include "demo/demo_data.h"

namespace suanli::demo {
namespace {

using namespace internal;

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;

std::string Padded(int n, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*d", width, n);
  return buf;
}

// The short marketing name of a catalog model, for offer names ("H100 SXM5 80GB").
std::string ModelName(const std::string& id) {
  const domain::Accelerator* a = catalog::FindBuiltin(id);
  return a == nullptr ? id : a->model;
}

std::string Ecosystem(const std::string& id) {
  const domain::Accelerator* a = catalog::FindBuiltin(id);
  return a == nullptr ? "Other" : a->ecosystem;
}

// Script suffix per ecosystem: train.py (CUDA), train_npu.py (CANN), train_dcu.py (DTK), ...
std::string ScriptFor(const std::string& ecosystem, const std::string& script) {
  static const std::map<std::string, std::string> kSuffix = {
      {"CUDA", ""},        {"CANN", "_npu"}, {"DTK", "_dcu"},  {"ROCm", "_rocm"},
      {"Neuware", "_mlu"}, {"XPU", "_xpu"},  {"MUSA", "_musa"}};
  auto it = kSuffix.find(ecosystem);
  return "python " + script + (it == kSuffix.end() ? "" : it->second) + ".py";
}

class Builder {
 public:
  Builder(uint64_t seed, Timestamp now)
      : ids_(seed), rng_(seed ^ 0x9e3779b97f4a7c15ULL), now_(now) {}

  DemoNetwork Build() {
    AddOrgs();
    AddSites();
    AddPoolsAndNodes();
    MarkFaults();
    AddOffers();
    AddJobs();
    return std::move(net_);
  }

 private:
  // Where a pool's nodes are in net_.nodes, and the spec it came from.
  struct PoolRef {
    const PoolSpec* spec;
    size_t pool;
    size_t first_node;
    size_t site_index;  // index into net_.sites
  };

  template <class T>
  void Stamp(T& r, std::string_view prefix, const std::string& org_id) {
    r.id = ids_.NewId(prefix);
    r.org_id = org_id;
    r.version = 1;
    r.created_at = now_;
    r.updated_at = now_;
  }

  int Uniform(int lo, int hi) {  // inclusive; portable (no distribution objects)
    return lo + static_cast<int>(rng_() % static_cast<uint64_t>(hi - lo + 1));
  }
  double Jitter(double spread) {  // 1 +/- spread
    return 1.0 - spread + 2.0 * spread * static_cast<double>(rng_() % 10'000) / 10'000.0;
  }

  void AddOrg(const OrgSpec& spec) {
    domain::Org o;
    Stamp(o, "org", "");
    o.org_id = o.id;  // an organisation owns its own record
    o.name = spec.handle;
    o.display_name = spec.display_name;
    o.roles = spec.roles;
    o.group = spec.group;
    o.contact_email = std::string("ops@") + spec.handle + ".example.cn";
    org_by_handle_[spec.handle] = o.id;

    domain::User u;
    Stamp(u, "user", o.id);
    u.name = std::string(spec.handle) + "-admin";
    u.display_name = std::string(spec.display_name) + "管理员";
    u.email = std::string("admin@") + spec.handle + ".example.cn";
    u.role = "admin";
    admin_by_org_[o.id] = u.id;
    if (std::find(o.roles.begin(), o.roles.end(), "buyer") != o.roles.end())
      buyers_.push_back(o.id);
    net_.orgs.push_back(std::move(o));
    net_.users.push_back(std::move(u));
  }

  void AddOrgs() {
    for (const auto& p : Providers()) AddOrg(p);
    for (const auto& b : Buyers()) AddOrg(b);
    AddOrg(OperatorOrg());
    AddOrg(RegulatorOrg());
  }

  void AddSites() {
    for (const auto& s : Sites()) {
      domain::Site site;
      Stamp(site, "site", org_by_handle_.at(s.org));
      site.name = s.name;
      site.city = s.city;
      site.province = s.province;
      site.latitude = s.latitude;
      site.longitude = s.longitude;
      site.tier = s.tier;
      site.description = s.description;
      site_by_code_[s.code] = net_.sites.size();
      net_.sites.push_back(std::move(site));
    }
  }

  domain::Node MakeNode(const PoolSpec& spec, const domain::Pool& pool, int k) {
    domain::Node n;
    n.executor = "simulated";  // the demo fleet runs its tasks in the simulator
    Stamp(n, "node", pool.org_id);
    n.site_id = pool.site_id;
    n.pool_id = pool.id;
    n.name = std::string(spec.site) + "-" + spec.tag + "-" + Padded(k, 4);
    n.cpu_cores = spec.cpu_cores;
    n.memory_gib = spec.memory_gib;
    n.cpu_model = spec.cpu_model;
    n.cpu_fp64_tflops = spec.cpu_fp64_tflops;
    n.labels["rack"] = "r" + Padded((k - 1) / 8 + 1, 3);
    const std::string accel = spec.accelerator;
    if (!accel.empty()) {
      n.accelerators.push_back({accel, spec.accelerators_per_node});
      const domain::Accelerator* a = catalog::FindBuiltin(accel);
      if (a != nullptr) n.labels["accelerator_vendor"] = a->vendor;
      if (spec.supernode_size == 1) {  // one high-bandwidth domain per node (NVLink / HCCS)
        n.supernode = (Ecosystem(accel) == "CANN" ? "hccs-" : "nvlink-") + n.name;
      } else if (spec.supernode_size > 1) {
        n.supernode = "cm384-" + std::string(spec.site) + "-" + spec.tag + "-" +
                      Padded((k - 1) / spec.supernode_size + 1, 2);
      }
    }
    return n;
  }

  void AddPoolsAndNodes() {
    for (const auto& spec : Pools()) {
      size_t si = site_by_code_.at(spec.site);
      const domain::Site& site = net_.sites[si];
      domain::Pool p;
      Stamp(p, "pool", site.org_id);
      p.site_id = site.id;
      p.name = site.name + "·" + spec.name;
      p.kind = spec.kind;
      p.driver = spec.driver;
      p.slurm_partition = spec.slurm_partition;
      p.description = std::string(spec.name) + "，" + std::to_string(spec.nodes) + " 台节点";
      pools_.push_back({&spec, net_.pools.size(), net_.nodes.size(), si});
      for (int k = 1; k <= spec.nodes; ++k) net_.nodes.push_back(MakeNode(spec, p, k));
      net_.pools.push_back(std::move(p));
    }
  }

  // A handful of nodes out of service, as in any real fleet (掉卡, ECC, maintenance).
  void MarkFaults() {
    static const char* const kStates[] = {"down", "cordoned", "draining"};
    static const char* const kReasons[][2] = {
        {"掉卡: GPU has fallen off the bus (Xid 79)", "节点失联: heartbeat lost"},
        {"ECC uncorrectable errors above threshold; awaiting card replacement",
         "HCCS link degraded on device 3"},
        {"scheduled firmware upgrade", "power maintenance in row B"}};
    for (int i = 0; i < 15; ++i) {
      domain::Node& n = net_.nodes[rng_() % net_.nodes.size()];
      if (n.state != "ready") continue;
      n.state = kStates[i % 3];
      n.state_reason = kReasons[i % 3][n.accelerators.empty() ? 1 : (rng_() % 2)];
    }
  }

  void AddOffer(const PoolRef& ref, domain::Offer o) {
    const domain::Pool& pool = net_.pools[ref.pool];
    Stamp(o, "offer", pool.org_id);
    o.pool_id = pool.id;
    o.site_id = pool.site_id;
    o.kind = pool.kind;
    o.available_from = now_;
    o.available_until = {now_.ms + (o.billing_mode == "reserved" ? 400 : 180) * kDayMs};
    const std::string& tier = net_.sites[ref.site_index].tier;
    o.sla_availability_pct = o.billing_mode == "spot" ? 99.0
                             : tier == "hub"          ? 99.95
                             : tier == "region"       ? 99.9
                                                      : 99.5;
    o.sla_credit_pct = o.billing_mode == "spot" ? 5 : 10;
    net_.offers.push_back(std::move(o));
  }

  void AddOffers() {
    for (const auto& ref : pools_) {
      const PoolSpec& s = *ref.spec;
      int64_t ready = 0;
      for (int k = 0; k < s.nodes; ++k) ready += net_.nodes[ref.first_node + k].state == "ready";
      const double price = s.list_price_fen * Jitter(0.08);
      const bool hub = net_.sites[ref.site_index].tier == "hub";
      domain::Offer base;
      base.accelerator_model = s.accelerator;
      base.accelerator_count = s.accelerators_per_node;
      base.cpu_cores = s.cpu_cores;
      base.memory_gib = s.memory_gib;
      std::string shape =
          s.accelerators_per_node > 0
              ? std::to_string(s.accelerators_per_node) + "×" + ModelName(s.accelerator) + " 整机"
              : std::to_string(s.cpu_cores) + "核" + std::to_string(s.memory_gib) + "G 整机";
      if (std::string(s.kind) == "general") {
        // Cloud hosts: 32 cores / 128 GiB on demand, 16 / 64 as spot.
        int64_t cores = ready * s.cpu_cores;
        domain::Offer od = base;
        od.cpu_cores = 32;
        od.memory_gib = 128;
        od.name = "32核128G 通用云主机 · 按需";
        od.quantity = cores * 6 / 10 / 32;
        od.price_fen_per_hour = static_cast<int64_t>(32 * price / 100);
        if (od.quantity > 0) AddOffer(ref, od);
        domain::Offer spot = od;
        spot.cpu_cores = 16;
        spot.memory_gib = 64;
        spot.name = "16核64G 通用云主机 · 竞价";
        spot.billing_mode = "spot";
        spot.quantity = cores * 2 / 10 / 16;
        spot.price_fen_per_hour = static_cast<int64_t>(16 * price * 0.4 / 100);
        if (spot.quantity > 0) AddOffer(ref, spot);
        continue;
      }
      // AI and HPC pools sell whole nodes on demand and reserved; AI pools also single cards.
      double unit_price = std::string(s.kind) == "hpc"
                              ? s.cpu_cores * price / 100 + s.accelerators_per_node * 300.0
                              : s.accelerators_per_node * price;
      domain::Offer od = base;
      od.name = shape + " · 按需";
      od.quantity = ready * 4 / 10;
      od.price_fen_per_hour = static_cast<int64_t>(unit_price);
      if (od.quantity > 0) AddOffer(ref, od);
      domain::Offer rs = base;
      rs.billing_mode = "reserved";
      rs.reserved_term_days = hub ? 365 : 30;
      rs.name = shape + " · 包" + (hub ? "年" : "月");
      rs.quantity = ready * 3 / 10;
      rs.price_fen_per_hour = static_cast<int64_t>(unit_price * (hub ? 0.7 : 0.8));
      if (rs.quantity > 0) AddOffer(ref, rs);
      if (std::string(s.kind) == "ai" && s.accelerators_per_node > 0) {
        domain::Offer spot = base;
        spot.billing_mode = "spot";
        spot.accelerator_count = 1;
        spot.cpu_cores = s.cpu_cores / s.accelerators_per_node;
        spot.memory_gib = s.memory_gib / s.accelerators_per_node;
        spot.name = "1×" + ModelName(s.accelerator) + " 单卡 · 竞价";
        spot.quantity = ready * 2 / 10 * s.accelerators_per_node;
        spot.price_fen_per_hour = static_cast<int64_t>(price * 0.45);
        if (spot.quantity > 0) AddOffer(ref, spot);
      }
    }
  }

  // Gang placement for a running job: every task on a ready node of one pool with enough free
  // devices and cores. Returns false (and changes nothing) when the pool cannot hold it.
  bool Place(const PoolRef& ref, domain::Job& job) {
    const PoolSpec& s = *ref.spec;
    int devices =
        job.accelerators.count > 0 ? job.accelerators.count : (job.accelerators.milli > 0 ? 1 : 0);
    std::vector<domain::Placement> out;
    std::map<size_t, std::pair<int, int>> take;  // node -> (devices, cores) taken here
    for (int t = 0; t < job.tasks; ++t) {
      bool placed = false;
      for (int k = 0; k < s.nodes && !placed; ++k) {
        size_t ni = ref.first_node + k;
        const domain::Node& n = net_.nodes[ni];
        if (n.state != "ready") continue;
        auto& used = used_[ni];
        auto& now_taken = take[ni];
        int free_dev = s.accelerators_per_node - used.first - now_taken.first;
        int free_cores = n.cpu_cores - used.second - now_taken.second;
        if (free_dev < devices || free_cores < job.cpu_cores) continue;
        domain::Placement p;
        p.node_id = n.id;
        for (int d = 0; d < devices; ++d) p.devices.push_back(used.first + now_taken.first + d);
        now_taken.first += devices;
        now_taken.second += job.cpu_cores;
        out.push_back(std::move(p));
        placed = true;
      }
      if (!placed) return false;
    }
    for (const auto& [ni, t] : take) {
      used_[ni].first += t.first;
      used_[ni].second += t.second;
    }
    job.pool_id = net_.pools[ref.pool].id;
    job.supplier_org_id = net_.pools[ref.pool].org_id;
    job.placement = std::move(out);
    return true;
  }

  std::vector<const PoolRef*> Candidates(const JobTemplate& t) {
    std::vector<const PoolRef*> out;
    for (const auto& ref : pools_) {
      if (t.kind != std::string(ref.spec->kind)) continue;
      if (!t.any_of.empty() &&
          std::find(t.any_of.begin(), t.any_of.end(), ref.spec->accelerator) == t.any_of.end())
        continue;
      if (t.any_of.empty() && ref.spec->accelerators_per_node > 0) continue;
      out.push_back(&ref);
    }
    return out;
  }

  void AddJobs() {
    static const char* const kPattern[] = {"running", "pending",  "succeeded", "running",
                                           "failed",  "running",  "succeeded", "pending",
                                           "running", "succeeded"};
    static const char* const kFailures[] = {"exit code 1", "OOM killed (exit 137)",
                                            "collective timeout after a card dropped out"};
    const auto& templates = JobTemplates();
    for (int i = 0; i < 50; ++i) {
      const JobTemplate& t = templates[i % templates.size()];
      const std::string& org = buyers_[rng_() % buyers_.size()];
      domain::Job j;
      Stamp(j, "job", org);
      j.user_id = admin_by_org_.at(org);
      j.name = std::string(t.name) + "-" + Padded(i + 1, 2);
      j.tasks = t.tasks;
      j.cpu_cores = t.cpu_cores;
      j.memory_gib = t.memory_gib;
      j.accelerators.count = t.accelerators;
      j.accelerators.milli = t.milli;
      j.accelerators.any_of = t.any_of;
      if (t.any_of.empty()) j.commands["CPU"] = t.cpu_command;
      for (const auto& m : t.any_of) j.commands[Ecosystem(m)] = ScriptFor(Ecosystem(m), t.script);
      j.duration_estimate_s = t.duration_s;
      j.priority = t.priority;
      j.location_city = t.location_city;
      j.latency_limit_ms = t.latency_limit_ms;
      if (i % 5 == 0) j.deadline = {now_.ms + 3 * kDayMs};
      if (i % 4 == 0) {
        int64_t cards = static_cast<int64_t>(t.tasks) * std::max(1, t.accelerators);
        j.budget_fen = cards * (t.duration_s / 3600 + 1) * 2400;
      }
      j.state = kPattern[i % 10];
      auto candidates = Candidates(t);
      std::rotate(candidates.begin(), candidates.begin() + rng_() % candidates.size(),
                  candidates.end());
      if (j.state == "running") {
        bool placed = false;
        for (const PoolRef* ref : candidates)
          if ((placed = Place(*ref, j))) break;
        if (placed) {
          j.started_at = {now_.ms - Uniform(10, 48 * 60) * 60'000LL};
        } else {
          j.state = "pending";
          j.state_reason = "waiting for free capacity";
        }
      } else if (j.state == "pending") {
        j.state_reason = t.tasks > 1
                             ? "queued: waiting for a gang of " + std::to_string(t.tasks) + " tasks"
                             : "queued behind earlier work";
      } else {  // succeeded / failed: ran earlier today or in the last days
        j.pool_id = net_.pools[candidates.front()->pool].id;
        j.supplier_org_id = net_.pools[candidates.front()->pool].org_id;
        j.started_at = {now_.ms - Uniform(6, 72) * kHourMs};
        int64_t ran = std::min<int64_t>(t.duration_s * 1000, now_.ms - j.started_at.ms - 60'000);
        j.finished_at = {j.started_at.ms +
                         std::max<int64_t>(ran, 60'000) / (j.state == "failed" ? 3 : 1)};
        if (j.state == "failed") j.state_reason = kFailures[rng_() % 3];
      }
      net_.jobs.push_back(std::move(j));
    }
  }

  SeededIdSource ids_;
  std::mt19937_64 rng_;
  Timestamp now_;
  DemoNetwork net_;
  std::map<std::string, std::string> org_by_handle_;
  std::map<std::string, std::string> admin_by_org_;
  std::vector<std::string> buyers_;
  std::map<std::string, size_t> site_by_code_;
  std::vector<PoolRef> pools_;
  std::map<size_t, std::pair<int, int>> used_;  // node index -> (devices, cores) used by jobs
};

}  // namespace

DemoNetwork BuildDemoNetwork(uint64_t seed, Timestamp now) { return Builder(seed, now).Build(); }

}  // namespace suanli::demo
