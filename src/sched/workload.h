// The expected workload as typical task shapes, and the fragmentation measure built on it
// (Weng et al., ATC'23): the accelerator capacity of a node that the typical tasks could not use.
// FGD and our own policy score placements by how they change this measure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sched/types.h"

namespace suanli::sched {

// One typical shape with its renormalised frequency.
struct TaskShape {
  TaskDemand demand;            // memory is ignored by the measure
  ModelMask model_mask = kAnyModel;
  double weight = 0;            // p_m, sums to 1 over the profile
};

// A task as counted for the profile; `spec` is the model constraint as written (part of the key).
struct ShapeSample {
  TaskDemand demand;
  ModelMask model_mask = kAnyModel;
  std::string spec;
};

class WorkloadProfile {
 public:
  WorkloadProfile() = default;
  explicit WorkloadProfile(std::vector<TaskShape> shapes) : shapes_(std::move(shapes)) {}
  // Counts shapes by (cpu, gpu_milli, gpu_count, spec), keeps the most frequent ones up to
  // `coverage` of the samples and renormalises. Ties in count are broken by the key.
  static WorkloadProfile FromSamples(const std::vector<ShapeSample>& samples,
                                     double coverage = 0.95);

  // The same shapes weighted by the accelerator demand they bring (p_m × milli-GPU of m), i.e.
  // the chance that a unit of future GPU demand has shape m. CPU-only shapes get weight 0.
  WorkloadProfile VolumeWeighted() const;

  const std::vector<TaskShape>& shapes() const { return shapes_; }
  bool empty() const { return shapes_.empty(); }

  // F_n: expected fragment (milli-GPU) of a node with this model, free CPU and device frees.
  double Fragmentation(ModelId model, int64_t cpu_free, const int16_t* gpu_free,
                       int gpu_count) const;
  // Like Fragmentation, but with look-ahead: for each shape, the idle capacity that repeated
  // copies of the shape could not fill given the node's free devices *and* free CPU.
  double FillFragmentation(ModelId model, int64_t cpu_free, const int16_t* gpu_free,
                           int gpu_count) const;
  // Copies of the shape a node could still take: limited by its free devices and free CPU
  // (0 when its model is not allowed). Memory is ignored, as in the measure.
  static int64_t Copies(const TaskShape& s, ModelId model, int64_t cpu_free,
                        const int16_t* gpu_free, int gpu_count);
  static int ShapeFillFragment(const TaskShape& s, ModelId model, int64_t cpu_free,
                               const int16_t* gpu_free, int gpu_count);
  // F_n(m) for one shape.
  static int ShapeFragment(const TaskShape& s, ModelId model, int64_t cpu_free,
                           const int16_t* gpu_free, int gpu_count);

 private:
  std::vector<TaskShape> shapes_;
};

}  // namespace suanli::sched
