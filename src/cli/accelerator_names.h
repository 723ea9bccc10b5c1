// Resolving what people type for an accelerator ("H100", "Ascend910B", "V100",
// "nvidia-h100-sxm") to catalog ids, SkyPilot-style. Pure: the catalog is passed in.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace suanli::cli {

struct CatalogEntry {
  std::string id;         // "nvidia-h100-sxm"
  std::string vendor;     // "NVIDIA"
  std::string model;      // "H100 SXM5 80GB"
  std::string ecosystem;  // "CUDA"
};

// Entries from the items of GET /api/v1/accelerators.
std::vector<CatalogEntry> CatalogFromJson(const nlohmann::json& items);

// Catalog ids `name` stands for: an exact id (any case) wins; otherwise every entry whose id
// (without vendor) or model has `name` as a run of its words ("h100", "ascend910b", "v100"
// matches both V100s). InvalidArgument names the field when nothing matches.
Result<std::vector<std::string>> ResolveAccelerator(const std::string& name,
                                                    const std::vector<CatalogEntry>& catalog,
                                                    const std::string& field);

// The entry with this exact id, or nullptr.
const CatalogEntry* FindEntry(const std::vector<CatalogEntry>& catalog, const std::string& id);

}  // namespace suanli::cli
