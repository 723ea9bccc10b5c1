// The presets of the effective-compute simulation: the training-heavy workload, the two
// operating configurations, and the checkpoint interval rule. Every figure is documented, with
// its source or as our assumption, in docs/effective-compute.md.
#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/effective_compute.h"

namespace suanli::sim {

std::vector<JobClass> TrainingHeavyWorkload(int gpus, int gpus_per_node) {
  // For 16,000 GPUs. `concurrent` is how many of each are wanted at once; together they ask
  // for ~16,300 GPUs, so there is always a small backlog of development work.
  const int g = gpus_per_node;
  std::vector<JobClass> base = {
      {"pretrain-4096", 4096 / g, 0, 2, 90 * 24, 120 * 24, true},
      {"train-1024", 1024 / g, 0, 4, 4 * 24, 10 * 24, true},
      {"train-256", 256 / g, 0, 6, 24, 72, true},
      {"train-64", 64 / g, 0, 16, 12, 48, false},
      {"finetune-8", 1, 0, 110, 2, 24, false},
      {"dev-4", 1, std::min(4, g), 80, 0.5, 8, false},
      {"dev-2", 1, std::min(2, g), 80, 0.5, 8, false},
      {"dev-1", 1, 1, 80, 0.5, 8, false},
  };
  // Scaling to another fleet: the long, large runs scale with the fleet (rounded; a gang must
  // fit in 60% of it, so that it can be restarted beside the others), then the smaller classes
  // are scaled together to bring the demand back to the same ~102% of the fleet.
  double base_demand = 0, small_demand = 0, big_demand = 0;
  for (const JobClass& c : base) {
    base_demand += static_cast<double>(c.gpus(g)) * c.concurrent;
    if (!c.critical) small_demand += static_cast<double>(c.gpus(g)) * c.concurrent;
  }
  const double scale = static_cast<double>(gpus) / 16000.0;
  std::vector<JobClass> out;
  for (JobClass c : base) {
    if (!c.critical || c.nodes < 1 || c.gpus(g) > 0.6 * gpus) continue;
    c.concurrent = static_cast<int>(std::lround(c.concurrent * scale));
    big_demand += static_cast<double>(c.gpus(g)) * c.concurrent;
    if (c.concurrent > 0) out.push_back(c);
  }
  const double small_scale = std::max(0.0, base_demand * scale - big_demand) / small_demand;
  for (JobClass c : base) {
    if (c.critical || c.nodes < 1 || c.gpus(g) > 0.6 * gpus) continue;
    c.concurrent = static_cast<int>(std::lround(c.concurrent * small_scale));
    if (c.concurrent > 0) out.push_back(c);
  }
  return out;
}

Mechanisms Mechanisms::Baseline() {
  Mechanisms m;
  m.name = "baseline";
  m.detect_s = 30 * 60;                // a hung collective until the job's timeout
  m.manual_resubmit_mean_s = 60 * 60;  // someone notices and resubmits
  m.restart_s = 10 * 60;               // image pull, rendezvous, load from shared storage
  m.requeue_first = false;             // resubmitted behind what is waiting
  m.cordon = false;                    // faulty hardware stays in the pool ...
  m.manual_pull_after = 3;             // ... until it has failed jobs three times
  m.drain_repeat = false;
  m.spare_fraction = 0;
  m.checkpoint_rule = CheckpointRule::kFixed;
  m.fixed_interval_s = 3 * 3600;
  m.async_checkpoint = false;
  m.no_checkpoint_fraction = 0.3;  // of the non-critical jobs: restart from the start
  return m;
}

Mechanisms Mechanisms::Ours() {
  Mechanisms m;
  m.name = "ours";
  m.detect_s = 15;  // missed heartbeats / device health from the node agent (issue 5: <= 15 s)
  m.manual_resubmit_mean_s = 0;
  m.restart_s = 5 * 60;  // hot standby: the replacement node is already provisioned
  m.requeue_first = true;
  m.cordon = true;
  m.drain_repeat = true;
  m.spare_fraction = 0.005;
  m.checkpoint_rule = CheckpointRule::kYoungDaly;
  m.async_checkpoint = true;
  m.async_block_s = 5;
  m.no_checkpoint_fraction = 0;  // the platform gives every task SUANLI_CHECKPOINT_DIR
  return m;
}

double CheckpointInterval(const Mechanisms& m, const FleetOptions& fleet, int gpus,
                          double cost_s) {
  if (m.checkpoint_rule == CheckpointRule::kFixed) return m.fixed_interval_s;
  const double per_gpu_h = fleet.faults.rates.PerGpuHour(fleet.gpus_per_node);
  if (per_gpu_h <= 0 || gpus <= 0) return std::numeric_limits<double>::infinity();
  const double mtbf_s = 3600.0 / (per_gpu_h * gpus);
  return std::sqrt(2.0 * std::max(cost_s, 1e-3) * mtbf_s);
}

std::vector<Mechanisms> FailureConfigs(bool ablations) {
  std::vector<Mechanisms> out = {Mechanisms::Baseline(), Mechanisms::Ours()};
  if (!ablations) return out;
  Mechanisms m = Mechanisms::Ours();
  m.name = "ours-sync-checkpoint";
  m.async_checkpoint = false;
  out.push_back(m);
  m = Mechanisms::Ours();
  m.name = "ours-3h-checkpoint";
  m.checkpoint_rule = CheckpointRule::kFixed;
  out.push_back(m);
  m = Mechanisms::Ours();
  m.name = "ours-no-cordon";
  m.cordon = false;  // faulty hardware stays in the pool until a person pulls it
  m.drain_repeat = false;
  out.push_back(m);
  m = Mechanisms::Ours();
  m.name = "ours-no-drain-rank";
  m.drain_repeat = false;
  out.push_back(m);
  m = Mechanisms::Ours();
  m.name = "ours-no-spares";
  m.spare_fraction = 0;
  out.push_back(m);
  m = Mechanisms::Baseline();
  m.name = "baseline-fast-detect";
  m.detect_s = 15;
  m.manual_resubmit_mean_s = 0;
  out.push_back(m);
  return out;
}

}  // namespace suanli::sim
