#include "domain/resources.h"

#include <algorithm>
#include <set>

namespace suanli::domain {
namespace {

using namespace field;

// An organisation's GPU quota tops out at a million accelerators.
constexpr int64_t kMaxGpuQuotaMilli = int64_t{1000} * 1000 * 1000;

// id, org_id, version, created_at, updated_at — first in every schema.
template <class T>
void AddMeta(std::vector<FieldDef<T>>& f, uint32_t org_flags) {
  f.push_back(String<T>("id", &T::id, kServer | kSortable | kFilterable, "identifier"));
  f.push_back(String<T>("org_id", &T::org_id, org_flags | kSortable | kFilterable,
                        "owning organisation"));
  f.push_back(Int<T, int64_t>("version", &T::version, kServer, "bumped on every change; send it back "
                     "in PATCH to detect conflicting updates", 0, INT64_MAX));
  f.push_back(Time<T>("created_at", &T::created_at, kServer | kSortable, "creation time"));
  f.push_back(Time<T>("updated_at", &T::updated_at, kServer | kSortable, "last change"));
}

template <class T>
FieldDef<T> Name(std::string desc) {
  return String<T>("name", &T::name, kRequired | kSortable | kFilterable, std::move(desc), 100);
}

FieldDef<Node> NodeAcceleratorsField() {
  FieldDef<Node> f;
  f.name = "accelerators";
  f.flags = kImmutable | kFilterable;
  f.schema = {{"type", "array"},
              {"description", "accelerators installed, by catalog model"},
              {"maxItems", 8},
              {"items",
               {{"type", "object"},
                {"required", {"model", "count"}},
                {"properties",
                 {{"model", {{"type", "string"}, {"description", "accelerator catalog id"}}},
                  {"count", {{"type", "integer"}, {"minimum", 1}, {"maximum", 64}}}}}}}};
  f.get = [](const Node& n) {
    Json a = Json::array();
    for (const auto& x : n.accelerators) a.push_back({{"model", x.model}, {"count", x.count}});
    return a;
  };
  f.set = [](Node& n, const Json& v, const std::string& path) -> Status {
    if (!v.is_array()) return InvalidArgument("must be an array", path);
    if (v.size() > 8) return InvalidArgument("at most 8 accelerator groups", path);
    std::vector<NodeAccelerators> out;
    for (size_t i = 0; i < v.size(); ++i) {
      std::string p = path + "[" + std::to_string(i) + "]";
      if (!v[i].is_object()) return InvalidArgument("must be an object", p);
      for (auto it = v[i].begin(); it != v[i].end(); ++it)
        if (it.key() != "model" && it.key() != "count")
          return InvalidArgument("unknown field", p + "." + it.key());
      if (!v[i].contains("model")) return InvalidArgument("field is required", p + ".model");
      if (!v[i].contains("count")) return InvalidArgument("field is required", p + ".count");
      SUANLI_RETURN_IF_ERROR(CheckString(v[i]["model"], p + ".model", 1, 64));
      SUANLI_RETURN_IF_ERROR(CheckInt(v[i]["count"], p + ".count", 1, 64));
      out.push_back({v[i]["model"].get<std::string>(), v[i]["count"].get<int>()});
    }
    n.accelerators = std::move(out);
    return OkStatus();
  };
  f.filter_keys = [](const Node& n) {
    std::vector<std::string> k;
    for (const auto& a : n.accelerators) k.push_back(a.model);
    return k;
  };
  return f;
}

FieldDef<Accelerator> SourcesField() {
  FieldDef<Accelerator> f;
  f.name = "sources";
  f.flags = kRequired;
  f.schema = {{"type", "array"},
              {"description", "public sources of the figures"},
              {"items",
               {{"type", "object"},
                {"properties",
                 {{"figures", {{"type", "string"}}},
                  {"title", {{"type", "string"}}},
                  {"url", {{"type", "string"}}}}}}}};
  f.get = [](const Accelerator& a) {
    Json s = Json::array();
    for (const auto& x : a.sources)
      s.push_back({{"figures", x.figures}, {"title", x.title}, {"url", x.url}});
    return s;
  };
  f.set = [](Accelerator& a, const Json& v, const std::string& path) -> Status {
    if (!v.is_array() || v.empty()) return InvalidArgument("must be a non-empty array", path);
    std::vector<FigureSource> out;
    for (size_t i = 0; i < v.size(); ++i) {
      std::string p = path + "[" + std::to_string(i) + "]";
      if (!v[i].is_object()) return InvalidArgument("must be an object", p);
      FigureSource s;
      for (const char* key : {"figures", "title", "url"}) {
        if (!v[i].contains(key)) continue;
        SUANLI_RETURN_IF_ERROR(CheckString(v[i][key], p + "." + key, 0, 500));
      }
      s.figures = v[i].value("figures", "");
      s.title = v[i].value("title", "");
      s.url = v[i].value("url", "");
      if (s.title.empty() && s.url.empty())
        return InvalidArgument("a source needs a title or a url", p);
      out.push_back(std::move(s));
    }
    a.sources = std::move(out);
    return OkStatus();
  };
  return f;
}

FieldDef<Job> JobAcceleratorsField() {
  FieldDef<Job> f;
  f.name = "accelerators";
  f.flags = 0;
  f.schema = {
      {"type", "object"},
      {"description", "accelerators per task: whole devices (count) or a share of one (milli)"},
      {"properties",
       {{"count", {{"type", "integer"}, {"minimum", 0}, {"maximum", 64}}},
        {"milli", {{"type", "integer"}, {"minimum", 0}, {"maximum", 999},
                   {"description", "share of one device in thousandths (count must be 0)"}}},
        {"any_of", {{"type", "array"}, {"items", {{"type", "string"}}},
                    {"description", "allowed accelerator catalog ids; empty = any"}}},
        {"min_memory_gib", {{"type", "number"}, {"minimum", 0}}}}}};
  f.get = [](const Job& j) -> Json {
    const auto& a = j.accelerators;
    if (a.count == 0 && a.milli == 0) return Json();
    Json o = {{"count", a.count}};
    if (a.milli) o["milli"] = a.milli;
    if (!a.any_of.empty()) o["any_of"] = a.any_of;
    if (a.min_memory_gib > 0) o["min_memory_gib"] = a.min_memory_gib;
    return o;
  };
  f.set = [](Job& j, const Json& v, const std::string& path) -> Status {
    JobAccelerators a;
    if (v.is_null()) {
      j.accelerators = a;
      return OkStatus();
    }
    if (!v.is_object()) return InvalidArgument("must be an object", path);
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string p = path + "." + it.key();
      if (it.key() == "count") {
        SUANLI_RETURN_IF_ERROR(CheckInt(it.value(), p, 0, 64));
        a.count = it.value().get<int>();
      } else if (it.key() == "milli") {
        SUANLI_RETURN_IF_ERROR(CheckInt(it.value(), p, 0, 999));
        a.milli = it.value().get<int>();
      } else if (it.key() == "any_of") {
        if (!it.value().is_array()) return InvalidArgument("must be an array of strings", p);
        for (size_t i = 0; i < it.value().size(); ++i) {
          SUANLI_RETURN_IF_ERROR(CheckString(it.value()[i], p + "[" + std::to_string(i) + "]", 1, 64));
          a.any_of.push_back(it.value()[i].get<std::string>());
        }
      } else if (it.key() == "min_memory_gib") {
        SUANLI_RETURN_IF_ERROR(CheckNumber(it.value(), p, 0, 4096));
        a.min_memory_gib = it.value().get<double>();
      } else {
        return InvalidArgument("unknown field", p);
      }
    }
    if (a.count > 0 && a.milli > 0)
      return InvalidArgument("give either count (whole devices) or milli (a share), not both",
                             path + ".milli");
    j.accelerators = std::move(a);
    return OkStatus();
  };
  f.filter_keys = [](const Job& j) { return j.accelerators.any_of; };
  return f;
}

FieldDef<Job> PlacementField() {
  FieldDef<Job> f;
  f.name = "placement";
  f.flags = kServer;
  f.schema = {{"type", "array"},
              {"description", "where each task runs: node and device indices"},
              {"items",
               {{"type", "object"},
                {"properties",
                 {{"node_id", {{"type", "string"}}},
                  {"devices", {{"type", "array"}, {"items", {{"type", "integer"}}}}},
                  {"state", {{"type", "string"}, {"enum", kTaskStates}}},
                  {"exit_code", {{"type", "integer"}}},
                  {"checkpoint_at", {{"type", "string"}, {"format", "date-time"}}}}}}}};
  f.get = [](const Job& j) -> Json {
    if (j.placement.empty()) return Json();
    Json a = Json::array();
    for (const auto& p : j.placement)
    {
      Json t = {{"node_id", p.node_id},
                {"devices", p.devices},
                {"state", p.state},
                {"exit_code", p.exit_code}};
      if (p.checkpoint_at.ms > 0) t["checkpoint_at"] = FormatTimestamp(p.checkpoint_at);
      a.push_back(std::move(t));
    }
    return a;
  };
  f.set = [](Job& j, const Json& v, const std::string& path) -> Status {
    j.placement.clear();
    if (v.is_null()) return OkStatus();
    if (!v.is_array()) return InvalidArgument("must be an array", path);
    for (const auto& p : v) {
      if (!p.is_object()) return InvalidArgument("must be an array of objects", path);
      Placement pl;
      pl.node_id = p.value("node_id", "");
      if (p.contains("devices") && p["devices"].is_array())
        for (const auto& d : p["devices"]) pl.devices.push_back(d.get<int>());
      pl.state = p.value("state", "assigned");
      pl.exit_code = p.value("exit_code", 0);
      if (p.contains("checkpoint_at") && p["checkpoint_at"].is_string())
        SUANLI_RETURN_IF_ERROR(CheckTimestamp(p["checkpoint_at"], path, &pl.checkpoint_at));
      j.placement.push_back(std::move(pl));
    }
    return OkStatus();
  };
  f.filter_keys = [](const Job& j) {
    std::vector<std::string> k;
    for (const auto& p : j.placement) k.push_back(p.node_id);
    return k;
  };
  return f;
}

FieldDef<Job> InterruptionsField() {
  FieldDef<Job> f;
  f.name = "interruptions";
  f.flags = kServer;
  const Json time = {{"type", "string"}, {"format", "date-time"}};
  const Json str = {{"type", "string"}};
  f.schema = {
      {"type", "array"},
      {"description",
       "failed attempts (requeued or final) and preempted ones: when and why; provider-side "
       "time lost after useful_until is not charged and earns the offer's SLA credit"},
      {"items",
       {{"type", "object"},
        {"properties",
         {{"attempt", {{"type", "integer"}}},
          {"cause", {{"type", "string"},
                     {"enum",
                      {"node_lost", "device_fault", "task_lost", "task_failed", "preempted"}}}},
          {"provider_side", {{"type", "boolean"}}},
          {"started_at", time},
          {"failed_at", time},
          {"useful_until", time},
          {"lost_s", {{"type", "integer"}}},
          {"pool_id", str},
          {"supplier_org_id", str},
          {"node_id", str}}}}}};
  f.get = [](const Job& j) -> Json {
    if (j.interruptions.empty()) return Json();
    Json a = Json::array();
    for (const auto& i : j.interruptions) {
      a.push_back({{"attempt", i.attempt},
                   {"cause", i.cause},
                   {"provider_side", i.provider_side()},
                   {"started_at", FormatTimestamp(i.started_at)},
                   {"failed_at", FormatTimestamp(i.failed_at)},
                   {"useful_until", FormatTimestamp(i.useful_until)},
                   {"lost_s", (i.failed_at.ms - i.useful_until.ms) / 1000},
                   {"pool_id", i.pool_id},
                   {"supplier_org_id", i.supplier_org_id},
                   {"node_id", i.node_id}});
    }
    return a;
  };
  f.set = [](Job& j, const Json& v, const std::string& path) -> Status {
    j.interruptions.clear();
    if (v.is_null()) return OkStatus();
    if (!v.is_array()) return InvalidArgument("must be an array", path);
    for (size_t k = 0; k < v.size(); ++k) {
      const Json& x = v[k];
      const std::string p = path + "[" + std::to_string(k) + "]";
      if (!x.is_object()) return InvalidArgument("must be an object", p);
      Interruption i;
      i.attempt = x.value("attempt", 0);
      i.cause = x.value("cause", "");
      for (auto [key, out] : {std::pair{"started_at", &i.started_at},
                              std::pair{"failed_at", &i.failed_at},
                              std::pair{"useful_until", &i.useful_until}}) {
        if (x.contains(key)) SUANLI_RETURN_IF_ERROR(CheckTimestamp(x[key], p + "." + key, out));
      }
      i.pool_id = x.value("pool_id", "");
      i.supplier_org_id = x.value("supplier_org_id", "");
      i.node_id = x.value("node_id", "");
      j.interruptions.push_back(std::move(i));
    }
    return OkStatus();
  };
  return f;
}

}  // namespace

const Schema<Org>& OrgSchema() {
  static const Schema<Org> s = [] {
    Schema<Org> s{"org", "orgs", "org", "an organisation: supplier, buyer, operator or regulator",
                  {}};
    AddMeta(s.fields, kServer);
    s.fields.push_back(Name<Org>("unique short handle, e.g. ctyun-sichuan"));
    s.fields.push_back(String<Org>("display_name", &Org::display_name, kSortable,
                                   "display name, e.g. 中国电信天翼云"));
    s.fields.push_back(StringList<Org>("roles", &Org::roles, kRequired | kFilterable,
                                       "what the organisation does on the platform", kOrgRoles, 4));
    s.fields.push_back(String<Org>("group", &Org::group, kFilterable,
                                   "corporate group: orgs of one group are related parties"));
    s.fields.push_back(String<Org>("contact_email", &Org::contact_email, 0, "contact address"));
    s.fields.push_back(Int<Org, int64_t>(
        "gpu_quota_milli", &Org::gpu_quota_milli, kSortable,
        "GPU quota over all pools in milli-devices (1000 = one accelerator), 0 = none; only the "
        "operator's admins set it; jobs that would exceed it wait",
        0, kMaxGpuQuotaMilli));
    return s;
  }();
  return s;
}

const Schema<User>& UserSchema() {
  static const Schema<User> s = [] {
    Schema<User> s{"user", "users", "user", "a person acting for an organisation", {}};
    AddMeta(s.fields, kImmutable);
    s.fields.push_back(Name<User>("unique login name"));
    s.fields.push_back(String<User>("display_name", &User::display_name, 0, "display name"));
    s.fields.push_back(String<User>("email", &User::email, kFilterable, "e-mail address"));
    s.fields.push_back(Enum<User>("role", &User::role, kUserRoles, kFilterable | kSortable,
                                  "role inside the organisation (default member)"));
    s.fields.push_back(Bool<User>("disabled", &User::disabled, kFilterable,
                                  "a disabled user's tokens stop working"));
    return s;
  }();
  return s;
}

const Schema<Token>& TokenSchema() {
  static const Schema<Token> s = [] {
    Schema<Token> s{"token", "tokens", "tok",
                    "an API token; its secret is shown once, at creation, and stored hashed", {}};
    AddMeta(s.fields, kServer);
    s.fields.push_back(String<Token>("user_id", &Token::user_id, kImmutable | kFilterable,
                                     "the user the token acts as (default: the caller)"));
    s.fields.push_back(Name<Token>("what the token is for"));
    s.fields.push_back(String<Token>("prefix", &Token::prefix, kServer,
                                     "first characters of the secret"));
    s.fields.push_back(String<Token>("hash", &Token::hash, kServer | kSecret, "keyed hash"));
    s.fields.push_back(String<Token>("pool_id", &Token::pool_id, kImmutable | kFilterable,
                                     "restrict the token to one pool (node agents)"));
    s.fields.push_back(Time<Token>("expires_at", &Token::expires_at, kImmutable,
                                   "expiry; empty = never"));
    return s;
  }();
  return s;
}

const Schema<Site>& SiteSchema() {
  static const Schema<Site> s = [] {
    Schema<Site> s{"site", "sites", "site", "a data centre (算力中心) with location and tier", {}};
    AddMeta(s.fields, kImmutable);
    s.fields.push_back(Name<Site>("site name"));
    s.fields.push_back(String<Site>("city", &Site::city, kRequired | kFilterable | kSortable,
                                    "city, e.g. 成都市"));
    s.fields.push_back(String<Site>("province", &Site::province,
                                    kRequired | kFilterable | kSortable, "province, e.g. 四川省"));
    s.fields.push_back(Number<Site>("latitude", &Site::latitude, kRequired, "WGS84 degrees", -90, 90));
    s.fields.push_back(
        Number<Site>("longitude", &Site::longitude, kRequired, "WGS84 degrees", -180, 180));
    s.fields.push_back(Enum<Site>("tier", &Site::tier, kTiers, kRequired | kFilterable | kSortable,
                                  "hub 枢纽 / region 区域 / edge 边缘"));
    s.fields.push_back(String<Site>("description", &Site::description, 0, "free text", 2000, 0));
    return s;
  }();
  return s;
}

const Schema<Pool>& PoolSchema() {
  static const Schema<Pool> s = [] {
    Schema<Pool> s{"pool", "pools", "pool", "a pool of nodes inside a site, run by one driver", {}};
    AddMeta(s.fields, kServer);
    s.fields.push_back(String<Pool>("site_id", &Pool::site_id,
                                    kRequired | kImmutable | kFilterable, "the site"));
    s.fields.push_back(Name<Pool>("pool name"));
    s.fields.push_back(Enum<Pool>("kind", &Pool::kind, kKinds, kRequired | kFilterable,
                                  "general 通算 / ai 智算 / hpc 超算"));
    s.fields.push_back(Enum<Pool>("driver", &Pool::driver, kDrivers, kFilterable,
                                  "agent (built-in node agent) or slurm (the site's Slurm)"));
    s.fields.push_back(String<Pool>("slurm_partition", &Pool::slurm_partition, 0,
                                    "Slurm partition for driver slurm"));
    s.fields.push_back(String<Pool>("description", &Pool::description, 0, "free text", 2000, 0));
    return s;
  }();
  return s;
}

const Schema<Node>& NodeSchema() {
  static const Schema<Node> s = [] {
    Schema<Node> s{"node", "nodes", "node", "a machine with CPU, memory and accelerators", {}};
    AddMeta(s.fields, kServer);
    s.fields.push_back(String<Node>("site_id", &Node::site_id, kServer | kFilterable, "the site"));
    s.fields.push_back(String<Node>("pool_id", &Node::pool_id,
                                    kRequired | kImmutable | kFilterable, "the pool"));
    s.fields.push_back(Name<Node>("host name"));
    s.fields.push_back(Int<Node>("cpu_cores", &Node::cpu_cores, kRequired | kSortable,
                                 "CPU cores", 1, 4096));
    s.fields.push_back(Int<Node>("memory_gib", &Node::memory_gib, kRequired | kSortable,
                                 "memory in GiB", 1, 65536));
    s.fields.push_back(String<Node>("cpu_model", &Node::cpu_model, kFilterable, "CPU model"));
    s.fields.push_back(Number<Node>("cpu_fp64_tflops", &Node::cpu_fp64_tflops, 0,
                                    "peak FP64 TFLOPS of the CPUs", 0, 1000));
    s.fields.push_back(NodeAcceleratorsField());
    s.fields.push_back(String<Node>("supernode", &Node::supernode, kFilterable,
                                    "high-bandwidth accelerator domain (超节点)"));
    s.fields.push_back(Labels<Node>("labels", &Node::labels, kFilterable, "free labels"));
    s.fields.push_back(Enum<Node>("state", &Node::state, kNodeStates, kFilterable | kSortable,
                                  "ready | draining | cordoned | down"));
    s.fields.push_back(String<Node>("state_reason", &Node::state_reason, 0, "why", 500, 0));
    s.fields.push_back(Enum<Node>("executor", &Node::executor, kExecutors, kFilterable,
                                  "who runs its tasks: none | agent | slurm | simulated"));
    s.fields.push_back(IntList<Node>("faulty_devices", &Node::faulty_devices, kServer,
                                     "device indexes reported faulty"));
    s.fields.push_back(Int<Node>("fault_count", &Node::fault_count, kServer | kSortable,
                                 "faults on record", 0, 1000000));
    s.fields.push_back(Time<Node>("last_fault_at", &Node::last_fault_at, kServer, "last fault"));
    s.fields.push_back(Int<Node>("requeued_unit_ms", &Node::requeued_unit_ms, kServer,
                                 "device-ms (core-ms without devices) held by requeued attempts",
                                 0, INT64_MAX / 4));
    s.fields.push_back(Int<Node>("lost_unit_ms", &Node::lost_unit_ms, kServer,
                                 "of those, lost: work since the last checkpoint and detection",
                                 0, INT64_MAX / 4));
    s.fields.push_back(IntList<Node>("device_requeued_ms", &Node::device_requeued_ms, kServer,
                                     "requeued_unit_ms per device index", 64, INT64_MAX / 4));
    s.fields.push_back(IntList<Node>("device_lost_ms", &Node::device_lost_ms, kServer,
                                     "lost_unit_ms per device index", 64, INT64_MAX / 4));
    return s;
  }();
  return s;
}

const Schema<Accelerator>& AcceleratorSchema() {
  static const Schema<Accelerator> s = [] {
    Schema<Accelerator> s{"accelerator", "accelerators", "acc",
                          "an accelerator model in the catalog; figures are peak, with sources",
                          {}};
    s.fields.push_back(String<Accelerator>("id", &Accelerator::id,
                                           kRequired | kImmutable | kSortable | kFilterable,
                                           "catalog id, e.g. nvidia-h100-sxm", 64));
    s.fields.push_back(Int<Accelerator, int64_t>("version", &Accelerator::version, kServer, "version", 0,
                                        INT64_MAX));
    s.fields.push_back(Time<Accelerator>("created_at", &Accelerator::created_at, kServer, "created"));
    s.fields.push_back(Time<Accelerator>("updated_at", &Accelerator::updated_at, kServer, "changed"));
    s.fields.push_back(String<Accelerator>("vendor", &Accelerator::vendor,
                                           kRequired | kFilterable | kSortable, "vendor"));
    s.fields.push_back(String<Accelerator>("model", &Accelerator::model,
                                           kRequired | kFilterable | kSortable, "model name"));
    s.fields.push_back(Enum<Accelerator>("ecosystem", &Accelerator::ecosystem, kEcosystems,
                                         kRequired | kFilterable, "software ecosystem"));
    s.fields.push_back(Number<Accelerator>("memory_gib", &Accelerator::memory_gib, kRequired,
                                           "device memory GiB", 0, 4096));
    s.fields.push_back(Number<Accelerator>("fp64_tflops", &Accelerator::fp64_tflops, 0,
                                           "peak FP64 TFLOPS", 0, 1e5));
    s.fields.push_back(Number<Accelerator>("fp32_tflops", &Accelerator::fp32_tflops, 0,
                                           "peak FP32 TFLOPS", 0, 1e5));
    s.fields.push_back(Number<Accelerator>("fp16_tflops", &Accelerator::fp16_tflops, 0,
                                           "peak FP16/BF16 dense TFLOPS", 0, 1e5));
    s.fields.push_back(Number<Accelerator>("int8_tops", &Accelerator::int8_tops, 0,
                                           "peak INT8 dense TOPS", 0, 1e5));
    s.fields.push_back(String<Accelerator>("interconnect", &Accelerator::interconnect, 0,
                                           "device interconnect"));
    s.fields.push_back(SourcesField());
    s.fields.push_back(String<Accelerator>("notes", &Accelerator::notes, 0, "notes", 2000, 0));
    return s;
  }();
  return s;
}

const Schema<Offer>& OfferSchema() {
  static const Schema<Offer> s = [] {
    Schema<Offer> s{"offer", "offers", "offer",
                    "capacity a supplier sells (挂牌): a shape, a quantity, a price", {}};
    AddMeta(s.fields, kServer);
    s.fields.push_back(String<Offer>("pool_id", &Offer::pool_id,
                                     kRequired | kImmutable | kFilterable, "the pool"));
    s.fields.push_back(String<Offer>("site_id", &Offer::site_id, kServer | kFilterable, "site"));
    s.fields.push_back(Enum<Offer>("kind", &Offer::kind, kKinds, kServer | kFilterable,
                                   "from the pool"));
    s.fields.push_back(Name<Offer>("offer title"));
    s.fields.push_back(String<Offer>("accelerator_model", &Offer::accelerator_model,
                                     kImmutable | kFilterable, "catalog id per unit"));
    s.fields.push_back(Int<Offer>("accelerator_count", &Offer::accelerator_count,
                                  kImmutable | kSortable, "accelerators per unit", 0, 64));
    s.fields.push_back(Int<Offer>("cpu_cores", &Offer::cpu_cores, kImmutable | kSortable,
                                  "CPU cores per unit", 0, 4096));
    s.fields.push_back(Int<Offer>("memory_gib", &Offer::memory_gib, kImmutable | kSortable,
                                  "memory GiB per unit", 0, 65536));
    s.fields.push_back(Int<Offer>("quantity", &Offer::quantity, kRequired | kSortable,
                                  "units offered", 1, 10'000'000));
    s.fields.push_back(Int<Offer>("price_fen_per_hour", &Offer::price_fen_per_hour,
                                  kRequired | kSortable, "price per unit-hour in fen (分)", 0,
                                  100'000'000));
    s.fields.push_back(Enum<Offer>("billing_mode", &Offer::billing_mode, kBillingModes,
                                   kFilterable | kImmutable,
                                   "on_demand (per second) / reserved / spot"));
    s.fields.push_back(Int<Offer>("reserved_term_days", &Offer::reserved_term_days, kImmutable,
                                  "term of a reserved offer", 0, 3650));
    s.fields.push_back(Time<Offer>("available_from", &Offer::available_from, kSortable,
                                   "start of availability"));
    s.fields.push_back(Time<Offer>("available_until", &Offer::available_until, kSortable,
                                   "end of availability"));
    s.fields.push_back(Number<Offer>("sla_availability_pct", &Offer::sla_availability_pct,
                                     kSortable, "promised availability %", 0, 100));
    s.fields.push_back(Number<Offer>("sla_credit_pct", &Offer::sla_credit_pct, 0,
                                     "credit % of the bill when the SLA is missed", 0, 100));
    s.fields.push_back(Enum<Offer>("state", &Offer::state, kOfferStates, kFilterable,
                                   "active | paused | withdrawn"));
    return s;
  }();
  return s;
}

const Schema<Job>& JobSchema() {
  static const Schema<Job> s = [] {
    Schema<Job> s{"job", "jobs", "job", "work a buyer submits: a gang of tasks", {}};
    AddMeta(s.fields, kServer);
    s.fields.push_back(String<Job>("user_id", &Job::user_id, kServer | kFilterable, "submitter"));
    s.fields.push_back(Name<Job>("job name"));
    s.fields.push_back(Int<Job>("tasks", &Job::tasks, kImmutable | kSortable,
                                "gang size: all tasks start together", 1, 100000));
    s.fields.push_back(Int<Job>("cpu_cores", &Job::cpu_cores, kImmutable,
                                "CPU cores per task", 0, 4096));
    s.fields.push_back(Int<Job>("memory_gib", &Job::memory_gib, kImmutable,
                                "memory GiB per task", 0, 65536));
    s.fields.push_back(JobAcceleratorsField());
    FieldDef<Job> cmds = Labels<Job>("commands", &Job::commands, kRequired | kImmutable,
                                     "command line per ecosystem it can run on", 16384);
    s.fields.push_back(cmds);
    s.fields.push_back(Int<Job>("duration_estimate_s", &Job::duration_estimate_s, kSortable,
                                "expected run time", 1, 365LL * 86400));
    s.fields.push_back(Time<Job>("deadline", &Job::deadline, kSortable, "finish by"));
    s.fields.push_back(Int<Job>("budget_fen", &Job::budget_fen, 0,
                                "most the buyer will pay, fen; 0 = no limit", 0, INT64_MAX / 4));
    s.fields.push_back(Enum<Job>("priority", &Job::priority, kPriorities, kFilterable | kSortable,
                                 "high | normal | spot | best_effort"));
    s.fields.push_back(String<Job>("location_city", &Job::location_city, kFilterable,
                                   "where the job's users or data are"));
    s.fields.push_back(Int<Job>("latency_limit_ms", &Job::latency_limit_ms, 0,
                                "most network latency from location_city; 0 = any", 0, 1000));
    s.fields.push_back(String<Job>("offer_id", &Job::offer_id, kImmutable | kFilterable,
                                   "run under this offer"));
    s.fields.push_back(String<Job>("pool_id", &Job::pool_id, kServer | kFilterable,
                                   "pool it was placed in"));
    s.fields.push_back(String<Job>("supplier_org_id", &Job::supplier_org_id,
                                   kServer | kFilterable, "organisation running it"));
    s.fields.push_back(PlacementField());
    s.fields.push_back(Enum<Job>("state", &Job::state, kJobStates,
                                 kServer | kFilterable | kSortable, "lifecycle state"));
    s.fields.push_back(String<Job>("state_reason", &Job::state_reason, kServer, "why", 500, 0));
    s.fields.push_back(Time<Job>("started_at", &Job::started_at, kServer | kSortable, "started"));
    s.fields.push_back(Time<Job>("finished_at", &Job::finished_at, kServer | kSortable, "ended"));
    s.fields.push_back(Int<Job>("restart_count", &Job::restart_count, kServer,
                                "times the gang was requeued after a failure", 0, 1000000));
    s.fields.push_back(Int<Job>("max_restarts", &Job::max_restarts, 0,
                                "requeues allowed before the job fails", 0, 100));
    s.fields.push_back(InterruptionsField());
    return s;
  }();
  return s;
}

Status ValidateOrg(const Org& o) {
  std::set<std::string> seen(o.roles.begin(), o.roles.end());
  if (seen.size() != o.roles.size()) return InvalidArgument("roles repeat", "roles");
  if (o.roles.empty()) return InvalidArgument("at least one role", "roles");
  return OkStatus();
}

Status ValidateNode(const Node& n) {
  std::set<std::string> models;
  for (size_t i = 0; i < n.accelerators.size(); ++i)
    if (!models.insert(n.accelerators[i].model).second)
      return InvalidArgument("model listed twice", "accelerators[" + std::to_string(i) + "].model");
  return OkStatus();
}

Status ValidateOffer(const Offer& o) {
  if (o.accelerator_count > 0 && o.accelerator_model.empty())
    return InvalidArgument("accelerator_count needs accelerator_model", "accelerator_model");
  if (!o.accelerator_model.empty() && o.accelerator_count == 0)
    return InvalidArgument("accelerator_model needs accelerator_count >= 1", "accelerator_count");
  if (o.accelerator_count == 0 && o.cpu_cores == 0)
    return InvalidArgument("an offer sells accelerators or CPU cores", "cpu_cores");
  if (o.billing_mode == "reserved" && o.reserved_term_days == 0)
    return InvalidArgument("a reserved offer needs a term", "reserved_term_days");
  if (o.billing_mode != "reserved" && o.reserved_term_days != 0)
    return InvalidArgument("only reserved offers have a term", "reserved_term_days");
  if (o.available_until.ms != 0 && o.available_until <= o.available_from)
    return InvalidArgument("must be after available_from", "available_until");
  return OkStatus();
}

Status ValidateJob(const Job& j) {
  if (j.commands.empty()) return InvalidArgument("at least one command", "commands");
  for (const auto& [eco, cmd] : j.commands) {
    if (std::find(kEcosystems.begin(), kEcosystems.end(), eco) == kEcosystems.end())
      return InvalidArgument("unknown ecosystem " + eco, "commands." + eco);
    if (cmd.empty()) return InvalidArgument("must not be empty", "commands." + eco);
  }
  if (j.accelerators.milli > 0 && j.accelerators.count > 0)
    return InvalidArgument("count and milli are exclusive", "accelerators.milli");
  if (j.cpu_cores == 0 && j.accelerators.count == 0 && j.accelerators.milli == 0)
    return InvalidArgument("a task needs CPU cores or accelerators", "cpu_cores");
  return OkStatus();
}

bool JobFinished(std::string_view s) {
  return s == "succeeded" || s == "failed" || s == "cancelled";
}

bool JobTransitionAllowed(std::string_view from, std::string_view to) {
  if (JobFinished(from)) return false;
  if (to == "cancelled" || to == "failed") return true;
  if (from == "pending") return to == "scheduled";
  if (from == "scheduled") return to == "running" || to == "pending";
  if (from == "running") return to == "succeeded" || to == "pending";
  return false;
}

}  // namespace suanli::domain
