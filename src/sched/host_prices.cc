#include "sched/host_prices.h"

#include <algorithm>

namespace suanli::sched {

HostPrices::HostPrices(WorkloadProfile shapes) { SetShapes(shapes); }

void HostPrices::SetShapes(const WorkloadProfile& shapes) {
  shapes_.clear();
  for (const auto& s : shapes.shapes()) {
    if (s.demand.uses_gpu() && s.weight > 0) shapes_.push_back(s);
  }
  supply_.assign(shapes_.size(), 0);
  price_.assign(shapes_.size(), 0.0);
}

void HostPrices::Reset(const WorkloadProfile& shapes) {
  const Cluster* cluster = cluster_;
  Bind(nullptr);  // stops watching with the old shapes
  SetShapes(shapes);
  Bind(cluster);  // counts the supply of the new shapes, node by node
}

HostPrices::~HostPrices() {
  if (cluster_) cluster_->Unwatch(this);
}

void HostPrices::Bind(const Cluster* cluster) {
  if (cluster_) cluster_->Unwatch(this);
  std::fill(supply_.begin(), supply_.end(), 0);
  cache_.clear();
  priced_at_ = ~uint64_t{0};
  cluster_ = cluster;
  if (cluster_ && !shapes_.empty()) cluster_->Watch(this);
}

void HostPrices::Count(const Node& n, int sign) {
  if (n.gpu_count == 0) return;
  for (size_t i = 0; i < shapes_.size(); ++i) {
    supply_[i] += sign * WorkloadProfile::Copies(shapes_[i], n.model, n.cpu_free,
                                                 n.gpu_free.data(), n.gpu_count);
  }
}

void HostPrices::Reprice() {
  if (priced_at_ == cluster_->version()) return;
  priced_at_ = cluster_->version();
  for (size_t i = 0; i < shapes_.size(); ++i) {
    price_[i] = supply_[i] > 0 ? shapes_[i].weight *
                                     static_cast<double>(shapes_[i].demand.total_gpu_milli()) /
                                     static_cast<double>(supply_[i])
                               : 0.0;
  }
}

const std::vector<int32_t>& HostPrices::DeviceCounts(NodeSlot slot, const Node& n) {
  if (slot >= cache_.size()) cache_.resize(slot + 1);
  NodeCounts& e = cache_[slot];
  if (e.version != n.version + 1) {
    e.version = n.version + 1;
    e.counts.assign(shapes_.size(), 0);
    for (size_t i = 0; i < shapes_.size(); ++i) {
      const TaskDemand& d = shapes_[i].demand;
      if (!(shapes_[i].model_mask >> n.model & 1)) continue;
      int32_t k = 0;
      for (int j = 0; j < n.gpu_count; ++j) {
        k += d.gpu_count == 1 ? n.gpu_free[j] / d.gpu_milli : n.gpu_free[j] >= d.gpu_milli;
      }
      e.counts[i] = k;
    }
  }
  return e.counts;
}

double HostPrices::Cost(NodeSlot slot, const Node& n, const TaskDemand& t,
                        const DeviceChoice& c) {
  if (!active() || n.gpu_count == 0) return 0;
  Reprice();
  const auto& counts = DeviceCounts(slot, n);
  const int64_t cpu_after = n.cpu_free - t.cpu_milli;
  double cost = 0;
  for (size_t i = 0; i < shapes_.size(); ++i) {
    const TaskDemand& d = shapes_[i].demand;
    if (price_[i] == 0 || !(shapes_[i].model_mask >> n.model & 1) || n.cpu_free < d.cpu_milli) {
      continue;
    }
    int64_t k = counts[i];
    int64_t k_after = k;
    if (t.uses_gpu()) {
      for (int j = 0; j < c.count; ++j) {
        const int f = n.gpu_free[c.devices[j]];
        const int g = f - t.gpu_milli;
        k_after += d.gpu_count == 1 ? g / d.gpu_milli - f / d.gpu_milli
                                    : int{g >= d.gpu_milli} - int{f >= d.gpu_milli};
      }
    }
    if (d.gpu_count > 1) {
      k /= d.gpu_count;
      k_after /= d.gpu_count;
    }
    int64_t before = k, after = cpu_after >= d.cpu_milli ? k_after : 0;
    if (d.cpu_milli > 0) {
      before = std::min<int64_t>(before, n.cpu_free / d.cpu_milli);
      after = std::min<int64_t>(after, std::max<int64_t>(cpu_after, 0) / d.cpu_milli);
    }
    cost += price_[i] * static_cast<double>(before - after);
  }
  return cost;
}

}  // namespace suanli::sched
