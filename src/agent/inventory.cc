#include "agent/inventory.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace suanli::agent {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace

Result<std::vector<domain::NodeAccelerators>> ParseSimulatedDevices(const std::string& spec) {
  std::vector<domain::NodeAccelerators> out;
  std::stringstream ss(spec);
  std::string part;
  while (std::getline(ss, part, ',')) {
    part = Trim(part);
    auto x = part.find_first_of("xX");
    int count = 0;
    try {
      count = x == std::string::npos ? 0 : std::stoi(part.substr(0, x));
    } catch (const std::exception&) {
      count = 0;
    }
    if (count <= 0 || count > 64 || x + 1 >= part.size())
      return Err(InvalidArgument("expected COUNTxMODEL like 8xH100, got \"" + part + "\"",
                                 "simulate-devices"));
    out.push_back({part.substr(x + 1), count});
  }
  if (out.empty()) return Err(InvalidArgument("expected COUNTxMODEL like 8xH100", "simulate-devices"));
  return out;
}

std::vector<domain::NodeAccelerators> ParseNvidiaSmi(const std::string& out) {
  return CountModels(ParseNvidiaSmiList(out));
}

Result<exec::Inventory> DetectInventory(const InventoryOptions& o, DetectedDevices* devices,
                                        const ToolRunner& run) {
  exec::Inventory inv;
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  inv.name = o.name.empty() ? std::string(host) : o.name;
  inv.cpu_cores = o.cpu_cores > 0 ? o.cpu_cores
                                  : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  inv.memory_gib = o.memory_gib;
  if (inv.memory_gib <= 0) {
    std::ifstream mem("/proc/meminfo");
    std::string key;
    int64_t kb = 0;
    std::string unit;
    while (mem >> key >> kb >> unit)
      if (key == "MemTotal:") break;
    inv.memory_gib = std::max<int64_t>(1, kb / (1024 * 1024));
  }
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpu, line))
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      inv.cpu_model = Trim(line.substr(line.find(':') + 1));
      break;
    }
  inv.supernode = o.supernode;
  if (!o.simulate_devices.empty()) {
    auto accs = ParseSimulatedDevices(o.simulate_devices);
    if (!accs) return Err(accs.error());
    inv.accelerators = *accs;
    inv.labels["devices"] = "simulated";
  } else {
    DetectedDevices found = DetectDevices(run, o.vendor_tools, o.tool_timeout_ms);
    if (found.tool) {
      inv.accelerators = CountModels(found.devices);
      inv.labels["devices"] = found.tool->name;
    }
    if (devices) *devices = std::move(found);
  }
  return inv;
}

}  // namespace suanli::agent
