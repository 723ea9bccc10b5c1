// GpuPacking (baseline): partly used devices first, then free devices on used nodes, then
// empty nodes; fuller nodes first inside a band.
#pragma once

#include "sched/policy.h"

namespace suanli::sched {

class PackingPolicy final : public PlacementPolicy {
 public:

  std::string_view name() const override { return "packing"; }
  double Score(NodeSlot slot, const Node& node, const TaskDemand& task,
               DeviceChoice* choice) override;

};

}  // namespace suanli::sched
