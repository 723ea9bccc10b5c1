// Speed normalisation: how fast a workload runs on an accelerator, relative to a reference
// card (NVIDIA A100 SXM 80GB = 1.0), from the catalog's peak figures.
//
// One factor per model is not enough: Gavel (Narayanan et al., OSDI 2020) measured a V100's
// speed-up over a K80 anywhere from about 0.7× to 11.6× depending on the model trained. The
// reason is which unit bounds the work: large transformer training runs on the tensor cores
// (FP16/BF16), quantised serving on INT8, reinforcement learning and small models on the FP32
// vector units, scientific codes on FP64. So each workload class reads its own catalog figure,
// and the ratios between cards differ by class (an RTX 4090 is 0.5× an A100 for FP16 training
// but 4.2× for FP32 work). Measured factors (from the platform's own effective-compute data)
// can override any (model, workload) pair.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "domain/types.h"

namespace suanli::market {

enum class Workload { kTraining, kInference, kFp32, kHpc, kCpu };
inline constexpr int kWorkloads = 5;

std::string_view WorkloadName(Workload w);  // "training", "inference", "fp32", "hpc", "cpu"
Result<Workload> ParseWorkload(std::string_view name);

// The workload a job most likely is when it does not say: CPU-only -> cpu; a latency limit
// (serving users) -> inference; otherwise training.
Workload GuessWorkload(const domain::Job& job);

struct Speed {
  double vs_reference = 0;  // per device, reference card = 1.0
  double tflops = 0;        // per device, in the workload's precision (TOPS for INT8)
  bool known = false;       // false: the catalog has no figure; vs_reference is a floor
};

// Speeds of every catalog model for every workload. Immutable after construction; thread-safe.
class SpeedTable {
 public:
  // `accelerators`: the catalog. `measured`: optional overrides of vs_reference for
  // (catalog id, workload).
  explicit SpeedTable(const std::vector<domain::Accelerator>& accelerators,
                      std::map<std::pair<std::string, Workload>, double> measured = {});

  // Speed of one device of `model` for `w`. Unknown figures (0 in the catalog) get the slowest
  // known speed of any model for that workload, marked known = false: a conservative guess,
  // so unmeasured hardware is never ranked as fast. CPU work is 1.0 per core.
  Speed Of(const std::string& model, Workload w) const;

 private:
  struct Row {
    Speed by[kWorkloads];
  };
  std::map<std::string, Row> rows_;
  Speed floor_[kWorkloads];
};

// The peak figure a workload runs on (0 when the catalog does not know it).
double PeakFor(const domain::Accelerator& a, Workload w);

}  // namespace suanli::market
