#include "cli/job_spec.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "cli/yaml_json.h"
#include "domain/types.h"

namespace suanli::cli {
namespace {

using Json = nlohmann::json;

// SUANLI_RETURN_IF_ERROR for functions that return a Result.
#define RETURN_ERR(expr)                \
  do {                                  \
    ::suanli::Status _st = (expr);      \
    if (!_st.ok()) return Err(_st);     \
  } while (0)

// Per-task accelerator request before it becomes JSON.
struct AccelRequest {
  int count = 0;
  int milli = 0;
  std::vector<std::string> any_of;  // catalog ids
  double min_memory_gib = 0;
  bool given = false;
};

Status CheckKeys(const Json& obj, const std::string& prefix, std::initializer_list<const char*> allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = std::any_of(allowed.begin(), allowed.end(),
                          [&](const char* a) { return it.key() == a; });
    if (ok) continue;
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return InvalidArgument("unknown key (allowed: " + list + ")", prefix + it.key());
  }
  return OkStatus();
}

std::string ScalarText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return v.dump();
  return "";
}

// An integer, or "N+" (SkyPilot's "at least N"): we ask for exactly N.
Result<int64_t> AtLeast(const Json& v, const std::string& field, int64_t min, int64_t max) {
  std::string t = ScalarText(v);
  if (!t.empty() && t.back() == '+') t.pop_back();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d < static_cast<double>(min) || d > static_cast<double>(max))
      return Err(InvalidArgument("must be between " + std::to_string(min) + " and " +
                                 std::to_string(max), field));
    return static_cast<int64_t>(std::ceil(d));
  }
  if (t.empty() || !std::all_of(t.begin(), t.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return Err(InvalidArgument("must be a whole number (or \"N+\")", field));
  int64_t n = t.size() > 12 ? max + 1 : std::stoll(t);
  if (n < min || n > max)
    return Err(InvalidArgument("must be between " + std::to_string(min) + " and " +
                               std::to_string(max), field));
  return n;
}

// "8" -> whole devices, "0.5" -> a share of one device (milli).
Status SetCount(const Json& v, const std::string& field, AccelRequest* a) {
  double d = 0;
  if (v.is_null()) {
    d = 1;
  } else if (v.is_number()) {
    d = v.get<double>();
  } else {
    std::string t = ScalarText(v);
    char* end = nullptr;
    d = std::strtod(t.c_str(), &end);
    if (t.empty() || *end != '\0') return InvalidArgument("count must be a number", field);
  }
  if (d > 0 && d < 1) {
    a->count = 0;
    a->milli = static_cast<int>(std::lround(d * 1000));
  } else if (d >= 1 && d <= 64 && d == std::floor(d)) {
    a->count = static_cast<int>(d);
  } else {
    return InvalidArgument("count must be a whole number from 1 to 64, or a share below 1", field);
  }
  return OkStatus();
}

Status AddModels(const std::string& name, const std::vector<CatalogEntry>& catalog,
                 const std::string& field, AccelRequest* a) {
  auto ids = ResolveAccelerator(name, catalog, field);
  if (!ids) return ids.error();
  for (const auto& id : *ids)
    if (std::find(a->any_of.begin(), a->any_of.end(), id) == a->any_of.end()) a->any_of.push_back(id);
  return OkStatus();
}

// One "MODEL[:COUNT]" item; all items of a request must ask for the same count.
Status AddItem(const std::string& item, const Json& count, const std::vector<CatalogEntry>& catalog,
               const std::string& field, AccelRequest* a) {
  AccelRequest one;
  std::string model = item;
  Json c = count;
  if (auto colon = item.rfind(':'); colon != std::string::npos && c.is_null()) {
    model = item.substr(0, colon);
    c = item.substr(colon + 1);
  }
  SUANLI_RETURN_IF_ERROR(SetCount(c, field, &one));
  if (a->given && (one.count != a->count || one.milli != a->milli))
    return InvalidArgument("every accelerator choice must ask for the same count", field);
  a->count = one.count;
  a->milli = one.milli;
  a->given = true;
  return AddModels(model, catalog, field, a);
}

Result<AccelRequest> ParseAccelerators(const Json& v, const std::vector<CatalogEntry>& catalog) {
  const std::string f = "resources.accelerators";
  AccelRequest a;
  if (v.is_null()) return a;
  if (v.is_string()) {
    RETURN_ERR(AddItem(v.get<std::string>(), nullptr, catalog, f, &a));
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) return Err(InvalidArgument("must be \"MODEL:COUNT\"", f + "[" + std::to_string(i) + "]"));
      RETURN_ERR(AddItem(v[i].get<std::string>(), nullptr, catalog, f, &a));
    }
  } else if (v.is_object() && (v.contains("count") || v.contains("any_of") || v.contains("milli"))) {
    RETURN_ERR(CheckKeys(v, f + ".", {"count", "any_of", "milli", "min_memory_gib"}));
    RETURN_ERR(SetCount(v.value("count", Json(1)), f + ".count", &a));
    if (v.contains("milli")) {
      auto m = AtLeast(v["milli"], f + ".milli", 1, 999);
      if (!m) return Err(m.error());
      a.count = 0;
      a.milli = static_cast<int>(*m);
    }
    Json any = v.value("any_of", Json::array());
    if (any.is_string()) any = Json::array({any});
    if (!any.is_array()) return Err(InvalidArgument("must be a list of models", f + ".any_of"));
    for (size_t i = 0; i < any.size(); ++i) {
      std::string fi = f + ".any_of[" + std::to_string(i) + "]";
      if (!any[i].is_string()) return Err(InvalidArgument("must be a model name", fi));
      RETURN_ERR(AddModels(any[i].get<std::string>(), catalog, fi, &a));
    }
    if (v.contains("min_memory_gib")) {
      if (!v["min_memory_gib"].is_number()) return Err(InvalidArgument("must be a number", f + ".min_memory_gib"));
      a.min_memory_gib = v["min_memory_gib"].get<double>();
    }
  } else if (v.is_object()) {  // SkyPilot's {H100: 8, A800: 8}: any of these
    for (auto it = v.begin(); it != v.end(); ++it)
      RETURN_ERR(AddItem(it.key(), it.value(), catalog, f + "." + it.key(), &a));
  } else {
    return Err(InvalidArgument("must be \"MODEL:COUNT\", a list or a map", f));
  }
  a.given = true;
  return a;
}

Result<std::string> Ecosystem(const std::string& key, const std::string& field) {
  for (const auto& e : domain::kEcosystems) {
    std::string a = e, b = key;
    std::transform(a.begin(), a.end(), a.begin(), ::tolower);
    std::transform(b.begin(), b.end(), b.begin(), ::tolower);
    if (a == b) return e;
  }
  std::string list;
  for (const auto& e : domain::kEcosystems) list += (list.empty() ? "" : ", ") + e;
  return Err(InvalidArgument("unknown ecosystem (one of " + list + ")", field));
}

Result<Json> Commands(const Json& run, const AccelRequest& a, const std::vector<CatalogEntry>& catalog) {
  Json out = Json::object();
  if (run.is_string()) {
    if (run.get<std::string>().empty()) return Err(InvalidArgument("must not be empty", "run"));
    std::set<std::string> ecos;
    for (const auto& id : a.any_of)
      if (const CatalogEntry* e = FindEntry(catalog, id); e && !e->ecosystem.empty()) ecos.insert(e->ecosystem);
    if (ecos.empty()) ecos.insert(a.count > 0 || a.milli > 0 ? "CUDA" : "CPU");
    for (const auto& e : ecos) out[e] = run;
    return out;
  }
  if (!run.is_object() || run.empty())
    return Err(InvalidArgument("must be a command, or a map of ecosystem to command", "run"));
  for (auto it = run.begin(); it != run.end(); ++it) {
    auto eco = Ecosystem(it.key(), "run." + it.key());
    if (!eco) return Err(eco.error());
    if (!it.value().is_string() || it.value().get<std::string>().empty())
      return Err(InvalidArgument("must be a command line", "run." + it.key()));
    out[*eco] = it.value();
  }
  return out;
}

Status MapResources(const Json& r, const std::vector<CatalogEntry>& catalog, Json* job, AccelRequest* a) {
  if (r.is_null()) return OkStatus();
  if (!r.is_object()) return InvalidArgument("must be a map", "resources");
  SUANLI_RETURN_IF_ERROR(CheckKeys(r, "resources.", {"accelerators", "cpus", "memory"}));
  if (r.contains("accelerators")) {
    auto acc = ParseAccelerators(r["accelerators"], catalog);
    if (!acc) return acc.error();
    *a = *acc;
  }
  if (r.contains("cpus")) {
    auto c = AtLeast(r["cpus"], "resources.cpus", 0, 4096);
    if (!c) return c.error();
    (*job)["cpu_cores"] = *c;
  }
  if (r.contains("memory")) {
    auto m = AtLeast(r["memory"], "resources.memory", 0, 65536);
    if (!m) return m.error();
    (*job)["memory_gib"] = *m;
  }
  return OkStatus();
}

Status MapLocation(const Json& l, Json* job) {
  if (l.is_string()) {
    (*job)["location_city"] = l;
    return OkStatus();
  }
  if (!l.is_object()) return InvalidArgument("must be a city or {city, latency_ms}", "location");
  SUANLI_RETURN_IF_ERROR(CheckKeys(l, "location.", {"city", "latency_ms"}));
  if (l.contains("city")) {
    if (!l["city"].is_string()) return InvalidArgument("must be a city name", "location.city");
    (*job)["location_city"] = l["city"];
  }
  if (l.contains("latency_ms")) {
    auto ms = AtLeast(l["latency_ms"], "location.latency_ms", 0, 1000);
    if (!ms) return ms.error();
    (*job)["latency_limit_ms"] = *ms;
  }
  return OkStatus();
}

Status MapScalars(const Json& spec, Json* job) {
  if (spec.contains("name")) {
    std::string n = ScalarText(spec["name"]);
    if (n.empty()) return InvalidArgument("must be a name", "name");
    (*job)["name"] = n;
  }
  if (spec.contains("num_nodes")) {
    auto n = AtLeast(spec["num_nodes"], "num_nodes", 1, 100000);
    if (!n) return n.error();
    (*job)["tasks"] = *n;
  }
  if (spec.contains("priority")) {
    const Json& p = spec["priority"];
    const auto& all = domain::kPriorities;
    if (!p.is_string() || std::find(all.begin(), all.end(), p.get<std::string>()) == all.end())
      return InvalidArgument("must be one of high, normal, spot, best_effort", "priority");
    (*job)["priority"] = p;
  }
  if (spec.contains("duration")) {
    auto d = ParseDuration(ScalarText(spec["duration"]), "duration");
    if (!d) return d.error();
    (*job)["duration_estimate_s"] = *d;
  }
  if (spec.contains("deadline")) {
    if (!spec["deadline"].is_string()) return InvalidArgument("must be an RFC 3339 time", "deadline");
    (*job)["deadline"] = spec["deadline"];
  }
  if (spec.contains("budget")) {
    auto b = ParseYuan(ScalarText(spec["budget"]), "budget");
    if (!b) return b.error();
    (*job)["budget_fen"] = *b;
  }
  if (spec.contains("offer")) {
    if (!spec["offer"].is_string()) return InvalidArgument("must be an offer id", "offer");
    (*job)["offer_id"] = spec["offer"];
  }
  return OkStatus();
}

}  // namespace

Result<int64_t> ParseDuration(std::string_view text, const std::string& field) {
  const std::string bad = "must be a duration like 90s, 30m, 2h, 1d or 1h30m";
  if (text.empty()) return Err(InvalidArgument(bad, field));
  int64_t total = 0, num = 0;
  bool have_num = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      num = num * 10 + (c - '0');
      have_num = true;
      if (num > 365LL * 86400 * 100) return Err(InvalidArgument("too long", field));
      continue;
    }
    int64_t unit = c == 's' ? 1 : c == 'm' ? 60 : c == 'h' ? 3600 : c == 'd' ? 86400 : 0;
    if (!have_num || unit == 0) return Err(InvalidArgument(bad, field));
    total += num * unit;
    num = 0;
    have_num = false;
  }
  total += num;  // a bare number is seconds
  if (total <= 0) return Err(InvalidArgument("must be positive", field));
  return total;
}

Result<int64_t> ParseYuan(std::string_view text, const std::string& field) {
  std::string t(text);
  for (const char* prefix : {"¥", "￥", "CNY"})
    if (t.rfind(prefix, 0) == 0) t = t.substr(std::string(prefix).size());
  const std::string bad = "must be an amount in yuan, at most two decimals (e.g. 5000 or 12.50)";
  size_t dot = t.find('.');
  std::string whole = t.substr(0, dot), frac = dot == std::string::npos ? "" : t.substr(dot + 1);
  auto digits = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  };
  if (whole.empty() || !digits(whole) || !digits(frac) || frac.size() > 2 || whole.size() > 13)
    return Err(InvalidArgument(bad, field));
  while (frac.size() < 2) frac += '0';
  return std::stoll(whole) * 100 + std::stoll(frac);
}

Result<Json> JobFromSpec(std::string_view yaml, const std::vector<CatalogEntry>& catalog,
                         const std::string& default_name) {
  auto spec = YamlToJson(yaml);
  if (!spec) return Err(spec.error());
  if (!spec->is_object()) return Err(InvalidArgument("a job spec is a YAML map (name:, resources:, run: ...)"));
  RETURN_ERR(CheckKeys(*spec, "", {"name", "num_nodes", "resources", "run", "priority",
                                               "duration", "deadline", "budget", "location", "offer"}));
  Json job = Json::object();
  job["name"] = default_name;
  RETURN_ERR(MapScalars(*spec, &job));
  AccelRequest a;
  RETURN_ERR(MapResources(spec->value("resources", Json()), catalog, &job, &a));
  if (a.count > 0 || a.milli > 0) {
    Json acc = {{"count", a.count}};
    if (a.milli > 0) acc["milli"] = a.milli;
    if (!a.any_of.empty()) acc["any_of"] = a.any_of;
    if (a.min_memory_gib > 0) acc["min_memory_gib"] = a.min_memory_gib;
    job["accelerators"] = acc;
  }
  if (!spec->contains("run")) return Err(InvalidArgument("a job needs a command", "run"));
  auto cmds = Commands((*spec)["run"], a, catalog);
  if (!cmds) return Err(cmds.error());
  job["commands"] = *cmds;
  if (spec->contains("location")) RETURN_ERR(MapLocation((*spec)["location"], &job));
  return job;
}

}  // namespace suanli::cli
