#include "sched/fgd_policy.h"

#include <cmath>

#include "sched/devices.h"

namespace suanli::sched {

double FragmentationCache::Current(NodeSlot slot, const Node& n) {
  if (slot >= cache_.size()) cache_.resize(slot + 1, {0, 0.0});
  auto& e = cache_[slot];
  if (e.first != n.version + 1) {
    e = {n.version + 1, Measure(n, n.cpu_free, n.gpu_free.data())};
  }
  return e.second;
}

double FragmentationCache::After(const Node& n, const TaskDemand& t,
                                 const DeviceChoice& c) const {
  auto free = n.gpu_free;
  for (int i = 0; i < c.count; ++i) free[c.devices[i]] -= t.gpu_milli;
  return Measure(n, n.cpu_free - t.cpu_milli, free.data());
}

double FragmentationCache::Measure(const Node& n, int64_t cpu_free, const int16_t* gpu_free) const {
  return fill_ ? profile_->FillFragmentation(n.model, cpu_free, gpu_free, n.gpu_count)
               : profile_->Fragmentation(n.model, cpu_free, gpu_free, n.gpu_count);
}

void FgdPolicy::SetWorkload(const WorkloadProfile& typical,
                            const WorkloadProfile& /*every_shape*/) {
  profile_ = typical;  // frag_ points at profile_
  frag_.Clear();
}

double FgdPolicy::Score(NodeSlot slot, const Node& n, const TaskDemand& t, DeviceChoice* choice) {
  double before = frag_.Current(slot, n);
  double best = -1;
  ForEachDeviceOption(n, t, [&](const DeviceChoice& c) {
    double delta = before - frag_.After(n, t, c);
    double score = std::floor(100.0 / (1.0 + std::exp(-delta / 1000.0)));
    if (score > best) {
      best = score;
      *choice = c;
    }
  });
  return best;
}

}  // namespace suanli::sched
