#include "cli/offer_publish.h"

#include <algorithm>
#include <map>

#include "cli/commands.h"
#include "cli/job_spec.h"
#include "cli/output.h"

namespace suanli::cli {
namespace {

using Json = nlohmann::json;

int ModelCount(const Json& node, const std::string& model) {
  for (const auto& a : node.value("accelerators", Json::array()))
    if (a.value("model", "") == model) return a.value("count", 0);
  return 0;
}

// The key with the highest count; ties go to the larger key (more devices per node).
template <class K>
K MostCommon(const std::map<K, int>& counts) {
  K best{};
  int n = -1;
  for (const auto& [k, c] : counts)
    if (c >= n) best = k, n = c;
  return best;
}

Result<std::string> PickModel(const PublishRequest& req, const Json& nodes,
                              const std::vector<CatalogEntry>& catalog) {
  std::map<std::string, int> models;  // model -> nodes holding it
  for (const auto& n : nodes)
    for (const auto& a : n.value("accelerators", Json::array())) models[a.value("model", "")]++;
  if (req.accelerator.empty()) return models.empty() ? std::string() : MostCommon(models);
  auto ids = ResolveAccelerator(req.accelerator, catalog, "accelerator");
  if (!ids) return Err(ids.error());
  std::vector<std::string> present;
  for (const auto& id : *ids)
    if (models.count(id)) present.push_back(id);
  if (present.size() == 1) return present[0];
  std::string have;
  for (const auto& [m, c] : models) have += (have.empty() ? "" : ", ") + m;
  if (present.empty())
    return Err(InvalidArgument("the pool has no " + req.accelerator +
                                   (have.empty() ? " (it has no accelerators)" : " (it has " + have + ")"),
                               "accelerator"));
  return Err(InvalidArgument(req.accelerator + " is ambiguous here: " + have, "accelerator"));
}

std::string BillingName(const std::string& b) {
  return b == "reserved" ? "包月" : b == "spot" ? "竞价" : "按需";
}

}  // namespace

Result<Json> PlanOffer(const PublishRequest& req, const Json& nodes, const Json& offers,
                       const std::vector<CatalogEntry>& catalog) {
  auto price = ParseYuan(req.price, "price");
  if (!price) return Err(price.error());
  if (!nodes.is_array() || nodes.empty())
    return Err(FailedPrecondition("the pool has no nodes yet; add nodes before publishing", "pool"));
  auto model = PickModel(req, nodes, catalog);
  if (!model) return Err(model.error());
  const bool cpu_only = model->empty();

  Json offer = {{"pool_id", req.pool_id}, {"billing_mode", req.billing}};
  int64_t supply = 0, sold = 0, per_unit = 0;
  int64_t cpu = req.cpus, mem = req.memory_gib;
  if (cpu_only) {
    per_unit = cpu > 0 ? cpu : 1;
    cpu = per_unit;
    double mem_per_core = 1e18;
    for (const auto& n : nodes) {
      supply += n.value("cpu_cores", 0);
      int cores = std::max(1, n.value("cpu_cores", 1));
      mem_per_core = std::min(mem_per_core, n.value("memory_gib", 0.0) / cores);
    }
    if (mem == 0) mem = std::max<int64_t>(1, static_cast<int64_t>(mem_per_core * per_unit));
    for (const auto& o : offers)
      if (o.value("accelerator_model", "").empty()) sold += o.value("quantity", int64_t{0}) * o.value("cpu_cores", 0);
  } else {
    std::map<int, int> per_node;  // devices per node -> nodes
    double cpu_per_dev = 1e18, mem_per_dev = 1e18;
    for (const auto& n : nodes) {
      int c = ModelCount(n, *model);
      if (c == 0) continue;
      supply += c;
      per_node[c]++;
      cpu_per_dev = std::min(cpu_per_dev, n.value("cpu_cores", 0.0) / c);
      mem_per_dev = std::min(mem_per_dev, n.value("memory_gib", 0.0) / c);
    }
    per_unit = req.count > 0 ? req.count : MostCommon(per_node);
    if (cpu == 0) cpu = static_cast<int64_t>(cpu_per_dev * per_unit);
    if (mem == 0) mem = static_cast<int64_t>(mem_per_dev * per_unit);
    offer["accelerator_model"] = *model;
    offer["accelerator_count"] = per_unit;
    for (const auto& o : offers)
      if (o.value("accelerator_model", "") == *model)
        sold += o.value("quantity", int64_t{0}) * o.value("accelerator_count", 0);
  }
  offer["cpu_cores"] = cpu;
  offer["memory_gib"] = mem;
  int64_t quantity = req.quantity > 0 ? req.quantity : (supply - sold) / per_unit;
  if (quantity <= 0)
    return Err(ResourceExhausted("the pool's " + std::to_string(supply) + (cpu_only ? " cores" : " devices") +
                                     " are already offered (" + std::to_string(sold) + " sold by active offers)",
                                 "quantity"));
  offer["quantity"] = quantity;
  offer["price_fen_per_hour"] = *price;
  if (req.billing == "reserved") offer["reserved_term_days"] = req.term_days > 0 ? req.term_days : 30;
  else if (req.term_days > 0) offer["reserved_term_days"] = req.term_days;
  std::string name = req.name;
  if (name.empty()) {
    if (cpu_only) {
      name = std::to_string(cpu) + "核" + std::to_string(mem) + "G 通用算力";
    } else {
      const CatalogEntry* e = FindEntry(catalog, *model);
      name = std::to_string(per_unit) + "卡 " + (e && !e->model.empty() ? e->model : *model);
    }
    name += " · " + BillingName(req.billing);
  }
  offer["name"] = name;
  return offer;
}

namespace {

// Every item of a list endpoint, page by page.
Result<Json> FetchAll(Runner* run, std::string target) {
  Json items = Json::array();
  int64_t offset = 0;
  for (;;) {
    auto page = run->api().Get(target + "&limit=1000&offset=" + std::to_string(offset));
    if (!page) return Err(page.error());
    for (auto& it : page->value("items", Json::array())) items.push_back(std::move(it));
    if (!page->contains("next_offset") || !(*page)["next_offset"].is_number()) break;
    offset = (*page)["next_offset"].get<int64_t>();
  }
  return items;
}

Status Publish(Runner* run, const PublishRequest& req, bool dry_run) {
  const std::string pool = client::UrlEncode(req.pool_id);
  auto pool_obj = run->api().Get("pools/" + pool);  // a clear not_found for a wrong pool id
  if (!pool_obj) return pool_obj.error();
  auto nodes = FetchAll(run, "nodes?pool_id=" + pool);
  if (!nodes) return nodes.error();
  auto offers = FetchAll(run, "offers?state=active&pool_id=" + pool);
  if (!offers) return offers.error();
  auto catalog = run->api().Get("accelerators?limit=1000");
  if (!catalog) return catalog.error();
  auto offer = PlanOffer(req, *nodes, *offers, CatalogFromJson(catalog->value("items", Json::array())));
  if (!offer) return offer.error();
  if (dry_run) {
    PrintJson(run, *offer);
    return OkStatus();
  }
  auto got = run->api().Call("POST", "offers", *offer);
  if (!got) return got.error();
  if (run->global.json) {
    PrintJson(run, *got);
    return OkStatus();
  }
  *run->out << "published offer " << got->value("id", "?") << ": " << got->value("name", "") << ", "
            << got->value("quantity", 0) << " × unit at " << FormatFen(got->value("price_fen_per_hour", 0))
            << "/h (" << got->value("billing_mode", "") << ")\n";
  return OkStatus();
}

}  // namespace

void AddOfferPublish(CLI::App* offer, Runner* run) {
  auto* cmd = offer->add_subcommand(
      "publish", "one-click publish: an offer with defaults from the pool's inventory");
  struct Opts {
    PublishRequest req;
    bool dry_run = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--pool", o->req.pool_id, "pool id")->required();
  cmd->add_option("--price", o->req.price, "yuan per unit-hour, e.g. 25.5")->required();
  cmd->add_option("--accelerator", o->req.accelerator, "model (default: the pool's most common)");
  cmd->add_option("--count", o->req.count, "accelerators per unit (default: per node)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--cpus", o->req.cpus, "CPU cores per unit")->check(CLI::Range(1, 4096));
  cmd->add_option("--memory", o->req.memory_gib, "memory GiB per unit")->check(CLI::Range(1, 65536));
  cmd->add_option("--quantity", o->req.quantity, "units (default: all not yet offered)")
      ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}));
  cmd->add_option("--billing", o->req.billing, "billing mode")
      ->check(CLI::IsMember({"on_demand", "reserved", "spot"}))->capture_default_str();
  cmd->add_option("--term-days", o->req.term_days, "term of a reserved offer (default 30)")
      ->check(CLI::Range(1, 3650));
  cmd->add_option("--name", o->req.name, "offer title (default e.g. \"8卡 H100 SXM5 80GB · 按需\")");
  cmd->add_flag("--dry-run", o->dry_run, "print the offer instead of publishing it");
  cmd->callback([run, o] { run->action = [run, o] { return Publish(run, o->req, o->dry_run); }; });
}

}  // namespace suanli::cli
