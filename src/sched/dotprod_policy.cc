#include "sched/dotprod_policy.h"

#include <cmath>

#include "sched/devices.h"

namespace suanli::sched {

double DotProdPolicy::Score(NodeSlot, const Node& n, const TaskDemand& t, DeviceChoice* choice) {
  ChooseDefault(n, t, choice);
  double dot = (static_cast<double>(n.cpu_free) / 128000.0) * (t.cpu_milli / 128000.0) +
               (n.gpu_free_total / 8000.0) * (t.total_gpu_milli() / 8000.0);
  return std::floor(100.0 * (1.0 - dot / 2.0));
}

}  // namespace suanli::sched
