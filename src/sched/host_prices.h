// Shadow prices of hosting capacity, for the suanli policy's third key.
//
// For every task shape the workload has shown (all of them, not only the typical 95%), the
// cluster can still take some number of copies: on each up node, as many as its free devices
// and free CPU allow (WorkloadProfile::Copies), summed over the cluster. A shape's price is the
// GPU demand it brings per task (its frequency × its milli-GPU) divided by those copies: demand
// over supply. A placement costs what it takes away, Σ over shapes of price × copies the node
// loses. Copies of a common small shape are everywhere and cheap; an 8-GPU shape that needs
// 120 CPUs fits only on a few empty nodes with many CPUs, and breaking one of those is dear —
// which no typical-shape measure sees, because such shapes are too rare to be typical.
//
// The totals are kept as the cluster changes (ClusterWatcher: O(shapes × devices) per node
// change); a cost is O(shapes × devices taken) with each node's own counts cached by version.
#pragma once

#include <cstdint>
#include <vector>

#include "sched/cluster.h"
#include "sched/workload.h"

namespace suanli::sched {

class HostPrices final : public ClusterWatcher {
 public:
  explicit HostPrices(WorkloadProfile shapes);
  ~HostPrices() override;
  HostPrices(const HostPrices&) = delete;
  HostPrices& operator=(const HostPrices&) = delete;

  void Bind(const Cluster* cluster);
  // Replaces the shapes (as the constructor takes them) and re-counts the supply over the
  // bound cluster, if any; every cached count and price is dropped.
  void Reset(const WorkloadProfile& shapes);
  bool active() const { return cluster_ != nullptr && !shapes_.empty(); }

  // Price × copies lost if `t` takes devices `c` of node `slot` (0 when not active).
  double Cost(NodeSlot slot, const Node& n, const TaskDemand& t, const DeviceChoice& c);
  // Copies of shape i the up nodes can take now (for tests).
  int64_t Supply(size_t i) const { return supply_[i]; }
  const std::vector<TaskShape>& shapes() const { return shapes_; }

  void Leave(NodeSlot slot, const Node& n) override { Count(slot, n, -1); }
  void Enter(NodeSlot slot, const Node& n) override { Count(slot, n, +1); }

 private:
  void Count(NodeSlot slot, const Node& n, int sign);
  void SetShapes(const WorkloadProfile& shapes);
  void Reprice();
  // Per node, per shape: the device-limited count (copies for 1-device shapes, fitting devices
  // for gangs), cached by node version in one flat array (slot × shape). Enter computes it for
  // the node's new version; Leave and Cost then read it.
  const int16_t* DeviceCounts(NodeSlot slot, const Node& n);
  // Copies of shape i on node n given its device-limited count k and free CPU.
  int64_t CopiesOf(size_t i, const Node& n, int64_t k, int64_t cpu_free) const;

  std::vector<TaskShape> shapes_;  // GPU shapes only
  std::vector<int64_t> supply_;
  std::vector<double> price_;
  uint64_t priced_at_ = ~uint64_t{0};
  const Cluster* cluster_ = nullptr;
  std::vector<uint64_t> counted_;  // per slot: node version + 1 of its row; 0 = none
  std::vector<int16_t> counts_;    // slot × shape
};

}  // namespace suanli::sched
