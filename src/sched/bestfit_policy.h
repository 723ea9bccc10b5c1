// BestFit (baseline): the node with the least free CPU and GPU left after placement,
// score = floor(100 * (1 - [0.5 (cpuFree - cpuReq)/128 cores + 0.5 (gpuFree - gpuReq)/8 devices])).
#pragma once

#include "sched/policy.h"

namespace suanli::sched {

class BestFitPolicy final : public PlacementPolicy {
 public:

  std::string_view name() const override { return "bestfit"; }
  double Score(NodeSlot slot, const Node& node, const TaskDemand& task,
               DeviceChoice* choice) override;

};

}  // namespace suanli::sched
