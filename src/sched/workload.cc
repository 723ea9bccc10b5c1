#include "sched/workload.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>

namespace suanli::sched {

WorkloadProfile WorkloadProfile::FromSamples(const std::vector<ShapeSample>& samples,
                                             double coverage) {
  using Key = std::tuple<int64_t, int, int, std::string>;
  std::map<Key, std::pair<int64_t, const ShapeSample*>> counts;
  for (const auto& s : samples) {
    auto& c = counts[Key{s.demand.cpu_milli, s.demand.gpu_milli, s.demand.gpu_count, s.spec}];
    if (c.first++ == 0) c.second = &s;
  }
  std::vector<std::pair<int64_t, const ShapeSample*>> order;
  for (auto& [k, v] : counts) order.push_back(v);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<TaskShape> shapes;
  int64_t taken = 0;
  for (const auto& [count, s] : order) {
    if (taken >= coverage * static_cast<double>(samples.size())) break;
    TaskShape shape{s->demand, s->model_mask, static_cast<double>(count)};
    shape.demand.memory_mib = 0;
    shapes.push_back(shape);
    taken += count;
  }
  for (auto& s : shapes) s.weight /= static_cast<double>(taken);
  return WorkloadProfile(std::move(shapes));
}

WorkloadProfile WorkloadProfile::VolumeWeighted() const {
  std::vector<TaskShape> out = shapes_;
  double total = 0;
  for (auto& s : out) {
    s.weight *= static_cast<double>(s.demand.total_gpu_milli());
    total += s.weight;
  }
  if (total > 0) {
    for (auto& s : out) s.weight /= total;
  }
  return WorkloadProfile(std::move(out));
}

int WorkloadProfile::ShapeFragment(const TaskShape& s, ModelId model, int64_t cpu_free,
                                   const int16_t* gpu_free, int gpu_count) {
  int idle = 0;
  for (int i = 0; i < gpu_count; ++i) idle += gpu_free[i];
  const TaskDemand& d = s.demand;
  if (!d.uses_gpu() || !(s.model_mask >> model & 1) || cpu_free < d.cpu_milli) return idle;
  int fitting = 0, small = 0;
  for (int i = 0; i < gpu_count; ++i) {
    if (gpu_free[i] >= d.gpu_milli) {
      ++fitting;
    } else {
      small += gpu_free[i];
    }
  }
  return fitting >= d.gpu_count ? small : idle;
}

double WorkloadProfile::Fragmentation(ModelId model, int64_t cpu_free, const int16_t* gpu_free,
                                      int gpu_count) const {
  int idle = 0;
  for (int i = 0; i < gpu_count; ++i) idle += gpu_free[i];
  if (idle == 0) return 0;
  double f = 0;
  for (const auto& s : shapes_) {
    f += s.weight * ShapeFragment(s, model, cpu_free, gpu_free, gpu_count);
  }
  return f;
}

int64_t WorkloadProfile::Copies(const TaskShape& s, ModelId model, int64_t cpu_free,
                                const int16_t* gpu_free, int gpu_count) {
  const TaskDemand& d = s.demand;
  if (!d.uses_gpu() || !(s.model_mask >> model & 1) || cpu_free < d.cpu_milli) return 0;
  int64_t copies = 0;
  if (d.gpu_count == 1) {
    for (int i = 0; i < gpu_count; ++i) copies += gpu_free[i] / d.gpu_milli;
  } else {
    int fitting = 0;
    for (int i = 0; i < gpu_count; ++i) fitting += gpu_free[i] >= d.gpu_milli;
    copies = fitting / d.gpu_count;
  }
  if (d.cpu_milli > 0) copies = std::min<int64_t>(copies, cpu_free / d.cpu_milli);
  return copies;
}

int WorkloadProfile::ShapeFillFragment(const TaskShape& s, ModelId model, int64_t cpu_free,
                                       const int16_t* gpu_free, int gpu_count) {
  int idle = 0;
  for (int i = 0; i < gpu_count; ++i) idle += gpu_free[i];
  // A shape that cannot use the node (Copies = 0) leaves all of its idle GPU unfilled.
  const int64_t copies = Copies(s, model, cpu_free, gpu_free, gpu_count);
  return idle - static_cast<int>(copies * s.demand.total_gpu_milli());
}

double WorkloadProfile::FillFragmentation(ModelId model, int64_t cpu_free,
                                          const int16_t* gpu_free, int gpu_count) const {
  int idle = 0;
  for (int i = 0; i < gpu_count; ++i) idle += gpu_free[i];
  if (idle == 0) return 0;
  double f = 0;
  for (const auto& s : shapes_) {
    f += s.weight * ShapeFillFragment(s, model, cpu_free, gpu_free, gpu_count);
  }
  return f;
}

}  // namespace suanli::sched
