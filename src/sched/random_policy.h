// Random (baseline): a feasible node uniformly at random, a fitting device at random.
#pragma once

#include <random>

#include "sched/policy.h"

namespace suanli::sched {

class RandomPolicy final : public PlacementPolicy {
 public:
  explicit RandomPolicy(uint64_t seed) : rng_(seed) {}
  std::string_view name() const override { return "random"; }
  double Score(NodeSlot slot, const Node& node, const TaskDemand& task,
               DeviceChoice* choice) override;

 private:
  std::mt19937_64 rng_;
};

}  // namespace suanli::sched
