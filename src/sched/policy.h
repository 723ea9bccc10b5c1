// The seam between the engine and a placement policy (after Ray's scheduling_policy.h): the
// engine finds the feasible nodes, the policy scores each one and picks its devices, the engine
// keeps the highest score (lowest node rank on ties) and commits it. One file pair per policy.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sched/cluster.h"
#include "sched/types.h"
#include "sched/workload.h"

namespace suanli::sched {

class PlacementPolicy {
 public:
  virtual ~PlacementPolicy() = default;
  virtual std::string_view name() const = 0;
  // Scores placing `task` on `node` (precondition: Cluster::Fits) and fills `choice` with the
  // devices it would use. Higher is better; the published baselines return integers.
  // Not thread-safe (policies may keep caches keyed by slot and node version).
  virtual double Score(NodeSlot slot, const Node& node, const TaskDemand& task,
                       DeviceChoice* choice) = 0;
  // The cluster the policy scores nodes of (the Engine calls it when it takes the policy), for
  // policies that read cluster-wide state; the default ignores it.
  virtual void Bind(const Cluster* /*cluster*/) {}
  // Replaces the workload profile the policy scores against (see PolicyContext: `typical` is
  // the 95% prefix, `every_shape` all shapes seen), e.g. when the server has learned it from
  // the jobs it was given. Afterwards the policy decides as one built with these profiles
  // (caches that depend on the profile are dropped). The default ignores it (policies that do
  // not read a profile).
  virtual void SetWorkload(const WorkloadProfile& /*typical*/,
                           const WorkloadProfile& /*every_shape*/) {}
};

// What a policy may be built from: the expected workload (typical task shapes, the 95% prefix
// FGD uses), a seed for policies that draw random numbers, and every shape the workload has
// shown (coverage 1.0; empty when unknown), which the suanli policy prices.
struct PolicyContext {
  WorkloadProfile workload;
  uint64_t seed = 42;
  WorkloadProfile every_shape;
};

// The policy names accepted by MakePolicy, default first.
const std::vector<std::string>& PolicyNames();
inline constexpr std::string_view kDefaultPolicy = "suanli";
// Builds a policy by name; InvalidArgument for an unknown name.
Result<std::unique_ptr<PlacementPolicy>> MakePolicy(std::string_view name, PolicyContext ctx);

}  // namespace suanli::sched
