// The accelerator vendor tools the agent knows, and parsers for what they print: the devices
// (index, name, PCI address) for the inventory, and their health for the fault poller.
// Formats, with samples, in testdata/README.md; names are mapped to the built-in catalog's
// models (data/catalog/accelerators.json) so the server recognises them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/tool_runner.h"
#include "domain/types.h"

namespace suanli::agent {

struct DeviceStatus {
  int index = 0;             // the device's number on the node (the visible-devices variable's)
  std::string name;          // as the tool prints it: "NVIDIA H100 80GB HBM3", "910B3"
  std::string bus_id;        // PCI address, normalised ("0000:3b:00"); empty when not printed
  std::string fault_kind;    // empty when healthy; otherwise ecc | health | lost
  std::string fault_detail;  // "2 uncorrectable ECC errors", "npu-smi health Alarm"
};

using Parser = std::vector<DeviceStatus> (*)(const std::string& out);

struct VendorTool {
  std::string name;    // "nvidia-smi"
  std::string vendor;  // "NVIDIA"
  std::vector<std::string> list_argv;    // lists the devices (inventory)
  Parser parse_list;
  std::vector<std::string> health_argv;  // reports their health (polled)
  Parser parse_health;
  std::vector<std::string> install_paths;  // where vendors install it when it is not on PATH
};

// nvidia-smi, npu-smi, hy-smi, cnmon, rocm-smi: the order in which the agent tries them.
const std::vector<VendorTool>& VendorTools();
const VendorTool* FindVendorTool(std::string_view name);

// `nvidia-smi --query-gpu=index,name,pci.bus_id --format=csv,noheader` (or `name` alone).
std::vector<DeviceStatus> ParseNvidiaSmiList(const std::string& out);
// `nvidia-smi --query-gpu=index,pci.bus_id,ecc.errors.uncorrected.volatile.total,
// retired_pages.pending --format=csv,noheader`: uncorrectable ECC errors, pending page
// retirement, "[GPU is lost]" and "ERR!" values are faults.
std::vector<DeviceStatus> ParseNvidiaSmiHealth(const std::string& out);
// `npu-smi info`: one device per chip row pair; health other than OK or Warning is a fault.
std::vector<DeviceStatus> ParseNpuSmi(const std::string& out);
// `hy-smi --showproductname` and `rocm-smi --showproductname`: "HCU[0] : Card Series: K100_AI".
std::vector<DeviceStatus> ParseProductNames(const std::string& out);
// `cnmon`: the card table; a non-zero Ecc-Error count is a fault.
std::vector<DeviceStatus> ParseCnmon(const std::string& out);

// The catalog id a tool's device name stands for ("NVIDIA H100 80GB HBM3" -> nvidia-h100-sxm,
// "910B3" -> huawei-ascend-910b), or the name unchanged when the catalog has no such model.
std::string CatalogModel(const std::string& name);

// Counts devices per catalog model, in the order they first appear.
std::vector<domain::NodeAccelerators> CountModels(const std::vector<DeviceStatus>& devices);

// "00000000:3B:00.0" and "0000:3b:00" -> "0000:3b:00"; empty when `s` is not a PCI address.
std::string NormalizeBusId(std::string_view s);

struct DetectedDevices {
  const VendorTool* tool = nullptr;  // nullptr: no tool installed, or none listed a device
  std::string program;               // the tool's path as run ("nvidia-smi", "https://gh.072103.xyz/opt/hyhal/bin/hy-smi")
  std::vector<DeviceStatus> devices;
};

// Tries the tools named in `tools` ("auto" = all, "none" = none, or a comma list) in order and
// returns the devices of the first that lists any.
DetectedDevices DetectDevices(const ToolRunner& run, const std::string& tools, int timeout_ms);

}  // namespace suanli::agent
