#include "sched/random_policy.h"

#include <algorithm>

namespace suanli::sched {

double RandomPolicy::Score(NodeSlot, const Node& n, const TaskDemand& t, DeviceChoice* choice) {
  choice->count = 0;
  if (t.uses_gpu()) {
    std::array<uint8_t, kMaxDevicesPerNode> fit{};
    int m = 0;
    for (int i = 0; i < n.gpu_count; ++i) {
      if (n.gpu_free[i] >= t.gpu_milli) fit[m++] = static_cast<uint8_t>(i);
    }
    for (int i = 0; i < t.gpu_count; ++i) {  // partial Fisher-Yates: a random subset
      int j = i + static_cast<int>(rng_() % static_cast<uint64_t>(m - i));
      std::swap(fit[i], fit[j]);
      choice->devices[choice->count++] = fit[i];
    }
  }
  return static_cast<double>(rng_() >> 11);
}

}  // namespace suanli::sched
