#include "agent/health_poller.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace suanli::agent {
namespace {

std::string Trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r' || s[a] == '\n')) ++a;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r' || s[b - 1] == '\n')) --b;
  return std::string(s.substr(a, b - a));
}

// Our own short names for the critical Xids (NVIDIA's Xid catalogue describes each).
const char* XidName(int xid) {
  switch (xid) {
    case 48: return "double-bit ECC error";
    case 62: return "internal micro-controller halt";
    case 63: return "ECC page retirement or row remapping event";
    case 64: return "ECC page retirement or row remapping failure";
    case 74: return "NVLink error";
    case 79: return "GPU has fallen off the bus";
    case 92: return "high single-bit ECC error rate";
    case 94: return "contained ECC error";
    case 95: return "uncontained ECC error";
    case 119: return "GSP RPC timeout";
    default: return "";
  }
}

}  // namespace

bool IsCriticalXid(int xid) { return *XidName(xid) != '\0'; }

std::optional<XidEvent> ParseXidLine(std::string_view line) {
  constexpr std::string_view kMark = "NVRM: Xid (PCI:";
  auto at = line.find(kMark);
  if (at == std::string_view::npos) return std::nullopt;
  auto rest = line.substr(at + kMark.size());
  auto close = rest.find("):");
  if (close == std::string_view::npos) return std::nullopt;
  XidEvent e;
  e.bus_id = NormalizeBusId(rest.substr(0, close));
  if (e.bus_id.empty()) return std::nullopt;
  rest = rest.substr(close + 2);
  size_t i = 0;
  while (i < rest.size() && rest[i] == ' ') ++i;
  size_t digits = i;
  while (digits < rest.size() && digits - i < 6 && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  if (digits == i) return std::nullopt;
  e.xid = std::stoi(std::string(rest.substr(i, digits - i)));
  // ", pid=1234, name=python3, text" (pid/name since the 470 drivers): keep the text.
  std::string text = Trim(rest.substr(digits));
  if (!text.empty() && text[0] == ',') text = Trim(text.substr(1));
  for (const char* field : {"pid=", "name="})
    if (text.rfind(field, 0) == 0) {
      auto comma = text.find(", ");
      text = comma == std::string::npos ? "" : Trim(text.substr(comma + 2));
    }
  if (text.size() > 160) text.resize(160);
  e.text = text;
  return e;
}

HealthPoller::HealthPoller(const VendorTool& tool, std::string program,
                           const std::vector<DeviceStatus>& inventory, HealthOptions o,
                           ToolRunner run, std::function<void(const std::string&)> log)
    : tool_(tool),
      program_(std::move(program)),
      devices_(static_cast<int>(inventory.size())),
      o_(std::move(o)),
      run_(std::move(run)),
      log_(std::move(log)) {
  if (tool_.name != "nvidia-smi") o_.kmsg.clear();  // Xids are NVIDIA's
  for (const auto& d : inventory)
    if (!d.bus_id.empty()) index_of_bus_[d.bus_id] = d.index;
}

HealthPoller::~HealthPoller() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (kmsg_fd_ >= 0) ::close(kmsg_fd_);
}

void HealthPoller::Report(int device, const std::string& kind, const std::string& detail,
                          std::vector<exec::DeviceFault>* out) {
  if (device < 0 || device >= devices_ || !reported_.insert(device).second) return;
  out->push_back({device, kind, detail});
  if (log_) log_("device " + std::to_string(device) + " fault: " + kind + " (" + detail + ")");
}

std::vector<exec::DeviceFault> HealthPoller::PollOnce() {
  std::vector<exec::DeviceFault> out;
  auto argv = tool_.health_argv;
  argv[0] = program_;
  ToolResult r = run_(argv, o_.tool_timeout_ms);
  std::string error;
  if (!r.started) {
    error = tool_.name + " could not be started";
  } else if (r.timed_out) {
    error = tool_.name + " did not answer within " + std::to_string(o_.tool_timeout_ms) + " ms";
  } else if (r.exit_code != 0) {
    error = tool_.name + " exited with " + std::to_string(r.exit_code);
  }
  if (error.empty()) {
    auto devs = tool_.parse_health(r.out);
    std::set<int> seen;
    for (const auto& d : devs) {
      seen.insert(d.index);
      if (!d.bus_id.empty()) index_of_bus_[d.bus_id] = d.index;
      if (!d.fault_kind.empty()) Report(d.index, d.fault_kind, d.fault_detail, &out);
    }
    // A device the inventory had that the tool no longer lists has gone (fell off the bus).
    if (!devs.empty())
      for (int i = 0; i < devices_; ++i)
        if (!seen.count(i)) Report(i, "lost", tool_.name + " no longer lists it", &out);
  }
  // A failing tool is logged when it starts failing, not every round.
  if (error != last_error_ && log_ && !error.empty()) log_("health poll: " + error);
  last_error_ = error;
  ReadKernelLog(&out);
  return out;
}

void HealthPoller::ReadKernelLog(std::vector<exec::DeviceFault>* out) {
  if (o_.kmsg.empty() || kmsg_failed_) return;
  if (kmsg_fd_ < 0) {
    // From the start of the ring buffer: an Xid since boot still marks the device (a reset
    // clears the device, and the server ignores a report it already holds).
    kmsg_fd_ = ::open(o_.kmsg.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (kmsg_fd_ < 0) {
      kmsg_failed_ = true;
      if (log_) log_("cannot read " + o_.kmsg + " (" + std::strerror(errno) + "): no Xid reports");
      return;
    }
  }
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(kmsg_fd_, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EPIPE)) continue;  // EPIPE: records overwritten
    if (n <= 0) break;  // EAGAIN: nothing new in /dev/kmsg; 0: end of a plain file
    kmsg_partial_.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = kmsg_partial_.find('\n')) != std::string::npos) {
      std::string line = kmsg_partial_.substr(0, nl);
      kmsg_partial_.erase(0, nl + 1);
      auto e = ParseXidLine(line);
      if (!e || !IsCriticalXid(e->xid)) continue;
      auto it = index_of_bus_.find(e->bus_id);
      if (it == index_of_bus_.end()) continue;  // another node's device, or not a GPU we listed
      Report(it->second, "xid",
             "Xid " + std::to_string(e->xid) + ": " + XidName(e->xid) +
                 (e->text.empty() ? "" : "; " + e->text),
             out);
    }
    if (kmsg_partial_.size() > 65536) kmsg_partial_.clear();
  }
}

void HealthPoller::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void HealthPoller::Loop() {
  for (;;) {
    auto faults = PollOnce();
    std::unique_lock<std::mutex> l(mu_);
    for (auto& f : faults) found_.push_back(std::move(f));
    if (cv_.wait_for(l, std::chrono::milliseconds(o_.interval_ms), [this] { return stop_; })) return;
  }
}

std::vector<exec::DeviceFault> HealthPoller::Take() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<exec::DeviceFault> out;
  out.swap(found_);
  return out;
}

}  // namespace suanli::agent
