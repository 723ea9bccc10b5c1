// FGD, Fragmentation Gradient Descent (Weng et al., ATC'23), the published method: place where
// the node's expected fragmentation F_n grows least, with the integer score
// floor(100 * sigmoid((F_before - F_after) / 1000)). For a share every fitting device is tried
// and the best integer score wins (lowest index on ties).
#pragma once

#include <vector>

#include "sched/policy.h"

namespace suanli::sched {

// F_n of nodes, cached per slot and node version (a node's F changes only when it does).
class FragmentationCache {
 public:
  // `fill` selects WorkloadProfile::FillFragmentation instead of Fragmentation.
  explicit FragmentationCache(const WorkloadProfile* profile, bool fill = false)
      : profile_(profile), fill_(fill) {}
  double Current(NodeSlot slot, const Node& n);
  // F_n after taking `t` on devices `c` (not cached).
  double After(const Node& n, const TaskDemand& t, const DeviceChoice& c) const;
  // Forgets every cached F_n (after the profile it points to changed).
  void Clear() { cache_.clear(); }

 private:
  double Measure(const Node& n, int64_t cpu_free, const int16_t* gpu_free) const;
  const WorkloadProfile* profile_;
  bool fill_;
  std::vector<std::pair<uint64_t, double>> cache_;  // (version + 1, F); 0 = empty
};

class FgdPolicy final : public PlacementPolicy {
 public:
  explicit FgdPolicy(WorkloadProfile profile)
      : profile_(std::move(profile)), frag_(&profile_) {}
  std::string_view name() const override { return "fgd"; }
  double Score(NodeSlot slot, const Node& node, const TaskDemand& task,
               DeviceChoice* choice) override;
  // FGD reads the typical shapes only.
  void SetWorkload(const WorkloadProfile& typical, const WorkloadProfile& every_shape) override;

 private:
  WorkloadProfile profile_;
  FragmentationCache frag_;
};

}  // namespace suanli::sched
