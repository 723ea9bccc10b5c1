#include "agent/inventory.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
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

// Runs a fixed vendor tool (no shell) and returns its stdout, or nullopt when it is missing
// or fails.
std::optional<std::string> RunTool(const std::vector<std::string>& argv) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return std::nullopt;
  pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  ::close(pipefd[1]);
  std::string out;
  std::array<char, 4096> buf;
  ssize_t n;
  while ((n = ::read(pipefd[0], buf.data(), buf.size())) > 0) out.append(buf.data(), n);
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return out;
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
  std::map<std::string, int> counts;
  std::vector<std::string> order;
  std::stringstream ss(out);
  std::string line;
  while (std::getline(ss, line)) {
    line = Trim(line);
    if (line.empty()) continue;
    if (line.rfind("NVIDIA ", 0) == 0) line = line.substr(7);  // "NVIDIA H100 80GB HBM3"
    if (!counts.count(line)) order.push_back(line);
    ++counts[line];
  }
  std::vector<domain::NodeAccelerators> accs;
  for (const auto& m : order) accs.push_back({m, counts[m]});
  return accs;
}

Result<exec::Inventory> DetectInventory(const InventoryOptions& o) {
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
  } else if (auto smi = RunTool({"nvidia-smi", "--query-gpu=name", "--format=csv,noheader"})) {
    inv.accelerators = ParseNvidiaSmi(*smi);
    inv.labels["devices"] = "nvidia-smi";
  }
  return inv;
}

}  // namespace suanli::agent
