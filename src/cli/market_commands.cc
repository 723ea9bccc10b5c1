// The market from the command line: `suanli market search` (faceted offer search) and
// `suanli match job.yaml [--accept N]` (one-click match; --accept submits the chosen plan).
#include <filesystem>

#include "cli/commands.h"
#include "cli/job_spec.h"
#include "cli/output.h"
#include "cli/yaml_json.h"

namespace suanli::cli {
namespace {

struct SearchOptions {
  std::map<std::string, std::string> lists;  // facet filter -> comma-separated values
  int min_count = 0;
  double min_memory = 0, min_reliability = 0, max_latency = 0;
  std::string max_price, near, workload, sort, available_at;
  int64_t limit = 20, offset = 0;
};

std::string Fixed(const Json& v, int decimals) {
  if (!v.is_number()) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v.get<double>());
  return buf;
}

// "vendor: NVIDIA 12 · Huawei 3" lines under the table.
void PrintFacets(std::ostream& out, const Json& facets) {
  for (const char* name : {"kind", "vendor", "ecosystem", "province", "tier", "billing_mode"}) {
    const Json f = facets.value(name, Json::object());
    if (f.empty()) continue;
    out << name << ":";
    for (auto it = f.begin(); it != f.end(); ++it) out << "  " << it.key() << " " << it.value().dump();
    out << '\n';
  }
}

Status Search(Runner* run, const SearchOptions& o) {
  std::string q;
  for (const auto& [k, v] : o.lists)
    if (!v.empty()) AppendQuery(&q, k, v);
  if (o.min_count > 0) AppendQuery(&q, "min_count", std::to_string(o.min_count));
  if (o.min_memory > 0) AppendQuery(&q, "min_memory_gib", Fixed(o.min_memory, 1));
  if (o.min_reliability > 0) AppendQuery(&q, "min_reliability", Fixed(o.min_reliability, 5));
  if (!o.max_price.empty()) {
    auto fen = ParseYuan(o.max_price, "--max-price");
    if (!fen) return fen.error();
    AppendQuery(&q, "max_price_fen", std::to_string(*fen));
  }
  if (!o.near.empty()) AppendQuery(&q, "buyer_city", o.near);
  if (o.max_latency > 0) AppendQuery(&q, "max_latency_ms", Fixed(o.max_latency, 2));
  if (!o.workload.empty()) AppendQuery(&q, "workload", o.workload);
  if (!o.sort.empty()) AppendQuery(&q, "sort", o.sort);
  if (!o.available_at.empty()) AppendQuery(&q, "available_at", o.available_at);
  AppendQuery(&q, "limit", std::to_string(o.limit));
  if (o.offset > 0) AppendQuery(&q, "offset", std::to_string(o.offset));
  auto got = run->api().Get("market/offers" + q);
  if (!got) return got.error();
  if (run->global.json) {
    PrintJson(run, *got);
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& it : got->value("items", Json::array())) {
    const Json site = it.value("site", Json::object());
    const std::string model = it.value("accelerator_model", "");
    rows.push_back({Cell(it.value("id", Json())), Cell(it.value("name", Json())),
                    model.empty() ? std::to_string(it.value("cpu_cores", 0)) + " cores"
                                  : std::to_string(it.value("accelerator_count", 0)) + "×" + model,
                    FormatFen(it.value("price_fen_per_hour", int64_t{0})),
                    Fixed(it.value("price_per_pflops_hour_fen", Json()), 0),
                    Cell(site.value("city", Json())), Cell(site.value("tier", Json())),
                    Cell(it.value("billing_mode", Json())),
                    std::to_string(it.value("free_units", int64_t{0})) + "/" +
                        std::to_string(it.value("quantity", int64_t{0})),
                    Fixed(it.value("reliability", Json()), 4),
                    Fixed(it.value("latency_ms", Json()), 1)});
  }
  PrintTable(*run->out, {"ID", "NAME", "UNIT", "PRICE/H", "FEN/PFLOPS·H", "CITY", "TIER", "BILLING",
                         "FREE", "RELIAB", "MS"},
             rows, 40);
  *run->out << got->value("total", 0) << " offers";
  if (got->value("next_offset", Json()).is_number())
    *run->out << " (more with --offset " << (*got)["next_offset"].get<int64_t>() << ")";
  *run->out << '\n';
  PrintFacets(*run->out, got->value("facets", Json::object()));
  return OkStatus();
}

struct MatchOptions {
  std::string file, workload;
  bool split = false, service = false, all = false;
  int plans = 5, accept = 0;
};

std::string Parts(const Json& plan, const char* key) {
  std::string out;
  for (const auto& p : plan.value("parts", Json::array())) {
    if (!out.empty()) out += ",";
    if (std::string(key) == "city") out += Cell(p.value("site", Json::object()).value("city", Json()));
    else if (std::string(key) == "latency_ms") out += Fixed(p.value(key, Json()), 1);
    else out += Cell(p.value(key, Json()));
  }
  return out;
}

Status Match(Runner* run, const MatchOptions& o) {
  auto text = ReadFile(o.file);
  if (!text) return text.error();
  auto catalog = FetchCatalog(run);
  if (!catalog) return catalog.error();
  std::string stem = o.file == "-" ? "job" : std::filesystem::path(o.file).stem().string();
  auto job = JobFromSpec(*text, *catalog, stem);
  if (!job) return job.error();
  Json body = *job;
  if (o.split) body["allow_split"] = true;
  if (o.service) body["service"] = true;
  if (!o.workload.empty()) body["workload"] = o.workload;
  body["max_plans"] = o.plans;
  auto got = run->api().Call("POST", "match", body);
  if (!got) return got.error();
  const Json plans = got->value("plans", Json::array());
  if (o.accept > 0) {
    if (o.accept > static_cast<int>(plans.size()))
      return InvalidArgument("there are " + std::to_string(plans.size()) + " plans; cannot accept plan " +
                                 std::to_string(o.accept), "--accept");
    Json submitted = Json::array();
    for (const auto& b : plans[static_cast<size_t>(o.accept - 1)].value("accept", Json::array())) {
      auto j = run->api().Call("POST", "jobs", b);
      if (!j) return j.error();
      submitted.push_back(*j);
      if (!run->global.json)
        *run->out << "job " << j->value("id", "?") << " submitted under offer "
                  << j->value("offer_id", "?") << " (" << j->value("tasks", 1) << " tasks)\n";
    }
    if (run->global.json) PrintJson(run, {{"plan", plans[static_cast<size_t>(o.accept - 1)]}, {"jobs", submitted}});
    return OkStatus();
  }
  if (run->global.json) {
    PrintJson(run, *got);
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : plans) {
    const Json speed = p.value("speed", Json::object());
    rows.push_back({Cell(p.value("rank", Json())), Cell(p.value("kind", Json())), Parts(p, "offer_id"),
                    Parts(p, "city"), Parts(p, "network_tier"), Parts(p, "latency_ms"),
                    Cell(p.value("start", Json())), FormatFen(p.value("cost_fen", int64_t{0})),
                    FormatFen(p.value("cost_after_vouchers_fen", int64_t{0})),
                    Fixed(speed.value("vs_a100", Json()), 2) + (speed.value("known", true) ? "" : "?"),
                    Fixed(p.value("reliability", Json()), 4)});
  }
  PrintTable(*run->out, {"#", "KIND", "OFFERS", "CITY", "NET", "MS", "START", "COST", "AFTER VOUCHERS",
                         "SPEED", "RELIAB"},
             rows, 40);
  if (plans.empty()) *run->out << "no feasible plan\n";
  const Json rejected = got->value("rejected", Json::array());
  const size_t show = o.all ? rejected.size() : std::min<size_t>(rejected.size(), 15);
  if (!rejected.empty()) *run->out << "not chosen:\n";
  for (size_t i = 0; i < show; ++i)
    *run->out << "  " << Cell(rejected[i].value("offer_id", Json())) << "  "
              << Cell(rejected[i].value("reason", Json())) << '\n';
  if (show < rejected.size())
    *run->out << "  ... and " << rejected.size() - show << " more (--all to list them)\n";
  if (!plans.empty()) *run->out << "accept a plan with: suanli match " << o.file << " --accept 1\n";
  return OkStatus();
}

}  // namespace

void AddMarketCommands(CLI::App* app, Runner* run) {
  auto* market = app->add_subcommand("market", "the compute market (算力市场): search offers");
  market->require_subcommand(1);
  auto* search = market->add_subcommand("search", "search active offers with filters and facets");
  auto o = std::make_shared<SearchOptions>();
  for (const char* f : {"kind", "vendor", "model", "ecosystem", "province", "city", "tier",
                        "billing_mode", "accelerator_count", "memory_gib", "availability"}) {
    std::string flag = std::string("--") + f;
    for (char& c : flag)
      if (c == '_') c = '-';
    search->add_option(flag, o->lists[f], std::string("any of these ") + f + " values (a,b,...)");
  }
  search->add_option("--min-count", o->min_count, "accelerators per unit, at least");
  search->add_option("--min-memory", o->min_memory, "device memory GiB, at least");
  search->add_option("--max-price", o->max_price, "price per unit-hour, yuan, at most");
  search->add_option("--min-reliability", o->min_reliability, "0..1, e.g. 0.999");
  search->add_option("--near", o->near, "the buyer's city (distance and latency)");
  search->add_option("--max-latency", o->max_latency, "ms from --near, at most");
  search->add_option("--workload", o->workload, "training|inference|fp32|hpc|cpu (for PFLOPS)");
  search->add_option("--available-at", o->available_at, "RFC 3339 time the offer must cover");
  search->add_option("--sort", o->sort,
                     "price|price_per_pflops|reliability|distance|speed|id, '-' for descending");
  search->add_option("--limit", o->limit, "offers per page")->capture_default_str();
  search->add_option("--offset", o->offset, "skip this many");
  search->callback([run, o] { run->action = [run, o] { return Search(run, *o); }; });

  auto* match = app->add_subcommand("match", "one-click match (一键匹配): ranked plans for a job spec");
  auto m = std::make_shared<MatchOptions>();
  match->add_option("file", m->file, "job spec (YAML, as for job submit; '-' = stdin)")->required();
  match->add_option("--accept", m->accept, "submit plan N (1 = the best)");
  match->add_flag("--split", m->split, "the tasks may run as independent parts on several sites");
  match->add_flag("--service", m->service, "long-running replicas near location.city, with failover");
  match->add_option("--workload", m->workload, "training|inference|fp32|hpc|cpu (default: guessed)");
  match->add_option("--plans", m->plans, "how many plans")->capture_default_str();
  match->add_flag("--all", m->all, "list every offer not chosen");
  match->callback([run, m] { run->action = [run, m] { return Match(run, *m); }; });
}

}  // namespace suanli::cli
