// Effective compute (有效算力): of the device-time a fleet offers (nominal), how much was
// allocated to work, and how much of that was useful — time lost to failures (work since the
// last checkpoint, detection delay) is not useful; idle and down time are not allocated.
//
// Units: accelerator devices for accelerator nodes and work, CPU cores for CPU-only ones.
// Nominal counts from the node's creation to now. Allocated sums the jobs placed on the node
// (started_at → finished_at or now) plus the attempts that were requeued (kept on the node,
// since the job no longer shows them); lost is recorded on the node when an attempt fails.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "control/registry.h"

namespace suanli::exec {

struct ComputeTime {
  int64_t nodes = 0;
  double units = 0;        // devices (or cores) now
  double nominal_h = 0;    // unit-hours
  double allocated_h = 0;
  double useful_h = 0;
  double lost_h = 0;
  double EffectivePct() const { return nominal_h > 0 ? 100.0 * useful_h / nominal_h : 0; }
  double UsefulOfAllocatedPct() const {
    return allocated_h > 0 ? 100.0 * useful_h / allocated_h : 0;
  }
};

// What one task of `j` holds on node `n`, in thousandths of a unit: devices (a share counts its
// share; CPU-only work holds none) on accelerator nodes, cores on CPU-only nodes.
int64_t TaskUnitsMilli(const domain::Job& j, const domain::Node& n);
// What a node offers, in thousandths of a unit.
int64_t NodeUnitsMilli(const domain::Node& n);

inline const std::vector<std::string> kComputeGroupBy = {"",    "device", "node",     "pool", "site",
                                                         "org", "vendor", "province", "tier"};

// Effective compute of the nodes `visible` admits, grouped ("" = one total under key "";
// "device" = one row per accelerator, keyed "<node id>/<device index>").
Result<std::map<std::string, ComputeTime>> EffectiveCompute(
    const control::Registry& reg, Timestamp now, const std::string& group_by,
    const std::function<bool(const domain::Node&)>& visible);

}  // namespace suanli::exec
