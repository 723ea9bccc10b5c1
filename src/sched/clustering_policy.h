// GpuClustering (baseline): nodes whose GPU tasks are of the request's kind (sharing, or k
// whole devices) first, then empty nodes, then mixed ones; fuller nodes first inside a band.
#pragma once

#include "sched/policy.h"

namespace suanli::sched {

class ClusteringPolicy final : public PlacementPolicy {
 public:

  std::string_view name() const override { return "clustering"; }
  double Score(NodeSlot slot, const Node& node, const TaskDemand& task,
               DeviceChoice* choice) override;

};

}  // namespace suanli::sched
