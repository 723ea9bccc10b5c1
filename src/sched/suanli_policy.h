// Our default policy, "suanli": FGD's decision, refined where FGD cannot tell placements apart.
//
// FGD (fgd_policy.h) scores a placement by how much it grows the node's expected fragmentation
// F_n, as the integer floor(100 * sigmoid(ΔF / 1000)). Near ΔF = 0 one integer step is about
// 40 milli-GPU, so most decisions are ties between many nodes, and the published method breaks
// them by a fixed node rank. We keep FGD's integer score as the first key (so wherever FGD sees a
// difference we decide as FGD does) and replace the arbitrary part of the decision with two
// finer keys, each derived from the same typical-shape distribution:
//  1. Look-ahead fragment (WorkloadProfile::FillFragmentation): per typical shape, the idle GPU
//     that *repeated* copies of the shape could not fill, limited by the free devices and by the
//     free CPU. FGD counts a device as usable as soon as one copy fits; this key sees that a
//     remainder of 60 beside two 470s is dead, and that a node whose CPU runs out strands its
//     GPUs. Among FGD ties, the placement that grows this measure least wins (1-milli steps).
//  2. Best fit: for a share, the least free share left on the chosen device (fill partly used
//     devices whose remainder it matches most exactly); otherwise the least free GPU left on the
//     node (packing). Then the node rank, as in the published method.
// Tried and rejected (see docs/scheduling.md): the look-ahead measure as the *first* key
// (the previous `suanli`), weighting shapes by GPU volume in FGD's key, FGD's continuous ΔF as
// the second key.
#pragma once

#include "sched/fgd_policy.h"
#include "sched/policy.h"

namespace suanli::sched {

class SuanliPolicy final : public PlacementPolicy {
 public:
  explicit SuanliPolicy(WorkloadProfile profile)
      : profile_(std::move(profile)), fgd_(&profile_), fill_(&profile_, /*fill=*/true) {}
  std::string_view name() const override { return "suanli"; }
  double Score(NodeSlot slot, const Node& node, const TaskDemand& task,
               DeviceChoice* choice) override;

  // The three keys combined into one double (exact: each key is an integer well inside its
  // range): fgd_score in 0..100, fill_decrease in milli (|.| < 2^24), left in 0..2^16.
  static double Combine(double fgd_score, double fill_decrease, double left) {
    return fgd_score * 1e12 + fill_decrease * 1e5 - left;
  }

 private:
  WorkloadProfile profile_;
  FragmentationCache fgd_;   // F_n as FGD measures it (key 0)
  FragmentationCache fill_;  // the look-ahead fragment (key 1)
};

}  // namespace suanli::sched
