// Value types shared by the scheduling engine: what a task asks for and where it was put.
// Units are explicit in the names: CPU in milli-cores, memory in MiB, accelerators in
// milli-units of one device (1000 = one whole device).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace suanli::sched {

inline constexpr int kMilliPerDevice = 1000;
inline constexpr int kMaxDevicesPerNode = 16;
inline constexpr int kMaxModels = 64;  // model ids index a 64-bit mask

// Dense index of a node inside one Cluster; stable until the node is removed.
using NodeSlot = uint32_t;
// Interned accelerator model (index into Cluster's model table).
using ModelId = uint16_t;
// Interned super-node / interconnect domain.
using DomainId = uint32_t;
// Bit m set = model m allowed.
using ModelMask = uint64_t;
inline constexpr ModelMask kAnyModel = ~ModelMask{0};

// Identifies one placement (a whole gang) made by the Engine; never reused.
struct AllocationId {
  uint64_t value = 0;
  auto operator<=>(const AllocationId&) const = default;
};

// What one task needs. A sharing task has gpu_count == 1 and 0 < gpu_milli < 1000; a
// whole-device task has gpu_milli == 1000 and gpu_count >= 1; a CPU-only task has
// gpu_count == 0.
struct TaskDemand {
  int64_t cpu_milli = 0;
  int64_t memory_mib = 0;
  int gpu_count = 0;
  int gpu_milli = 0;  // per device

  bool is_sharing() const { return gpu_count == 1 && gpu_milli < kMilliPerDevice; }
  bool uses_gpu() const { return gpu_count > 0 && gpu_milli > 0; }
  int64_t total_gpu_milli() const { return int64_t{gpu_count} * gpu_milli; }
};

// A gang of identical tasks placed all-or-nothing. `model_mask` is the set of allowed models
// (the Cluster resolves names and ecosystems into it with ResolveModels).
struct Request {
  TaskDemand task;
  int gang_size = 1;
  ModelMask model_mask = kAnyModel;
  // Gangs prefer one domain; with require_same_domain they fail rather than spread.
  bool require_same_domain = false;
};

// The devices given to one task on one node.
struct TaskPlacement {
  NodeSlot node = 0;
  int gpu_milli = 0;  // per device
  std::vector<uint8_t> devices;
};

// The result of a successful placement: one TaskPlacement per gang member.
struct Placement {
  AllocationId id;
  std::vector<TaskPlacement> tasks;
};

// The device choice a policy makes for one task on one node.
struct DeviceChoice {
  int count = 0;
  std::array<uint8_t, kMaxDevicesPerNode> devices{};
};

}  // namespace suanli::sched
