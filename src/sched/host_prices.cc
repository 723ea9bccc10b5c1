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
  counted_.clear();
  counts_.clear();
  priced_at_ = ~uint64_t{0};
  cluster_ = cluster;
  if (cluster_ && !shapes_.empty()) cluster_->Watch(this);
}

void HostPrices::Count(NodeSlot slot, const Node& n, int sign) {
  if (n.gpu_count == 0) return;
  const int16_t* k = DeviceCounts(slot, n);
  for (size_t i = 0; i < shapes_.size(); ++i) supply_[i] += sign * CopiesOf(i, n, k[i], n.cpu_free);
}

int64_t HostPrices::CopiesOf(size_t i, const Node& n, int64_t k, int64_t cpu_free) const {
  const TaskDemand& d = shapes_[i].demand;
  if (!(shapes_[i].model_mask >> n.model & 1) || cpu_free < d.cpu_milli) return 0;
  if (d.gpu_count > 1) k /= d.gpu_count;
  return d.cpu_milli > 0 ? std::min<int64_t>(k, cpu_free / d.cpu_milli) : k;
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

const int16_t* HostPrices::DeviceCounts(NodeSlot slot, const Node& n) {
  const size_t width = shapes_.size();
  if (slot >= counted_.size()) {
    counted_.resize(slot + 1, 0);
    counts_.resize(counted_.size() * width, 0);
  }
  int16_t* row = &counts_[size_t{slot} * width];
  if (counted_[slot] != n.version + 1) {
    counted_[slot] = n.version + 1;
    for (size_t i = 0; i < width; ++i) {
      const TaskDemand& d = shapes_[i].demand;
      int k = 0;
      if (shapes_[i].model_mask >> n.model & 1) {
        for (int j = 0; j < n.gpu_count; ++j) {
          k += d.gpu_count == 1 ? n.gpu_free[j] / d.gpu_milli : n.gpu_free[j] >= d.gpu_milli;
        }
      }
      row[i] = static_cast<int16_t>(k);
    }
  }
  return row;
}

double HostPrices::Cost(NodeSlot slot, const Node& n, const TaskDemand& t,
                        const DeviceChoice& c) {
  if (!active() || n.gpu_count == 0) return 0;
  Reprice();
  const int16_t* counts = DeviceCounts(slot, n);
  const int64_t cpu_after = n.cpu_free - t.cpu_milli;
  double cost = 0;
  for (size_t i = 0; i < shapes_.size(); ++i) {
    if (price_[i] == 0) continue;
    const int64_t before = CopiesOf(i, n, counts[i], n.cpu_free);
    if (before == 0) continue;
    const TaskDemand& d = shapes_[i].demand;
    int64_t k_after = counts[i];
    if (t.uses_gpu()) {
      for (int j = 0; j < c.count; ++j) {
        const int f = n.gpu_free[c.devices[j]];
        const int g = f - t.gpu_milli;
        k_after += d.gpu_count == 1 ? g / d.gpu_milli - f / d.gpu_milli
                                    : int{g >= d.gpu_milli} - int{f >= d.gpu_milli};
      }
    }
    cost += price_[i] * static_cast<double>(before - CopiesOf(i, n, k_after, cpu_after));
  }
  return cost;
}

}  // namespace suanli::sched
