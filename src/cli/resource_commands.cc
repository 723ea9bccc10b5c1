// The generic verbs every resource has: list, get, create, update, delete.
#include <algorithm>
#include <map>
#include <set>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/yaml_json.h"
#include "domain/schema.h"

namespace suanli::cli {
namespace {

using Json = nlohmann::json;

std::string Dashed(std::string s) {
  std::replace(s.begin(), s.end(), '_', '-');
  return s;
}

// Flag names for a filter on `f`: the field's own name plus short forms (--pool for pool_id,
// --billing for billing_mode, --accelerator for accelerators / accelerator_model).
std::vector<std::string> FilterNames(const FieldInfo& f) {
  std::vector<std::string> names = {Dashed(f.name)};
  auto strip = [&](const std::string& suffix) {
    if (f.name.size() > suffix.size() && f.name.ends_with(suffix))
      names.push_back(Dashed(f.name.substr(0, f.name.size() - suffix.size())));
  };
  strip("_id");
  strip("_mode");
  if (f.name == "accelerator_model") strip("_model");
  if ((f.type == "array" || f.type == "object") && f.name.ends_with("s")) strip("s");
  return names;
}

// Adds an option under the names not yet taken in this subcommand.
void AddOption(CLI::App* cmd, std::set<std::string>* taken, const std::vector<std::string>& names,
               std::string* target, const std::string& help) {
  std::string spec;
  for (const auto& n : names) {
    if (!taken->insert(n).second) continue;
    spec += (spec.empty() ? "--" : ",--") + n;
  }
  if (!spec.empty()) cmd->add_option(spec, *target, help);
}

void PrintList(Runner* run, const ResourceDef& r, const Json& page) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : page.value("items", Json::array())) {
    std::vector<std::string> row;
    for (const auto& c : r.columns) row.push_back(c.cell(item));
    rows.push_back(std::move(row));
  }
  std::vector<std::string> headers;
  for (const auto& c : r.columns) headers.push_back(c.header);
  PrintTable(*run->out, headers, rows);
  int64_t offset = page.value("offset", 0), total = page.value("total", 0);
  std::string footer = rows.empty() ? "no " + r.plural + " (of " + std::to_string(total) + ")"
                                    : std::to_string(offset + 1) + "-" +
                                          std::to_string(offset + static_cast<int64_t>(rows.size())) +
                                          " of " + std::to_string(total) + " " + r.plural;
  if (page.contains("next_offset") && page["next_offset"].is_number())
    footer += "; more with --offset " + std::to_string(page["next_offset"].get<int64_t>()) + " or --all";
  *run->err << footer << '\n';
}

struct ListOptions {
  int64_t limit = -1, offset = -1;
  std::string sort;
  std::vector<std::string> filters;
  std::map<std::string, std::string> named;
  bool all = false;
};

Status List(Runner* run, const ResourceDef& r, const ListOptions& o) {
  std::string q;
  if (o.limit >= 0) AppendQuery(&q, "limit", std::to_string(o.limit));
  if (!o.sort.empty()) AppendQuery(&q, "sort", o.sort);
  for (const auto& [k, v] : o.named)
    if (!v.empty()) AppendQuery(&q, k, v);
  for (const auto& f : o.filters) {
    size_t eq = f.find('=');
    if (eq == std::string::npos || eq == 0)
      return InvalidArgument("must be key=value, got \"" + f + "\"", "--filter");
    AppendQuery(&q, f.substr(0, eq), f.substr(eq + 1));
  }
  int64_t offset = std::max<int64_t>(o.offset, 0);
  Json page;
  Json all_items = Json::array();
  for (int pages = 0;; ++pages) {
    std::string target = r.plural + q;
    if (offset > 0 || o.all) AppendQuery(&target, "offset", std::to_string(offset));
    auto got = run->api().Get(target);
    if (!got) return got.error();
    page = std::move(*got);
    if (!o.all) break;
    for (auto& it : page.value("items", Json::array())) all_items.push_back(std::move(it));
    if (!page.contains("next_offset") || !page["next_offset"].is_number() || pages > 100000) break;
    offset = page["next_offset"].get<int64_t>();
  }
  if (o.all) {
    page["items"] = std::move(all_items);
    page["offset"] = std::max<int64_t>(o.offset, 0);
    page["next_offset"] = nullptr;
  }
  if (run->global.json) {
    *run->out << page.dump() << '\n';
  } else {
    PrintList(run, r, page);
  }
  return OkStatus();
}

// Sets body[a][b]... = value for a dotted key.
void SetPath(Json* body, const std::string& key, Json value) {
  Json* at = body;
  size_t start = 0;
  for (size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1) {
    Json& next = (*at)[key.substr(start, dot - start)];
    if (!next.is_object()) next = Json::object();
    at = &next;
  }
  (*at)[key.substr(start)] = std::move(value);
}

}  // namespace

Result<Json> BuildBody(const ResourceDef& r, const std::string& file,
                       const std::map<std::string, std::string>& fields,
                       const std::vector<std::string>& sets) {
  Json body = Json::object();
  if (!file.empty()) {
    auto text = ReadFile(file);
    if (!text) return Err(text.error());
    auto parsed = YamlToJson(*text);
    if (!parsed) return Err(Status(parsed.error().code(), file + ": " + parsed.error().message()));
    if (!parsed->is_object()) return Err(InvalidArgument("must hold one object", file));
    body = std::move(*parsed);
  }
  for (const auto& [k, v] : fields) body[k] = FieldValue(r, k, v);
  for (const auto& s : sets) {
    size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      return Err(InvalidArgument("must be key=value, got \"" + s + "\"", "--set"));
    std::string key = s.substr(0, eq);
    SetPath(&body, key, FieldValue(r, key, s.substr(eq + 1)));
  }
  return body;
}

void PrintJson(Runner* run, const Json& j) { *run->out << j.dump(2) << '\n'; }

void AddResourceCommands(CLI::App* noun, Runner* run, const ResourceDef& r,
                         const std::vector<std::string>& skip) {
  auto skipped = [&](const char* v) { return std::find(skip.begin(), skip.end(), v) != skip.end(); };
  const std::string path = r.plural + "/";

  auto* list = noun->add_subcommand("list", "list " + r.plural + " (table; --json for scripts)");
  auto lo = std::make_shared<ListOptions>();
  std::set<std::string> taken = {"limit", "offset", "sort", "filter", "all", "json", "server", "token"};
  list->add_option("--limit", lo->limit, "page size")->check(CLI::Range(int64_t{0}, int64_t{100000}));
  list->add_option("--offset", lo->offset, "skip this many")->check(CLI::NonNegativeNumber);
  list->add_option("--sort", lo->sort, "sort key: field or -field (descending)");
  list->add_option("--filter", lo->filters, "key=value (repeatable): exact match on a field");
  list->add_flag("--all", lo->all, "follow every page");
  for (const auto& f : r.fields) {
    if (!(f.flags & domain::kFilterable)) continue;
    AddOption(list, &taken, FilterNames(f), &lo->named[f.name], "filter: " + f.name + " =");
  }
  list->callback([run, &r, lo] { run->action = [run, &r, lo] { return List(run, r, *lo); }; });

  if (!skipped("get")) {
    auto* get = noun->add_subcommand("get", "show one " + r.noun);
    auto id = std::make_shared<std::string>();
    get->add_option("id", *id, r.noun + " id")->required();
    get->callback([run, path, id] {
      run->action = [run, path, id]() -> Status {
        auto got = run->api().Get(path + client::UrlEncode(*id));
        if (!got) return got.error();
        if (run->global.json) PrintJson(run, *got); else PrintObject(*run->out, *got);
        return OkStatus();
      };
    });
  }

  for (const bool create : {true, false}) {
    if (skipped(create ? "create" : "update")) continue;
    auto* cmd = noun->add_subcommand(create ? "create" : "update",
                                     (create ? "create a " : "change a ") + r.noun +
                                         " from field flags, --set key=value and/or -f FILE");
    struct Opts {
      std::string id, file;
      std::map<std::string, std::string> fields;
      std::vector<std::string> sets;
      int64_t if_version = -1;
    };
    auto o = std::make_shared<Opts>();
    if (!create) {
      cmd->add_option("id", o->id, r.noun + " id")->required();
      cmd->add_option("--if-version", o->if_version, "fail with a conflict unless the " + r.noun +
                                                         " is still at this version");
    }
    cmd->add_option("-f,--file", o->file, "JSON or YAML file with the fields ('-' = stdin)");
    cmd->add_option("--set", o->sets, "key=value (repeatable; value parsed as JSON when it is)");
    std::set<std::string> names = {"file", "set", "if-version", "json", "server", "token"};
    for (const auto& f : r.fields) {
      if (f.flags & domain::kServer) continue;
      if (!create && (f.flags & domain::kImmutable)) continue;
      std::string help = f.description + ((create && (f.flags & domain::kRequired)) ? " (required)" : "");
      std::vector<std::string> opt_names = {Dashed(f.name)};
      if (f.name.find('_') != std::string::npos) opt_names.push_back(f.name);
      // Only flags actually given land in the body.
      std::string spec;
      for (const auto& n : opt_names)
        if (names.insert(n).second) spec += (spec.empty() ? "--" : ",--") + n;
      if (spec.empty()) continue;
      std::string field = f.name;
      cmd->add_option_function<std::string>(spec, [o, field](const std::string& v) { o->fields[field] = v; }, help);
    }
    cmd->callback([run, &r, path, o, create] {
      run->action = [run, &r, path, o, create]() -> Status {
        auto body = BuildBody(r, o->file, o->fields, o->sets);
        if (!body) return body.error();
        if (o->if_version >= 0) (*body)["version"] = o->if_version;
        if (body->empty()) return InvalidArgument("nothing to " + std::string(create ? "create" : "change") +
                                                  ": give field flags, --set or -f (see --help)");
        auto got = create ? run->api().Call("POST", r.plural, *body)
                          : run->api().Call("PATCH", path + client::UrlEncode(o->id), *body);
        if (!got) return got.error();
        if (run->global.json) {
          PrintJson(run, *got);
        } else {
          *run->out << (create ? "created " : "updated ") << r.noun << " " << got->value("id", o->id)
                    << " (version " << got->value("version", 0) << ")\n";
        }
        return OkStatus();
      };
    });
  }

  if (!skipped("delete")) {
    auto* del = noun->add_subcommand("delete", "delete a " + r.noun);
    auto id = std::make_shared<std::string>();
    del->add_option("id", *id, r.noun + " id")->required();
    del->callback([run, path, &r, id] {
      run->action = [run, path, &r, id]() -> Status {
        auto got = run->api().Delete(path + client::UrlEncode(*id));
        if (!got) return got.error();
        if (run->global.json) PrintJson(run, Json{{"deleted", *id}});
        else *run->out << "deleted " << r.noun << " " << *id << '\n';
        return OkStatus();
      };
    });
  }
}

}  // namespace suanli::cli
