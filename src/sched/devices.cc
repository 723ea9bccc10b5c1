#include "sched/devices.h"

#include <algorithm>

namespace suanli::sched {

void ChooseLowestFree(const Node& n, int count, DeviceChoice* out) {
  out->count = 0;
  for (int i = 0; i < n.gpu_count && out->count < count; ++i) {
    if (n.gpu_free[i] >= kMilliPerDevice) out->devices[out->count++] = static_cast<uint8_t>(i);
  }
}

void ChooseBestFit(const Node& n, int count, int milli, DeviceChoice* out) {
  out->count = 0;
  std::array<uint8_t, kMaxDevicesPerNode> order{};
  int m = 0;
  for (int i = 0; i < n.gpu_count; ++i) {
    if (n.gpu_free[i] >= milli) order[m++] = static_cast<uint8_t>(i);
  }
  std::stable_sort(order.begin(), order.begin() + m,
                   [&](uint8_t a, uint8_t b) { return n.gpu_free[a] < n.gpu_free[b]; });
  for (int i = 0; i < m && out->count < count; ++i) out->devices[out->count++] = order[i];
}

void ChooseDefault(const Node& n, const TaskDemand& t, DeviceChoice* out) {
  out->count = 0;
  if (!t.uses_gpu()) return;
  if (t.gpu_milli >= kMilliPerDevice) {
    ChooseLowestFree(n, t.gpu_count, out);
  } else {
    ChooseBestFit(n, t.gpu_count, t.gpu_milli, out);
  }
}

}  // namespace suanli::sched
