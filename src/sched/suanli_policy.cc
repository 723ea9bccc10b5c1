#include "sched/suanli_policy.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "sched/devices.h"

namespace suanli::sched {

double SuanliPolicy::Combine(int pattern_loss, double fgd_score, int price_rank,
                             double host_cost, double ss_increase, double fill_decrease) {
  // 7 + 7 + 6 + 12 + 7 + 12 = 51 bits: every key exact in a double, and a quarter step (the
  // reliability decorator's tie-break) still exact on top.
  const double loss = 127 - std::clamp(pattern_loss / 8, 0, 127);
  const double host = 4095 - std::clamp(std::floor(host_cost), 0.0, 4095.0);
  const double ss = 64 - std::clamp(ss_increase, -63.0, 63.0);
  const double fill = 2048 + std::clamp(std::floor(fill_decrease / 10), -2047.0, 2047.0);
  return ((((loss * 128 + fgd_score) * 64 + (63 - price_rank)) * 4096 + host) * 128 + ss) *
             4096 +
         fill;
}

double SuanliPolicy::SumOfSquaresIncrease(const Cluster& c, ModelId model, int from, int to) {
  double d = 0;
  if (from > 0 && from < kMilliPerDevice) d += 1 - 2.0 * c.DevicesWithFree(model, from);
  if (to > 0 && to < kMilliPerDevice) d += 1 + 2.0 * c.DevicesWithFree(model, to);
  return d;
}

int SuanliPolicy::PriceRank(ModelId model) {
  const size_t models = cluster_->model_count();
  if (price_version_ != cluster_->version()) {
    price_version_ = cluster_->version();
    price_.assign(models, 0.0);
    for (const auto& s : profile_.shapes()) {
      if (!s.demand.uses_gpu()) continue;
      int64_t idle = 0;
      for (size_t m = 0; m < models; ++m) {
        if (s.model_mask >> m & 1) idle += cluster_->IdleMilli(static_cast<ModelId>(m));
      }
      if (idle <= 0) continue;
      const double v = s.weight * static_cast<double>(s.demand.total_gpu_milli()) /
                       static_cast<double>(idle);
      for (size_t m = 0; m < models; ++m) {
        if (s.model_mask >> m & 1) price_[m] += v;
      }
    }
  }
  int rank = 0;
  for (size_t m = 0; m < models; ++m) {
    if (cluster_->IdleMilli(static_cast<ModelId>(m)) > 0 &&
        price_[m] < price_[model]) {
      ++rank;
    }
  }
  return std::min(rank, 63);
}

void SuanliPolicy::SetWorkload(const WorkloadProfile& typical,
                               const WorkloadProfile& every_shape) {
  profile_ = typical;  // fgd_ and fill_ point at profile_
  fgd_.Clear();
  fill_.Clear();
  price_version_ = ~uint64_t{0};
  hosts_.Reset(every_shape);
  patterns_.Reset(every_shape);
}

int SuanliPolicy::StrandedLoss(const Node& n, const TaskDemand& t, const DeviceChoice& c,
                               double stranded_before) const {
  std::array<int16_t, kMaxDevicesPerNode> after = n.gpu_free;
  for (int k = 0; k < c.count; ++k) after[c.devices[k]] -= static_cast<int16_t>(t.gpu_milli);
  const double more =
      patterns_.StrandedValue(after.data(), n.gpu_count, n.cpu_free - t.cpu_milli) -
      stranded_before;
  return more > 0 ? static_cast<int>(std::lround(1000.0 * more)) : 0;
}

double SuanliPolicy::Score(NodeSlot slot, const Node& n, const TaskDemand& t,
                           DeviceChoice* choice) {
  const double fgd_before = fgd_.Current(slot, n);
  const double fill_before = fill_.Current(slot, n);
  const int rank = cluster_ && t.uses_gpu() ? PriceRank(n.model) : 0;
  // What the node's CPU already strands: the same for every option on it.
  const bool strands = patterns_.active() && t.uses_gpu();
  const double stranded_before =
      strands ? patterns_.StrandedValue(n.gpu_free.data(), n.gpu_count, n.cpu_free) : 0;
  double best = -1e300;
  ForEachDeviceOption(n, t, [&](const DeviceChoice& c) {
    const double fgd_delta = fgd_before - fgd_.After(n, t, c);
    const double fgd_score = std::floor(100.0 / (1.0 + std::exp(-fgd_delta / 1000.0)));
    double ss = 0;
    int loss = 0;
    if (t.is_sharing()) {
      const int from = n.gpu_free[c.devices[0]];
      loss = patterns_.Loss(from, t.gpu_milli);
      if (cluster_) ss = SumOfSquaresIncrease(*cluster_, n.model, from, from - t.gpu_milli);
    }
    if (strands) loss += StrandedLoss(n, t, c, stranded_before);
    const double fill_decrease = fill_before - fill_.After(n, t, c);
    const double host = hosts_.Cost(slot, n, t, c);
    const double score = Combine(loss, fgd_score, rank, host, ss, fill_decrease);
    if (score > best) {
      best = score;
      *choice = c;
    }
  });
  return best;
}

}  // namespace suanli::sched
