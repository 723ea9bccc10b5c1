// The state of one pool as the scheduler sees it: nodes with CPU, memory and accelerators
// (each with its free share in milli-units, its model and its super-node domain).
//
// Why a class of its own: every policy, the engine, the queue and the simulator read the same
// state, and every change (place, release, node up/down/cordon) must cost in proportion to what
// changed. So the Cluster keeps, next to the node records, an index of the placeable nodes by
// (model, free-capacity class) that is updated in O(1) per change; candidate search reads it
// instead of scanning every node. It also keeps, per model, a histogram of devices by free share
// and the idle capacity (O(devices of the node) per change), which policies read cluster-wide.
//
// Thread-safety: none; the owner (Engine) serialises access.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "sched/types.h"

namespace suanli::sched {

enum class NodeState : uint8_t {
  kUp,        // placeable
  kCordoned,  // keeps its tasks, takes no new ones
  kDown,      // failed: takes no new ones (the owner requeues its tasks)
};

// What a node is, as registered.
struct NodeSpec {
  std::string name;
  int64_t cpu_milli = 0;
  int64_t memory_mib = 0;
  int gpu_count = 0;       // 0..kMaxDevicesPerNode
  std::string model;       // accelerator model, empty when gpu_count == 0
  std::string ecosystem;   // software ecosystem of the model ("CUDA", "CANN"...), optional
  std::string domain;      // super-node / interconnect domain, empty = its own
};

// One node's record. Read-only outside Cluster.
struct Node {
  std::string name;
  ModelId model = 0;
  DomainId domain = 0;
  NodeState state = NodeState::kUp;
  bool alive = false;  // slot in use
  int64_t cpu_total = 0, cpu_free = 0;
  int64_t mem_total = 0, mem_free = 0;
  int gpu_count = 0;
  std::array<int16_t, kMaxDevicesPerNode> gpu_free{};  // milli, per device
  int gpu_free_total = 0;
  int full_free = 0;    // devices with nothing allocated
  int max_partial = 0;  // largest free share among partly used devices (0 if none)
  uint32_t rank = 0;    // tie-break: among equal scores the lowest rank wins
  uint64_t version = 0; // bumped on every change (policies key caches on it)
  // Kinds of GPU tasks on the node (GpuClustering): sharing tasks, and bit k for k-GPU tasks.
  int sharing_tasks = 0;
  int whole_tasks = 0;
  uint32_t whole_kinds = 0;
  int tasks = 0;
  // Index position (owned by Cluster).
  int32_t bucket = -1;
  uint32_t bucket_pos = 0;
};

// Something that keeps an aggregate over the up nodes in step with the cluster (e.g. a policy's
// prices): Leave is called with a node's record just before it changes or stops being up, Enter
// just after it changed while up (or came up).
class ClusterWatcher {
 public:
  virtual ~ClusterWatcher() = default;
  virtual void Leave(NodeSlot slot, const Node& n) = 0;
  virtual void Enter(NodeSlot slot, const Node& n) = 0;
};

class Cluster {
 public:
  // Number of free-capacity classes per model in the index.
  static constexpr int kFullClasses = 9;     // devices fully free: 0..8 (8 = 8 or more)
  static constexpr int kPartialClasses = 10; // largest partial free share / 100
  static constexpr int kClasses = kFullClasses * kPartialClasses;

  // Adds a node (up, empty). AlreadyExists if the name is taken; InvalidArgument on bad sizes.
  Result<NodeSlot> AddNode(const NodeSpec& spec);
  // Removes an empty node. FailedPrecondition while tasks are on it.
  Status RemoveNode(NodeSlot slot);
  // Up / cordoned / down. O(1).
  Status SetNodeState(NodeSlot slot, NodeState state);
  Result<NodeSlot> FindNode(std::string_view name) const;

  // Interns a model name with its ecosystem; returns its id (ResourceExhausted past 64).
  Result<ModelId> InternModel(std::string_view model, std::string_view ecosystem = {});
  // The mask of models named in `models` or belonging to `ecosystems`; both empty = any.
  // Unknown names are ignored (a request for an unknown model is simply infeasible).
  ModelMask ResolveModels(const std::vector<std::string>& models,
                          const std::vector<std::string>& ecosystems) const;
  const std::string& ModelName(ModelId id) const { return models_[id].name; }
  size_t model_count() const { return models_.size(); }

  // Whether `task` fits on the node now (state, CPU, memory, model, devices).
  static bool Fits(const Node& node, const TaskDemand& task, ModelMask mask);
  // Applies (sign +1) or returns (sign -1) a task's resources on `slot` with the given devices.
  // Precondition for +1: the devices have the share free. O(devices).
  void Apply(NodeSlot slot, const TaskDemand& task, const DeviceChoice& devices, int sign);

  void SetRank(NodeSlot slot, uint32_t rank) { nodes_[slot].rank = rank; }
  const Node& node(NodeSlot slot) const { return nodes_[slot]; }
  // All slots ever allocated (check node(s).alive).
  size_t slot_count() const { return nodes_.size(); }
  const std::vector<NodeSlot>& DomainNodes(DomainId d) const { return domains_[d].nodes; }
  size_t domain_count() const { return domains_.size(); }
  // Fully free devices in up nodes of a domain (kept incrementally).
  int DomainFullFree(DomainId d) const { return domains_[d].full_free; }

  // The index: up nodes of model `m` in capacity class `cls`.
  const std::vector<NodeSlot>& Bucket(ModelId m, int cls) const {
    return buckets_[size_t{m} * kClasses + cls];
  }
  static int ClassOf(int full_free, int max_partial) {
    return (full_free < kFullClasses - 1 ? full_free : kFullClasses - 1) * kPartialClasses +
           max_partial / 100;
  }

  // Devices of up nodes of model `m` whose free share is exactly `free_milli` (0..1000), kept
  // incrementally (the gap histogram read by the suanli policy's sum-of-squares key).
  int DevicesWithFree(ModelId m, int free_milli) const {
    return gap_count_[size_t{m} * (kMilliPerDevice + 1) + free_milli];
  }

  // Free milli-GPU on up nodes of model `m` (kept incrementally).
  int64_t IdleMilli(ModelId m) const { return idle_by_model_[m]; }
  // Bumped on every change of any node.
  uint64_t version() const { return version_; }
  // Registers a watcher (called for every later change of an up node) and enters every up
  // node into it. The watcher must Unwatch before it is destroyed. (Watching does not change
  // the cluster's state, hence const.)
  void Watch(ClusterWatcher* w) const;
  void Unwatch(ClusterWatcher* w) const;

  int64_t total_gpu_milli() const { return total_gpu_milli_; }
  int64_t total_cpu_milli() const { return total_cpu_milli_; }
  int64_t allocated_gpu_milli() const { return allocated_gpu_milli_; }

 private:
  struct Model {
    std::string name, ecosystem;
  };
  struct Domain {
    std::string name;
    std::vector<NodeSlot> nodes;
    int full_free = 0;
  };
  void Unindex(NodeSlot slot);
  void Index(NodeSlot slot);
  void Recount(Node& n);
  DomainId InternDomain(const std::string& name, const std::string& node_name);

  std::vector<Node> nodes_;
  std::vector<NodeSlot> free_slots_;
  std::unordered_map<std::string, NodeSlot> by_name_;
  std::vector<Model> models_;
  std::vector<Domain> domains_;
  std::unordered_map<std::string, DomainId> domain_by_name_;
  std::vector<std::vector<NodeSlot>> buckets_;
  std::vector<int32_t> gap_count_;  // [model][free milli]
  std::vector<int64_t> idle_by_model_;
  uint64_t version_ = 0;
  mutable std::vector<ClusterWatcher*> watchers_;
  int64_t total_gpu_milli_ = 0;
  int64_t total_cpu_milli_ = 0;
  int64_t allocated_gpu_milli_ = 0;
};

}  // namespace suanli::sched
