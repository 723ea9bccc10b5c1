// What the agent's machine has: CPU cores, memory and CPU model from /proc, accelerators from
// the vendor tool when one is installed (nvidia-smi), or simulated ("8xH100") for tests and
// demos on machines without cards.
#pragma once

#include <string>

#include "core/status.h"
#include "exec/protocol.h"

namespace suanli::agent {

struct InventoryOptions {
  std::string name;               // default: the host name
  std::string simulate_devices;   // "8xH100", "2xAscend910B,4xT4": skip the vendor tools
  int cpu_cores = 0;              // overrides (0 = detect)
  int64_t memory_gib = 0;
  std::string supernode;
};

// Parses "8xH100[,2xT4]" into model names (as typed; the server resolves aliases) and counts.
Result<std::vector<domain::NodeAccelerators>> ParseSimulatedDevices(const std::string& spec);

// Parses `nvidia-smi --query-gpu=name --format=csv,noheader` output into models and counts.
std::vector<domain::NodeAccelerators> ParseNvidiaSmi(const std::string& out);

Result<exec::Inventory> DetectInventory(const InventoryOptions& o);

}  // namespace suanli::agent
