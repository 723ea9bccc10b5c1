#include "market/speed.h"

#include <algorithm>

namespace suanli::market {

namespace {
constexpr const char* kReference = "nvidia-a100-sxm-80gb";
// A100 SXM 80GB datasheet figures, used when the catalog passed in lacks the reference.
constexpr double kReferencePeak[kWorkloads] = {312, 624, 19.5, 9.7, 1};
}  // namespace

std::string_view WorkloadName(Workload w) {
  switch (w) {
    case Workload::kTraining: return "training";
    case Workload::kInference: return "inference";
    case Workload::kFp32: return "fp32";
    case Workload::kHpc: return "hpc";
    case Workload::kCpu: return "cpu";
  }
  return "training";
}

Result<Workload> ParseWorkload(std::string_view name) {
  for (int i = 0; i < kWorkloads; ++i)
    if (WorkloadName(static_cast<Workload>(i)) == name) return static_cast<Workload>(i);
  return Err(InvalidArgument("must be training, inference, fp32, hpc or cpu", "workload"));
}

Workload GuessWorkload(const domain::Job& job) {
  if (job.accelerators.count == 0 && job.accelerators.milli == 0) return Workload::kCpu;
  if (job.latency_limit_ms > 0) return Workload::kInference;
  return Workload::kTraining;
}

double PeakFor(const domain::Accelerator& a, Workload w) {
  switch (w) {
    case Workload::kTraining: return a.fp16_tflops;
    case Workload::kInference: return a.int8_tops > 0 ? a.int8_tops : 2 * a.fp16_tflops;
    case Workload::kFp32: return a.fp32_tflops;
    case Workload::kHpc: return a.fp64_tflops;
    case Workload::kCpu: return 0;
  }
  return 0;
}

SpeedTable::SpeedTable(const std::vector<domain::Accelerator>& accelerators,
                       std::map<std::pair<std::string, Workload>, double> measured) {
  double ref[kWorkloads];
  std::copy(std::begin(kReferencePeak), std::end(kReferencePeak), ref);
  for (const auto& a : accelerators) {
    if (a.id != kReference) continue;
    for (int w = 0; w < kWorkloads; ++w)
      if (double p = PeakFor(a, static_cast<Workload>(w)); p > 0) ref[w] = p;
  }
  for (int w = 0; w < kWorkloads; ++w) floor_[w] = {0, 0, false};
  for (const auto& a : accelerators) {
    Row& row = rows_[a.id];
    for (int w = 0; w < kWorkloads; ++w) {
      const auto wl = static_cast<Workload>(w);
      const double peak = PeakFor(a, wl);
      Speed s{peak / ref[w], peak, peak > 0};
      if (auto it = measured.find({a.id, wl}); it != measured.end()) {
        s.vs_reference = it->second;
        s.known = true;
      }
      row.by[w] = s;
      if (s.known && (floor_[w].vs_reference == 0 || s.vs_reference < floor_[w].vs_reference))
        floor_[w] = s;
    }
  }
  for (int w = 0; w < kWorkloads; ++w) {
    floor_[w].known = false;
    if (floor_[w].vs_reference == 0) floor_[w].vs_reference = 0.05;
  }
}

Speed SpeedTable::Of(const std::string& model, Workload w) const {
  if (model.empty() || w == Workload::kCpu) return {1.0, 0, true};
  auto it = rows_.find(model);
  if (it == rows_.end()) return floor_[static_cast<int>(w)];
  const Speed& s = it->second.by[static_cast<int>(w)];
  if (!s.known) {
    Speed f = floor_[static_cast<int>(w)];
    return {f.vs_reference, 0, false};
  }
  return s;
}

}  // namespace suanli::market
