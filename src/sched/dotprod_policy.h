// DotProd (baseline): the node whose free vector is least aligned with the request,
// score = floor(100 * (1 - <free, request> / 2)) over [cpu/128 cores, gpu/8 devices]; devices best-fit.
#pragma once

#include "sched/policy.h"

namespace suanli::sched {

class DotProdPolicy final : public PlacementPolicy {
 public:

  std::string_view name() const override { return "dotprod"; }
  double Score(NodeSlot slot, const Node& node, const TaskDemand& task,
               DeviceChoice* choice) override;

};

}  // namespace suanli::sched
