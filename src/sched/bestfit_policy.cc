#include "sched/bestfit_policy.h"

#include <cmath>

#include "sched/devices.h"

namespace suanli::sched {

double BestFitPolicy::Score(NodeSlot, const Node& n, const TaskDemand& t, DeviceChoice* choice) {
  ChooseDefault(n, t, choice);
  double left = 0.5 * static_cast<double>(n.cpu_free - t.cpu_milli) / 128000.0 +
                0.5 * static_cast<double>(n.gpu_free_total - t.total_gpu_milli()) / 8000.0;
  return std::trunc(100.0 * (1.0 - left));
}

}  // namespace suanli::sched
