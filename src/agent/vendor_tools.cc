#include "agent/vendor_tools.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <sstream>

#include "catalog/catalog.h"

namespace suanli::agent {
namespace {

std::string Trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.push_back(Trim(s.substr(start, i - start)));
      start = i + 1;
    }
  return out;
}

std::vector<std::string> Tokens(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string t;
  while (ss >> t) out.push_back(t);
  return out;
}

bool IsInt(const std::string& s) {
  return !s.empty() && s.size() < 10 &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Family names the tools print with a variant suffix the catalog does not distinguish:
// Ascend 910B1…910B4 ("910B3", "910B4-1") and 910C1… are 910B and 910C; Hygon "Z100L" is a Z100.
std::string FamilyWord(const std::string& word) {
  const std::string w = word.rfind("ascend", 0) == 0 ? word.substr(6) : word;
  auto rest_is = [&](int (*pred)(int)) {
    return std::all_of(w.begin() + 4, w.end(), [&](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
  };
  if (w.size() > 4 && (w.rfind("910b", 0) == 0 || w.rfind("910c", 0) == 0) && rest_is(::isdigit))
    return w.substr(0, 4);
  if (w.size() > 4 && (w.rfind("k100", 0) == 0 || w.rfind("z100", 0) == 0) && rest_is(::isalpha))
    return w.substr(0, 4);
  return word;
}

// Squashed id, alias, model and "vendor model" of every built-in record -> its id.
const std::map<std::string, std::string>& CatalogNames() {
  static const std::map<std::string, std::string> names = [] {
    std::map<std::string, std::string> m;
    for (const auto& a : catalog::BuiltinAccelerators()) {
      m.emplace(catalog::SquashName(a.id), a.id);
      m.emplace(catalog::SquashName(a.model), a.id);
      m.emplace(catalog::SquashName(a.vendor + " " + a.model), a.id);
      for (const auto& alias : catalog::AliasesOf(a.id)) {
        m.emplace(catalog::SquashName(alias), a.id);
      }
    }
    return m;
  }();
  return names;
}

DeviceStatus Fault(DeviceStatus d, std::string kind, std::string detail) {
  d.fault_kind = std::move(kind);
  d.fault_detail = std::move(detail);
  return d;
}

// "| a | b |" -> {"a", "b"}; empty when the line is not a table row.
std::vector<std::string> Cells(const std::string& line) {
  std::string t = Trim(line);
  if (t.size() < 2 || t.front() != '|') return {};
  auto cells = Split(t, '|');
  cells.erase(cells.begin());                      // before the first '|'
  if (!cells.empty() && cells.back().empty()) cells.pop_back();  // after the last one
  return cells;
}

}  // namespace

std::string NormalizeBusId(std::string_view s) {
  std::string t = Trim(s);
  auto parts = Split(t, ':');
  if (parts.size() != 3) return "";
  if (auto dot = parts[2].find('.'); dot != std::string::npos) parts[2].resize(dot);
  unsigned long v[3];
  for (int i = 0; i < 3; ++i) {
    const std::string& p = parts[i];
    if (p.empty() || p.size() > 8 ||
        !std::all_of(p.begin(), p.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
      return "";
    v[i] = std::stoul(p, nullptr, 16);
  }
  if (v[1] > 0xff || v[2] > 0x1f) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lx:%02lx:%02lx", v[0], v[1], v[2]);
  return buf;
}

std::vector<DeviceStatus> ParseNvidiaSmiList(const std::string& out) {
  std::vector<DeviceStatus> devs;
  for (const auto& line : Lines(out)) {
    if (Trim(line).empty() || Trim(line).rfind("No devices", 0) == 0) continue;
    auto f = Split(line, ',');
    DeviceStatus d;
    d.index = static_cast<int>(devs.size());
    if (f.size() >= 2 && IsInt(f[0])) {
      d.index = std::stoi(f[0]);
      d.name = f[1];
      if (f.size() >= 3) d.bus_id = NormalizeBusId(f[2]);
    } else {
      d.name = Trim(line);
    }
    devs.push_back(std::move(d));
  }
  return devs;
}

std::vector<DeviceStatus> ParseNvidiaSmiHealth(const std::string& out) {
  static const char* kFields[] = {"index", "pci.bus_id", "ecc.errors.uncorrected.volatile.total",
                                  "retired_pages.pending"};
  std::vector<DeviceStatus> devs;
  for (const auto& line : Lines(out)) {
    auto f = Split(line, ',');
    if (f.size() < 4 || !IsInt(f[0])) continue;
    DeviceStatus d;
    d.index = std::stoi(f[0]);
    d.bus_id = NormalizeBusId(f[1]);
    std::string bad;
    for (size_t i = 1; i < 4; ++i) {
      if (f[i].find("GPU is lost") != std::string::npos) bad = "lost";
      if (bad.empty() && (f[i] == "ERR!" || f[i].find("Unknown Error") != std::string::npos))
        bad = kFields[i];
    }
    if (bad == "lost") {
      d = Fault(d, "lost", "nvidia-smi: GPU is lost");
    } else if (IsInt(f[2]) && std::stol(f[2]) > 0) {
      d = Fault(d, "ecc", f[2] + " uncorrectable ECC errors since the last driver load");
    } else if (f[3] == "Yes") {
      d = Fault(d, "ecc", "memory pages pending retirement (GPU reset needed)");
    } else if (!bad.empty()) {
      d = Fault(d, "health", "nvidia-smi cannot read " + bad + " (" + f[2] + ")");
    }
    devs.push_back(std::move(d));
  }
  return devs;
}

std::vector<DeviceStatus> ParseNpuSmi(const std::string& out) {
  std::vector<DeviceStatus> devs;
  std::map<std::string, int> rows_per_npu;
  std::vector<std::string> npu_of;  // the NPU id of each device
  int health_col = -1;
  for (const auto& line : Lines(out)) {
    auto cells = Cells(line);
    if (cells.empty()) continue;
    if (std::any_of(cells.begin(), cells.end(),
                    [](const std::string& c) { return c.find("Process id") != std::string::npos; }))
      break;  // the process table follows the devices
    if (health_col < 0) {
      for (size_t i = 0; i < cells.size(); ++i)
        if (cells[i] == "Health") health_col = static_cast<int>(i);
      continue;
    }
    if (static_cast<int>(cells.size()) <= health_col) continue;
    const std::string& h = cells[static_cast<size_t>(health_col)];
    if (!h.empty() && std::all_of(h.begin(), h.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }) &&
        h != "NA") {
      // "| 0     910B3 | OK | …" (or "| 0 | Ascend950DT | OK | …"): a device's first row.
      std::vector<std::string> first = Tokens(cells[0]);
      if (first.empty() || !IsInt(first[0])) continue;
      DeviceStatus d;
      d.index = static_cast<int>(devs.size());
      if (health_col >= 2) {
        d.name = cells[static_cast<size_t>(health_col) - 1];
      } else if (first.size() >= 2) {
        d.name = first[1];
      }
      if (h != "OK" && h != "Warning") d = Fault(d, "health", "npu-smi health " + h);
      ++rows_per_npu[first[0]];
      npu_of.push_back(first[0]);
      devs.push_back(std::move(d));
    } else if (!devs.empty() && devs.back().bus_id.empty()) {
      // "| 0  0 | 0000:C1:00.0 | …": the chip row under it.
      devs.back().bus_id = NormalizeBusId(h);
    }
  }
  // Atlas A3 machines print their 910C packages as "Ascend910" with two chips (dies) each.
  for (size_t i = 0; i < devs.size(); ++i)
    if (devs[i].name == "Ascend910" && rows_per_npu[npu_of[i]] >= 2) devs[i].name = "Ascend910 (910C)";
  return devs;
}

std::vector<DeviceStatus> ParseProductNames(const std::string& out) {
  std::vector<DeviceStatus> devs;
  for (const auto& line : Lines(out)) {
    const std::string t = Trim(line);
    auto open = t.find('['), close = t.find(']');
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    const std::string idx = t.substr(open + 1, close - open - 1);
    const auto key = Lower(t).find("card series:");
    if (!IsInt(idx) || key == std::string::npos) continue;
    DeviceStatus d;
    d.index = std::stoi(idx);
    d.name = Trim(t.substr(key + 12));
    if (!d.name.empty()) devs.push_back(std::move(d));
  }
  return devs;
}

std::vector<DeviceStatus> ParseCnmon(const std::string& out) {
  std::vector<DeviceStatus> devs;
  bool in_table = false;
  for (const auto& line : Lines(out)) {
    auto cells = Cells(line);
    if (cells.empty()) continue;
    if (cells[0].find("Processes:") != std::string::npos) break;
    if (cells[0].find("Card") != std::string::npos && cells[0].find("Name") != std::string::npos) {
      in_table = true;
      continue;
    }
    if (!in_table || cells.size() < 3) continue;
    // "| 0     /   MLU370-X8    v1.1.6 |  0000:1A:00.0 | 0%   0 |": card, VF, name, firmware.
    auto first = Tokens(cells[0]);
    if (first.size() < 3 || !IsInt(first[0])) continue;
    DeviceStatus d;
    d.index = std::stoi(first[0]);
    d.name = first[2];
    d.bus_id = NormalizeBusId(cells[1]);
    auto util = Tokens(cells[2]);
    if (!util.empty() && IsInt(util.back()) && std::stol(util.back()) > 0)
      d = Fault(d, "ecc", "cnmon reports " + util.back() + " ECC errors");
    devs.push_back(std::move(d));
  }
  return devs;
}

std::string CatalogModel(const std::string& name) {
  const auto& names = CatalogNames();
  if (auto it = names.find(catalog::SquashName(name)); it != names.end()) return it->second;
  std::vector<std::string> words = catalog::NameWords(name);
  for (auto& w : words) w = FamilyWord(w);
  // The longest run of consecutive words that is a catalog name: "rtx 4090" before "4090".
  for (size_t len = words.size(); len >= 1; --len)
    for (size_t i = 0; i + len <= words.size(); ++i) {
      std::string run;
      for (size_t j = i; j < i + len; ++j) run += words[j];
      if (auto it = names.find(run); it != names.end()) return it->second;
    }
  return name;
}

std::vector<domain::NodeAccelerators> CountModels(const std::vector<DeviceStatus>& devices) {
  std::vector<domain::NodeAccelerators> out;
  for (const auto& d : devices) {
    const std::string model = CatalogModel(d.name);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& a) { return a.model == model; });
    if (it == out.end()) {
      out.push_back({model, 1});
    } else {
      ++it->count;
    }
  }
  return out;
}

const std::vector<VendorTool>& VendorTools() {
  static const std::vector<VendorTool> tools = {
      {"nvidia-smi", "NVIDIA",
       {"nvidia-smi", "--query-gpu=index,name,pci.bus_id", "--format=csv,noheader"},
       ParseNvidiaSmiList,
       {"nvidia-smi",
        "--query-gpu=index,pci.bus_id,ecc.errors.uncorrected.volatile.total,retired_pages.pending",
        "--format=csv,noheader"},
       ParseNvidiaSmiHealth,
       {}},
      {"npu-smi", "Huawei", {"npu-smi", "info"}, ParseNpuSmi, {"npu-smi", "info"}, ParseNpuSmi,
       {"https://gh.072103.xyz/usr/local/sbin/npu-smi", "https://gh.072103.xyz/usr/local/Ascend/driver/tools/npu-smi"}},
      {"hy-smi", "Hygon", {"hy-smi", "--showproductname"}, ParseProductNames,
       {"hy-smi", "--showproductname"}, ParseProductNames, {"https://gh.072103.xyz/opt/hyhal/bin/hy-smi"}},
      {"cnmon", "Cambricon", {"cnmon"}, ParseCnmon, {"cnmon"}, ParseCnmon, {}},
      {"rocm-smi", "AMD", {"rocm-smi", "--showproductname"}, ParseProductNames,
       {"rocm-smi", "--showproductname"}, ParseProductNames, {"https://gh.072103.xyz/opt/rocm/bin/rocm-smi"}},
  };
  return tools;
}

const VendorTool* FindVendorTool(std::string_view name) {
  for (const auto& t : VendorTools())
    if (t.name == name) return &t;
  return nullptr;
}

DetectedDevices DetectDevices(const ToolRunner& run, const std::string& tools, int timeout_ms) {
  DetectedDevices found;
  if (tools == "none") return found;
  const auto wanted = Split(tools, ',');
  for (const auto& tool : VendorTools()) {
    if (tools != "auto" && std::find(wanted.begin(), wanted.end(), tool.name) == wanted.end()) continue;
    std::vector<std::string> programs = {tool.name};
    programs.insert(programs.end(), tool.install_paths.begin(), tool.install_paths.end());
    for (const auto& program : programs) {
      auto argv = tool.list_argv;
      argv[0] = program;
      ToolResult r = run(argv, timeout_ms);
      if (!r.started) continue;  // not there: try where vendors install it
      if (r.ok()) found.devices = tool.parse_list(r.out);
      if (!found.devices.empty()) {
        found.tool = &tool;
        found.program = program;
        return found;
      }
      break;  // installed, but it lists no device: try the next tool
    }
  }
  return found;
}

}  // namespace suanli::agent
