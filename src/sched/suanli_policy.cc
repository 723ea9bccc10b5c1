#include "sched/suanli_policy.h"

#include <cmath>

#include "sched/devices.h"

namespace suanli::sched {

double SuanliPolicy::Score(NodeSlot slot, const Node& n, const TaskDemand& t,
                           DeviceChoice* choice) {
  const double fgd_before = fgd_.Current(slot, n);
  const double fill_before = fill_.Current(slot, n);
  const double node_left = n.gpu_free_total - static_cast<double>(t.total_gpu_milli());
  double best = -1e300;
  ForEachDeviceOption(n, t, [&](const DeviceChoice& c) {
    const double fgd_delta = fgd_before - fgd_.After(n, t, c);
    const double fgd_score = std::floor(100.0 / (1.0 + std::exp(-fgd_delta / 1000.0)));
    const double fill_decrease = std::floor(fill_before - fill_.After(n, t, c));
    const double left =
        t.is_sharing() ? static_cast<double>(n.gpu_free[c.devices[0]] - t.gpu_milli) : node_left;
    const double score = Combine(fgd_score, fill_decrease, left);
    if (score > best) {
      best = score;
      *choice = c;
    }
  });
  return best;
}

}  // namespace suanli::sched
