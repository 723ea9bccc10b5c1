// What the agent's machine has: CPU cores, memory and CPU model from /proc, accelerators from
// the first vendor tool installed that lists any (nvidia-smi, npu-smi, hy-smi, cnmon, rocm-smi:
// vendor_tools.h), named as the catalog names them, or simulated ("8xH100") for tests and
// demos on machines without cards.
#pragma once

#include <string>

#include "agent/vendor_tools.h"
#include "core/status.h"
#include "exec/protocol.h"

namespace suanli::agent {

struct InventoryOptions {
  std::string name;               // default: the host name
  std::string simulate_devices;   // "8xH100", "2xAscend910B,4xT4": skip the vendor tools
  int cpu_cores = 0;              // overrides (0 = detect)
  int64_t memory_gib = 0;
  std::string supernode;
  std::string vendor_tools = "auto";  // "auto", "none", or a comma list ("npu-smi,hy-smi")
  int tool_timeout_ms = 8000;
};

// Parses "8xH100[,2xT4]" into model names (as typed; the server resolves aliases) and counts.
Result<std::vector<domain::NodeAccelerators>> ParseSimulatedDevices(const std::string& spec);

// Parses `nvidia-smi --query-gpu=[index,]name[,pci.bus_id] --format=csv,noheader` output into
// catalog models and counts.
std::vector<domain::NodeAccelerators> ParseNvidiaSmi(const std::string& out);

// The machine's inventory; `devices` (optional) receives the vendor tool's device list, which
// the health poller starts from. `run` runs the vendor tools (RunTool outside tests).
Result<exec::Inventory> DetectInventory(const InventoryOptions& o, DetectedDevices* devices = nullptr,
                                        const ToolRunner& run = RunTool);

}  // namespace suanli::agent
