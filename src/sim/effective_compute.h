// Effective compute under failures (有效算力, BRIEF §6): a training-heavy workload runs for a
// number of days on a simulated fleet, through the real scheduling engine (sched::Engine with
// the suanli policy, behind sched::ReliabilityPolicy), while the failure model (failure_model.h)
// breaks GPUs, hosts, links and job software. The same workload and the same physical faults
// (same seed) are run under different operating configurations — what many centres do today,
// and ours — and each is measured:
//
//   nominal   = every device × the whole period (spares and hardware under repair included)
//   allocated = device-time held by jobs
//   useful    = allocated − lost, where lost is: work redone after a failure (since the last
//               durable checkpoint), time a failed job still holds its devices before the
//               failure is detected, restart time (relaunch, rendezvous, checkpoint load) and
//               the time training blocks to write checkpoints
//
// and effective compute = useful / nominal (the BRIEF's definition) and useful / allocated.
//
// Time is virtual (seconds since the start); the run is deterministic for a seed.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "sim/failure_model.h"

namespace suanli::sim {

// One kind of job in the workload: `concurrent` jobs of this kind are wanted at all times (a
// job that completes is replaced by a new one: a closed loop, so the fleet has a backlog).
struct JobClass {
  std::string name;
  int nodes = 1;          // gang size in whole nodes (gpus_per_task = gpus_per_node), or
  int gpus_per_task = 0;  // for a one-task job: devices (1..gpus_per_node); 0 = whole nodes
  int concurrent = 1;
  double min_hours = 1, max_hours = 1;  // compute needed, uniform in [min, max]
  // A long, large job: placed as critical (clean nodes first), given priority.
  bool critical = false;
  int gpus(int gpus_per_node) const { return gpus_per_task > 0 ? gpus_per_task : nodes * gpus_per_node; }
};

// The training-heavy default for a fleet of `gpus` (document: docs/effective-compute.md):
// two 4,096-GPU pre-training runs, four 1,024-GPU runs, 256- and 64-GPU runs, 8-GPU fine-tunes
// and 1–4-GPU development jobs, scaled with the fleet size.
std::vector<JobClass> TrainingHeavyWorkload(int gpus, int gpus_per_node = 8);

// How the checkpoint interval is chosen.
enum class CheckpointRule : uint8_t {
  kFixed,      // `fixed_interval_s` for every job
  kYoungDaly,  // sqrt(2 · C · MTBF) for the job's size (Young 1974; Daly 2006), MTBF from the
               // fleet's calibrated rate
};

// One operating configuration: how failures are detected, handled and prevented.
struct Mechanisms {
  std::string name;
  // Fault → detected. The failed job holds its devices meanwhile (a collective hangs until a
  // timeout; a heartbeat or health check sees it in seconds).
  double detect_s = 15;
  // Detected → resubmitted: 0 = automatic; otherwise exponential with this mean (a person
  // notices and resubmits).
  double manual_resubmit_mean_s = 0;
  // Placed → computing again: relaunch, rendezvous, checkpoint load.
  double restart_s = 300;
  // Failed jobs go back to the head of the queue (else: behind everything already waiting).
  bool requeue_first = true;
  // Faulty device (GPU fault) or node (host/network fault) cordoned at once until diagnosed
  // and, if the fault persists, repaired. Without it the faulty hardware stays in the pool and
  // fails whatever runs there until a person pulls it (after `manual_pull_after` failures).
  bool cordon = true;
  int manual_pull_after = 3;
  // Nodes with `drain_after` hardware faults within `drain_window_h` are drained for repair
  // and, once back, ranked down for critical jobs for `suspect_days`.
  bool drain_repeat = true;
  int drain_after = 2;
  double drain_window_h = 30 * 24;
  double suspect_days = 30;
  // Hot standby: nodes kept out of service and handed in, one for one, as hardware goes out.
  double spare_fraction = 0.005;
  // Checkpoints.
  CheckpointRule checkpoint_rule = CheckpointRule::kYoungDaly;
  double fixed_interval_s = 3 * 3600;
  // Asynchronous checkpoints: training blocks only to copy the state to host memory
  // (`async_block_s`); the write to storage proceeds in the background and the checkpoint is
  // usable once it lands. Synchronous: training blocks for the whole write.
  bool async_checkpoint = true;
  double async_block_s = 5;
  // Share of jobs (below `critical`) that never checkpoint and restart from their start.
  double no_checkpoint_fraction = 0;

  static Mechanisms Baseline();
  static Mechanisms Ours();
};

// Baseline and ours; with `ablations`, also ours without each mechanism in turn and the
// baseline with fast automatic detection.
std::vector<Mechanisms> FailureConfigs(bool ablations);

// Parameters of the world, the same for every configuration.
struct FleetOptions {
  int gpus = 16000;
  int gpus_per_node = 8;
  int nodes_per_domain = 32;  // super-node / leaf switch group
  double days = 30;
  uint64_t seed = 42;
  FailureModelOptions faults;
  // Synchronous checkpoint write: per-GPU state over the storage bandwidth the job gets, plus a
  // fixed part (Llama 3 reports 1 MB–4 GB of state per GPU).
  double checkpoint_gb_per_gpu = 2;
  double storage_gb_per_s = 100;
  double checkpoint_fixed_s = 5;
  // Fault → the hardware is back in service: a reset and health check for a transient fault, a
  // repair (part replaced) for a persistent one; a drained node's burn-in and repair.
  double diagnose_s = 1800;
  std::array<double, kFaultKinds> repair_s = {48 * 3600.0, 24 * 3600.0, 8 * 3600.0, 0};
  double drain_repair_s = 48 * 3600.0;
  double drain_cures_fraction = 0.5;  // a drained lemon is cured with this chance
  // A job started on hardware with a persistent fault fails after an exponential time of mean:
  double recur_mean_s = 20 * 60;
  std::vector<JobClass> workload;  // empty = TrainingHeavyWorkload(gpus)
};

struct EffectiveComputeReport {
  std::string config;
  double nominal_gpu_h = 0, allocated_gpu_h = 0, useful_gpu_h = 0;
  // Lost device-hours by cause.
  double rework_gpu_h = 0, detection_gpu_h = 0, restart_gpu_h = 0, checkpoint_gpu_h = 0;
  double effective_nominal_pct = 0;    // useful / nominal
  double effective_allocated_pct = 0;  // useful / allocated
  double allocated_pct = 0;            // allocated / nominal
  // Job interruptions by fault kind, and how many hit a job on hardware that had already failed.
  std::array<int64_t, kFaultKinds> interruptions{};
  int64_t interruptions_total = 0, repeat_interruptions = 0;
  // Hardware faults of each kind (on busy or idle hardware).
  std::array<int64_t, kFaultKinds> faults{};
  // Fault → the job computes again, over interruptions recovered within the period.
  double mttr_s = 0;
  int64_t recovered = 0;
  // Jobs completed; nodes drained; devices or nodes taken out of service (cordoned, drained,
  // or pulled by a person in the baseline).
  int64_t jobs_completed = 0, drains = 0, cordons = 0;
  // Per job class: share of allocated GPU-hours and useful / allocated.
  struct ClassLine {
    std::string name;
    int gpus = 0;
    double allocated_gpu_h = 0, useful_gpu_h = 0;
    int64_t interruptions = 0;
    double checkpoint_interval_s = 0;  // of a job that checkpoints (+inf: none needed)
  };
  std::vector<ClassLine> classes;
};

// Runs one configuration. InvalidArgument on a bad fleet or workload.
Result<EffectiveComputeReport> RunEffectiveCompute(const FleetOptions& fleet,
                                                   const Mechanisms& mech);

// The checkpoint interval a configuration gives a job of `gpus` devices whose blocking write
// costs `cost_s`: the fixed interval, or Young/Daly sqrt(2 · cost · MTBF) with the job's MTBF
// from the fleet's calibrated per-GPU rate (+inf, i.e. no checkpoints, when nothing fails).
double CheckpointInterval(const Mechanisms& m, const FleetOptions& fleet, int gpus, double cost_s);

}  // namespace suanli::sim
