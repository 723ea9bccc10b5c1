#include "cli/resources.h"

#include "cli/output.h"
#include "domain/resources.h"

namespace suanli::cli {
namespace {

using Json = nlohmann::json;

template <class T>
std::vector<FieldInfo> FieldsOf(const domain::Schema<T>& s) {
  std::vector<FieldInfo> out;
  for (const auto& f : s.fields)
    out.push_back({f.name, f.flags, f.schema.value("type", ""), f.schema.value("description", "")});
  return out;
}

Column Col(std::string header, std::string field) {
  return {std::move(header), [field](const Json& o) { return Cell(o.value(field, Json())); }};
}

std::string Accelerators(const Json& list) {
  std::string out;
  if (!list.is_array()) return "-";
  for (const auto& a : list)
    out += (out.empty() ? "" : ",") + std::to_string(a.value("count", 0)) + "×" +
           a.value("model", std::string("?"));
  return out.empty() ? "-" : out;
}

// An offer's or job's unit: "8×nvidia-h100-sxm 64c 512G" / "16c 64G".
std::string Shape(int64_t cpu, int64_t mem, const std::string& accel) {
  std::string s = accel.empty() ? "" : accel + " ";
  s += std::to_string(cpu) + "c " + std::to_string(mem) + "G";
  return s;
}

std::vector<Column> NodeColumns() {
  return {Col("ID", "id"), Col("NAME", "name"), Col("POOL", "pool_id"), Col("CPU", "cpu_cores"),
          {"MEM", [](const Json& o) { return std::to_string(o.value("memory_gib", 0)) + "G"; }},
          {"ACCELERATORS", [](const Json& o) { return Accelerators(o.value("accelerators", Json())); }},
          Col("STATE", "state")};
}

std::vector<Column> OfferColumns() {
  return {Col("ID", "id"), Col("NAME", "name"), Col("POOL", "pool_id"), Col("KIND", "kind"),
          {"UNIT", [](const Json& o) {
             std::string acc = o.value("accelerator_model", "");
             if (!acc.empty()) acc = std::to_string(o.value("accelerator_count", 0)) + "×" + acc;
             return Shape(o.value("cpu_cores", 0), o.value("memory_gib", 0), acc);
           }},
          Col("QTY", "quantity"),
          {"PRICE/H", [](const Json& o) { return FormatFen(o.value("price_fen_per_hour", 0)); }},
          Col("BILLING", "billing_mode"), Col("STATE", "state")};
}

std::vector<Column> JobColumns() {
  return {Col("ID", "id"), Col("NAME", "name"), Col("TASKS", "tasks"),
          {"PER TASK", [](const Json& o) {
             std::string acc;
             if (o.contains("accelerators") && o["accelerators"].is_object()) {
               const Json& a = o["accelerators"];
               int count = a.value("count", 0), milli = a.value("milli", 0);
               acc = count > 0 ? std::to_string(count) : Cell(nlohmann::json(milli / 1000.0));
               std::string any = a.contains("any_of") ? Cell(a["any_of"]) : "any";
               acc += "×" + any;
             }
             return Shape(o.value("cpu_cores", 0), o.value("memory_gib", 0), acc);
           }},
          Col("PRIORITY", "priority"), Col("POOL", "pool_id"), Col("STATE", "state")};
}

std::vector<ResourceDef> Build() {
  using namespace domain;
  std::vector<ResourceDef> r;
  r.push_back({"org", "orgs", OrgSchema().description, FieldsOf(OrgSchema()),
               {Col("ID", "id"), Col("NAME", "name"), Col("DISPLAY NAME", "display_name"),
                Col("ROLES", "roles"), Col("GROUP", "group"),
                {"GPU QUOTA", [](const Json& o) {  // in whole accelerators; "-" = none
                   int64_t milli = o.value("gpu_quota_milli", int64_t{0});
                   return milli > 0 ? Cell(Json(static_cast<double>(milli) / 1000.0)) : "-";
                 }}}});
  r.push_back({"user", "users", UserSchema().description, FieldsOf(UserSchema()),
               {Col("ID", "id"), Col("NAME", "name"), Col("ORG", "org_id"), Col("ROLE", "role"),
                Col("EMAIL", "email"), Col("DISABLED", "disabled")}});
  r.push_back({"token", "tokens", TokenSchema().description, FieldsOf(TokenSchema()),
               {Col("ID", "id"), Col("NAME", "name"), Col("USER", "user_id"),
                Col("PREFIX", "prefix"), Col("POOL", "pool_id"), Col("EXPIRES", "expires_at")}});
  r.push_back({"site", "sites", SiteSchema().description, FieldsOf(SiteSchema()),
               {Col("ID", "id"), Col("NAME", "name"), Col("CITY", "city"),
                Col("PROVINCE", "province"), Col("TIER", "tier"), Col("ORG", "org_id")}});
  r.push_back({"pool", "pools", PoolSchema().description, FieldsOf(PoolSchema()),
               {Col("ID", "id"), Col("NAME", "name"), Col("SITE", "site_id"), Col("KIND", "kind"),
                Col("DRIVER", "driver"), Col("ORG", "org_id")}});
  r.push_back({"node", "nodes", NodeSchema().description, FieldsOf(NodeSchema()), NodeColumns()});
  r.push_back({"accelerator", "accelerators", AcceleratorSchema().description,
               FieldsOf(AcceleratorSchema()),
               {Col("ID", "id"), Col("VENDOR", "vendor"), Col("MODEL", "model"),
                Col("ECOSYSTEM", "ecosystem"), Col("MEM GiB", "memory_gib"),
                Col("FP16 TFLOPS", "fp16_tflops"), Col("FP64 TFLOPS", "fp64_tflops")}});
  r.push_back({"offer", "offers", OfferSchema().description, FieldsOf(OfferSchema()), OfferColumns()});
  r.push_back({"job", "jobs", JobSchema().description, FieldsOf(JobSchema()), JobColumns()});
  return r;
}

Json SplitList(const std::string& v) {
  Json a = Json::array();
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    std::string item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) a.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return a;
}

}  // namespace

const std::vector<ResourceDef>& Resources() {
  static const std::vector<ResourceDef> r = Build();
  return r;
}

Json FieldValue(const ResourceDef& r, const std::string& field, const std::string& value) {
  const FieldInfo* f = nullptr;
  for (const auto& x : r.fields)
    if (x.name == field) f = &x;
  if (f && f->type == "string") return value == "null" ? Json() : Json(value);
  Json parsed = Json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_discarded()) return parsed;
  if (f && f->type == "array") {
    Json items = SplitList(value);
    if (r.noun != "node" || field != "accelerators") return items;
    Json out = Json::array();  // "nvidia-h100-sxm:8,huawei-ascend-910b:8"
    for (const auto& it : items) {
      std::string s = it.get<std::string>();
      size_t colon = s.rfind(':');
      if (colon == std::string::npos) return value;
      Json count = Json::parse(s.substr(colon + 1), nullptr, false);
      out.push_back({{"model", s.substr(0, colon)}, {"count", count.is_discarded() ? Json(s.substr(colon + 1)) : count}});
    }
    return out;
  }
  return value;
}

}  // namespace suanli::cli
