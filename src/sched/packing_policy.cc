#include "sched/packing_policy.h"

#include <cmath>

#include "sched/devices.h"

namespace suanli::sched {

double PackingPolicy::Score(NodeSlot, const Node& n, const TaskDemand& t, DeviceChoice* choice) {
  ChooseDefault(n, t, choice);
  bool used = n.gpu_free_total < n.gpu_count * kMilliPerDevice;
  int band = used ? 1 : 0;
  if (t.is_sharing() && n.max_partial >= t.gpu_milli) band = 2;
  double used_frac = n.gpu_count == 0
                         ? 0.0
                         : 1.0 - n.gpu_free_total / (1000.0 * static_cast<double>(n.gpu_count));
  return 34.0 * band + std::floor(33.0 * used_frac);
}

}  // namespace suanli::sched
