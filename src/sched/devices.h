// Device choice inside one node, shared by the policies: which devices a task takes once the
// node is chosen.
#pragma once

#include "sched/cluster.h"
#include "sched/types.h"

namespace suanli::sched {

// The `count` lowest-index devices that are wholly free. Precondition: enough exist.
void ChooseLowestFree(const Node& n, int count, DeviceChoice* out);
// For a share: the device with the least free share >= milli (lowest index on ties).
// For several devices of a share each: the `count` such devices with least free.
void ChooseBestFit(const Node& n, int count, int milli, DeviceChoice* out);
// Whole devices lowest-index first; shares best-fit; nothing for CPU-only tasks.
void ChooseDefault(const Node& n, const TaskDemand& t, DeviceChoice* out);

}  // namespace suanli::sched

namespace suanli::sched {

// Calls fn(const DeviceChoice&) for each distinct way to place `t` on `n` that a
// fragmentation-aware policy should compare: for a share, one option per distinct free value
// among the fitting devices (the lowest index with that value); whole devices and CPU-only
// tasks have one option (lowest-index free devices / none).
template <class Fn>
void ForEachDeviceOption(const Node& n, const TaskDemand& t, Fn&& fn) {
  DeviceChoice c;
  if (!t.uses_gpu() || t.gpu_milli >= kMilliPerDevice || t.gpu_count > 1) {
    ChooseDefault(n, t, &c);
    fn(c);
    return;
  }
  for (int i = 0; i < n.gpu_count; ++i) {
    int f = n.gpu_free[i];
    if (f < t.gpu_milli) continue;
    bool seen = false;
    for (int j = 0; j < i && !seen; ++j) seen = n.gpu_free[j] == f;
    if (seen) continue;
    c.count = 1;
    c.devices[0] = static_cast<uint8_t>(i);
    fn(c);
  }
}

}  // namespace suanli::sched
