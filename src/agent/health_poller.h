// Device health polling: every interval the agent runs its vendor tool's health query
// (vendor_tools.h) and, for NVIDIA, reads new Xid events from the kernel log, and reports each
// faulty device once through the sync's fault list (the path injected faults take).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/tool_runner.h"
#include "agent/vendor_tools.h"
#include "exec/protocol.h"

namespace suanli::agent {

// "NVRM: Xid (PCI:0000:3b:00): 79, pid=…, GPU has fallen off the bus." (from /dev/kmsg, where
// the line starts with "PRIO,SEQ,USEC,FLAGS;", or from dmesg).
struct XidEvent {
  std::string bus_id;  // normalised, "0000:3b:00"
  int xid = 0;
  std::string text;    // what follows the number, without pid/name
};
std::optional<XidEvent> ParseXidLine(std::string_view line);

// Xids that mean the device must be taken out of service (uncorrectable or contained ECC
// errors, row-remapping events and failures, NVLink errors, a GPU off the bus, …); the others
// (13, 31, 43, 45…) are usually the application's fault and are ignored.
bool IsCriticalXid(int xid);

struct HealthOptions {
  int interval_ms = 10000;
  int tool_timeout_ms = 8000;
  std::string kmsg = "https://gh.072103.xyz/dev/kmsg";  // NVIDIA Xid source; a plain file in tests; empty = none
};

class HealthPoller {
 public:
  // `program` is the tool's path and `inventory` the devices it listed at registration
  // (DetectedDevices): a device that disappears from the tool's output is reported lost, and
  // their PCI addresses map Xids to devices until the health query answers.
  HealthPoller(const VendorTool& tool, std::string program, const std::vector<DeviceStatus>& inventory,
               HealthOptions o, ToolRunner run, std::function<void(const std::string&)> log = {});
  ~HealthPoller();
  HealthPoller(const HealthPoller&) = delete;
  HealthPoller& operator=(const HealthPoller&) = delete;

  // One round: the faults not reported before (at most one per device, ever).
  std::vector<exec::DeviceFault> PollOnce();

  // Runs PollOnce every interval in a thread until destruction; Take() hands over what it found.
  void Start();
  std::vector<exec::DeviceFault> Take();

 private:
  void Report(int device, const std::string& kind, const std::string& detail,
              std::vector<exec::DeviceFault>* out);
  void ReadKernelLog(std::vector<exec::DeviceFault>* out);
  void Loop();

  const VendorTool& tool_;
  std::string program_;
  int devices_;
  HealthOptions o_;
  ToolRunner run_;
  std::function<void(const std::string&)> log_;
  std::set<int> reported_;
  std::map<std::string, int> index_of_bus_;
  int kmsg_fd_ = -1;
  bool kmsg_failed_ = false;
  std::string kmsg_partial_;
  std::string last_error_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<exec::DeviceFault> found_;
  std::thread thread_;
};

}  // namespace suanli::agent
