// One-click publish (一键发布): an offer whose shape, quantity and name default from what the
// pool really has. The planning is pure so it can be tested without a server.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/accelerator_names.h"
#include "core/status.h"

namespace suanli::cli {

// What the supplier said; zero / empty means "derive it from the pool".
struct PublishRequest {
  std::string pool_id;
  std::string accelerator;  // catalog id or a name like "H100"
  int count = 0;            // accelerators per unit
  int cpus = 0;             // CPU cores per unit
  int64_t memory_gib = 0;   // memory per unit
  int64_t quantity = 0;     // units
  std::string price;        // yuan per unit-hour (required)
  std::string billing = "on_demand";
  int term_days = 0;  // reserved offers; default 30
  std::string name;
};

// The offer JSON for POST /offers. `nodes` are the pool's nodes, `offers` its active offers.
// Defaults: the most common accelerator model of the pool and its most common per-node count;
// CPU and memory per unit in proportion to the leanest node holding that model; a quantity of
// the devices (or, for CPU-only pools, cores) that no active offer sells yet, divided by the
// unit. CPU-only pools sell units of --cpus cores (default 1).
Result<nlohmann::json> PlanOffer(const PublishRequest& req, const nlohmann::json& nodes,
                                 const nlohmann::json& offers,
                                 const std::vector<CatalogEntry>& catalog);

}  // namespace suanli::cli
