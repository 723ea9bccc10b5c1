// Commands about the platform rather than one resource: me, capacity, audit, health, api.
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/yaml_json.h"

namespace suanli::cli {
namespace {

using Json = nlohmann::json;

std::string Fixed(const Json& v, int decimals) {
  if (!v.is_number()) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v.get<double>());
  return buf;
}

std::vector<std::string> CapacityRow(const std::string& key, const Json& g) {
  return {key,
          std::to_string(g.value("nodes", 0)) + "/" + std::to_string(g.value("nodes_ready", 0)),
          std::to_string(g.value("cpu_cores", 0)),
          std::to_string(g.value("memory_gib", int64_t{0})),
          std::to_string(g.value("accelerators", 0)),
          Fixed(g.value("ai_pflops_fp16", Json()), 1),
          Fixed(g.value("hpc_pflops_fp64", Json()), 2)};
}

Status Capacity(Runner* run, const std::string& group_by) {
  std::string q;
  if (!group_by.empty()) AppendQuery(&q, "group_by", group_by);
  auto got = run->api().Get("capacity" + q);
  if (!got) return got.error();
  if (run->global.json) {
    PrintJson(run, *got);
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& g : got->value("groups", Json::array()))
    rows.push_back(CapacityRow(Cell(g.value("key", Json())), g));
  if (got->contains("total")) rows.push_back(CapacityRow("TOTAL", (*got)["total"]));
  std::string key = group_by.empty() ? "GROUP" : group_by;
  for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  PrintTable(*run->out, {key, "NODES/READY", "CPU", "MEM GiB", "ACCEL", "AI PFLOPS", "HPC PFLOPS"},
             rows);
  return OkStatus();
}

struct AuditOptions {
  std::string kind, object, org;
  int64_t after = -1, limit = -1;
};

Status Audit(Runner* run, const AuditOptions& o) {
  std::string q;
  if (!o.kind.empty()) AppendQuery(&q, "kind", o.kind);
  if (!o.object.empty()) AppendQuery(&q, "object_id", o.object);
  if (!o.org.empty()) AppendQuery(&q, "org_id", o.org);
  if (o.after >= 0) AppendQuery(&q, "after_seq", std::to_string(o.after));
  if (o.limit >= 0) AppendQuery(&q, "limit", std::to_string(o.limit));
  auto got = run->api().Get("audit" + q);
  if (!got) return got.error();
  if (run->global.json) {
    *run->out << got->dump() << '\n';
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : got->value("items", Json::array())) {
    std::string actor = e.value("actor_user_id", "");
    rows.push_back({Cell(e.value("seq", Json())), Cell(e.value("at", Json())), actor.empty() ? "-" : actor,
                    Cell(e.value("action", Json())), Cell(e.value("kind", Json())),
                    Cell(e.value("object_id", Json()))});
  }
  PrintTable(*run->out, {"SEQ", "AT", "ACTOR", "ACTION", "KIND", "OBJECT"}, rows);
  if (got->contains("next_after_seq") && got->value("next_after_seq", Json()).is_number())
    *run->err << "more with --after " << (*got)["next_after_seq"].get<int64_t>() << '\n';
  return OkStatus();
}

struct RawOptions {
  std::string method, path, data;
};

Status Raw(Runner* run, const RawOptions& o) {
  Json body;
  if (!o.data.empty()) {
    std::string text = o.data;
    if (text[0] == '@') {
      auto f = ReadFile(text.substr(1));
      if (!f) return f.error();
      text = *f;
    }
    auto parsed = YamlToJson(text);
    if (!parsed) return parsed.error();
    body = *parsed;
  }
  std::string method = o.method;
  for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto got = run->api().Call(method, o.path, body);
  if (!got) return got.error();
  if (!got->is_null()) PrintJson(run, *got);
  return OkStatus();
}

}  // namespace

void AddPlatformCommands(CLI::App* app, Runner* run) {
  app->add_subcommand("me", "who the token acts as: user, organisation, roles")->callback([run] {
    run->action = [run]() -> Status {
      auto got = run->api().Get("me");
      if (!got) return got.error();
      if (run->global.json) PrintJson(run, *got); else PrintObject(*run->out, *got);
      return OkStatus();
    };
  });

  auto* cap = app->add_subcommand("capacity", "capacity of the network (nodes, cores, PFLOPS)");
  auto group_by = std::make_shared<std::string>();
  cap->add_option("--group-by,-g", *group_by, "province|city|tier|kind|vendor|org|site|pool");
  cap->callback([run, group_by] { run->action = [run, group_by] { return Capacity(run, *group_by); }; });

  auto* audit = app->add_subcommand("audit", "the audit trail: who changed what");
  auto ao = std::make_shared<AuditOptions>();
  audit->add_option("--kind", ao->kind, "resource kind (node, job, ...)");
  audit->add_option("--object", ao->object, "object id");
  audit->add_option("--org", ao->org, "organisation id");
  audit->add_option("--after", ao->after, "entries after this sequence number");
  audit->add_option("--limit", ao->limit, "how many");
  audit->callback([run, ao] { run->action = [run, ao] { return Audit(run, *ao); }; });

  app->add_subcommand("health", "check that the server answers")->callback([run] {
    run->action = [run]() -> Status {
      auto got = run->api().Get("/healthz");
      if (!got) return got.error();
      if (run->global.json) PrintJson(run, *got);
      else *run->out << run->global.server << ": " << got->value("status", "ok") << '\n';
      return OkStatus();
    };
  });

  auto* raw = app->add_subcommand("api", "send any request: suanli api GET jobs?state=running");
  auto ro = std::make_shared<RawOptions>();
  raw->add_option("method", ro->method, "GET, POST, PATCH or DELETE")->required();
  raw->add_option("path", ro->path, "path under /api/v1/ (or absolute, like /healthz)")->required();
  raw->add_option("-d,--data", ro->data, "request body: JSON/YAML text or @FILE");
  raw->callback([run, ro] { run->action = [run, ro] { return Raw(run, *ro); }; });
}

}  // namespace suanli::cli
