#include "sched/suanli_policy.h"

#include <cmath>

#include "sched/devices.h"

namespace suanli::sched {

double SuanliPolicy::Score(NodeSlot slot, const Node& n, const TaskDemand& t,
                           DeviceChoice* choice) {
  const double before = frag_.Current(slot, n);
  // Free GPU left on the node; it does not depend on the device chosen, only on the node.
  const double gpu_after = n.gpu_free_total - static_cast<double>(t.total_gpu_milli());
  double best = -1e300;
  ForEachDeviceOption(n, t, [&](const DeviceChoice& c) {
    double decrease = before - frag_.After(n, t, c);
    double score = std::floor(decrease / kQuantumMilli) * 1e7 - gpu_after;
    if (score > best) {
      best = score;
      *choice = c;
    }
  });
  return best;
}

}  // namespace suanli::sched
