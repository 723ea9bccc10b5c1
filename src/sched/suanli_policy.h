// Our default policy, "suanli": fragmentation gradient descent with look-ahead.
//
// FGD (fgd_policy.h) scores a placement by how much it grows the node's expected fragmentation,
// where a typical shape counts a node's idle GPU as usable as soon as one copy of it fits. We
// change three things, each for a reason that does not depend on a particular trace:
//  1. Look-ahead: for each typical shape, the idle capacity that *repeated* copies of the shape
//     could not fill, limited by the free devices and by the free CPU (a G2 node whose CPU is
//     gone strands its GPUs; a device with 1000 free holds two 470s and strands 60).
//  2. Shapes are weighted by the GPU demand they bring, not by their count: a rare 8-GPU task
//     needs a whole free node, and losing it loses 8,000 milli-GPU.
//  3. The score is the fragmentation decrease in quanta of kQuantumMilli (below the smallest
//     common share, differences are noise); among equal quanta the node left with the least
//     free GPU wins (packing), then the lowest rank (a fixed order, as in the published method).
#pragma once

#include "sched/fgd_policy.h"
#include "sched/policy.h"

namespace suanli::sched {

class SuanliPolicy final : public PlacementPolicy {
 public:
  static constexpr double kQuantumMilli = 50.0;

  explicit SuanliPolicy(const WorkloadProfile& profile)
      : profile_(profile.VolumeWeighted()), frag_(&profile_, /*fill=*/true) {}
  std::string_view name() const override { return "suanli"; }
  double Score(NodeSlot slot, const Node& node, const TaskDemand& task,
               DeviceChoice* choice) override;

 private:
  WorkloadProfile profile_;
  FragmentationCache frag_;
};

}  // namespace suanli::sched
