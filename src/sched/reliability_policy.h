// Reliability-aware placement: a decorator over any placement policy that keeps nodes with a
// fault record away from long, large jobs (BRIEF §6: "prefers reliable capacity for long large
// jobs"; issue 5: nodes that fault repeatedly are drained and ranked down).
//
// A node's suspicion level (0 = clean) is set by the owner from its fault history. While the
// request being placed is marked critical (a long gang of many devices, where one fault costs
// thousands of device-hours), every suspect node scores below every clean one, so a suspect
// node is used only when clean capacity has run out. Other requests are scored as the wrapped
// policy scores them, except that among equal scores a suspect node wins: small, short work,
// which loses little to a fault, soaks up the suspect capacity and leaves clean nodes free.
//
//   auto policy = std::make_unique<ReliabilityPolicy>(*MakePolicy("suanli", ctx));
//   ReliabilityPolicy* rel = policy.get();
//   Engine engine(&cluster, std::move(policy), opts);
//   rel->SetSuspicion(slot, 1);
//   rel->SetCritical(true);  engine.Place(gang);  rel->SetCritical(false);
//
// Thread-safety: none (like every policy; the engine's owner serialises calls).
#pragma once

#include <memory>
#include <vector>

#include "sched/policy.h"

namespace suanli::sched {

class ReliabilityPolicy final : public PlacementPolicy {
 public:
  explicit ReliabilityPolicy(std::unique_ptr<PlacementPolicy> inner) : inner_(std::move(inner)) {}

  std::string_view name() const override { return inner_->name(); }
  double Score(NodeSlot slot, const Node& node, const TaskDemand& task,
               DeviceChoice* choice) override;
  void Bind(const Cluster* cluster) override { inner_->Bind(cluster); }
  void SetWorkload(const WorkloadProfile& typical, const WorkloadProfile& every_shape) override {
    inner_->SetWorkload(typical, every_shape);
  }
  PlacementPolicy& inner() { return *inner_; }

  // Suspicion of a node: 0 = clean; higher = more recent or more frequent faults.
  void SetSuspicion(NodeSlot slot, int level);
  int Suspicion(NodeSlot slot) const {
    return slot < suspicion_.size() ? suspicion_[slot] : 0;
  }
  // Whether the requests placed from now on are critical (long, large gangs).
  void SetCritical(bool critical) { critical_ = critical; }
  bool critical() const { return critical_; }

  // Added per suspicion level for critical requests; larger than any inner score (the suanli
  // policy's combined score stays below 1e15).
  static constexpr double kPenalty = 1e16;

 private:
  std::unique_ptr<PlacementPolicy> inner_;
  std::vector<int> suspicion_;
  bool critical_ = false;
};

}  // namespace suanli::sched
