// The scheduling engine: places requests (a gang of identical tasks) on a Cluster through a
// pluggable PlacementPolicy, and releases them. The server, the queue scheduler and the
// simulator all drive this one class, so there is one scheduling logic.
//
//   Cluster cluster;
//   cluster.AddNode({.name = "n1", .cpu_milli = 96000, .memory_mib = 393216,
//                    .gpu_count = 8, .model = "A100", .domain = "sn-1"});
//   Engine engine(&cluster, *MakePolicy("suanli", {profile}));
//   Result<Placement> p = engine.Place(request);   // error: IsRetryable(p.error()) or not
//   engine.Release(p->id);
//
// Candidate search: with EngineOptions::max_candidates == 0 every feasible node is scored
// (the published method; O(nodes)). Otherwise the engine walks the Cluster's index from the
// tightest free-capacity class upward and scores only the first `max_candidates` feasible
// nodes, which keeps a decision in microseconds on 100,000 nodes.
//
// Gangs are all-or-nothing: tasks are placed one by one and rolled back if one fails. A gang of
// whole devices first tries the super-node domains that can hold all of it, tightest first.
//
// Thread-safety: none; one owner calls it (the server wraps it in its own lock).
#pragma once

#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "sched/cluster.h"
#include "sched/policy.h"
#include "sched/types.h"

namespace suanli::sched {

struct EngineOptions {
  int max_candidates = 0;  // 0 = score every feasible node
  int max_scan = 4096;     // nodes examined per decision when max_candidates > 0
  int max_domains_tried = 4;
};

// A failed Place is retryable (kResourceExhausted: no room now, may fit later) or not
// (kFailedPrecondition: no node of the pool could ever hold it; kInvalidArgument: bad request).
bool IsRetryable(const Status& s);

class Engine {
 public:
  // `cluster` must outlive the engine; the engine is the only writer of allocations on it.
  Engine(Cluster* cluster, std::unique_ptr<PlacementPolicy> policy, EngineOptions opts = {});

  Result<Placement> Place(const Request& request);
  // Re-creates a placement made earlier (after a restart of the owner): each task goes on the
  // given node and devices. FailedPrecondition if any of them no longer has the room; then
  // nothing is applied.
  Result<Placement> Restore(const Request& request, const std::vector<TaskPlacement>& tasks);
  // Whether the cluster could hold the whole gang if it were empty (live nodes of any state):
  // false when Place would fail with kFailedPrecondition or kInvalidArgument. O(nodes).
  bool CouldEverPlace(const Request& request) const;
  // Returns the resources of a placement. NotFound if unknown or already released.
  Status Release(AllocationId id);
  // Placements with a task on `slot` (for requeueing when a node goes down). O(allocations).
  std::vector<AllocationId> AllocationsOn(NodeSlot slot) const;
  const Placement* Find(AllocationId id) const;

  Cluster& cluster() { return *cluster_; }
  const Cluster& cluster() const { return *cluster_; }
  PlacementPolicy& policy() { return *policy_; }
  // Swaps the policy (e.g. after the workload profile changed); allocations are kept.
  void SetPolicy(std::unique_ptr<PlacementPolicy> policy) {
    policy_ = std::move(policy);
    policy_->Bind(cluster_);
  }
  size_t allocation_count() const { return allocations_.size(); }

 private:
  struct Choice {
    NodeSlot slot = 0;
    DeviceChoice devices;
  };
  struct Allocation {
    TaskDemand task;
    Placement placement;
  };
  // The best node for one task, over `within` (a domain's nodes) or the whole index.
  std::optional<Choice> Best(const TaskDemand& t, ModelMask mask,
                             const std::vector<NodeSlot>* within);
  bool Consider(NodeSlot slot, const TaskDemand& t, ModelMask mask, std::optional<Choice>* best,
                double* best_score);
  std::optional<std::vector<Choice>> PlaceTasks(const Request& r,
                                                const std::vector<NodeSlot>* within);
  std::vector<DomainId> GangDomains(const Request& r) const;
  Status Unplaceable(const Request& r) const;
  Placement Commit(const Request& r, const std::vector<Choice>& choices);

  Cluster* cluster_;
  std::unique_ptr<PlacementPolicy> policy_;
  EngineOptions opts_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, Allocation> allocations_;
  std::vector<int> class_order_;
};

}  // namespace suanli::sched
