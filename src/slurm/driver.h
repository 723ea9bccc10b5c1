// SlurmPoolDriver: what the execution service calls, tick by tick, for a pool whose driver is
// "slurm". It imports the partition's nodes as the pool's inventory, starts task attempts as
// Slurm batch jobs, reports their state changes, and cancels them.
//
// Identity and restarts. Each attempt of each task is one Slurm job named
// "<prefix>-<job id>-<task index>-<attempt>". The driver keeps (job, task, attempt) <-> Slurm
// job id in memory only; a fresh driver (after our server restarted) rebuilds it from Slurm on
// its first call: squeue (pending, running, recently finished jobs) and accounting (sacct or
// sacct -c, jobs finished in the last accounting window). So:
//   - Start() of an attempt Slurm already has (running or finished) submits nothing and
//     returns the existing Slurm job id: no duplicate, even when the previous server died
//     between sbatch and recording the id;
//   - a task that finished while we were down is reported by the next Poll() with its exit
//     code: nothing is lost;
//   - at most one attempt per task runs: Start() of attempt N cancels live attempts < N.
// The first Poll() of a fresh driver reports the current state of every attempt it found;
// callers must treat a repeated report of a state they already recorded as a no-op.
//
// All calls are serialized (one mutex) and block on Slurm commands (each bounded by the
// client's command timeout). One driver per pool; one control plane submits to a pool.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "slurm/client.h"
#include "slurm/types.h"

namespace suanli::slurm {

struct SlurmPoolOptions {
  std::string pool_id;  // for messages
  // GRES GPU type -> accelerator catalog id ("h100" -> "nvidia-h100-sxm"). Types not listed
  // are reported as they are.
  std::map<std::string, std::string> gpu_models;
  // A tracked attempt that neither squeue, scontrol nor accounting knows for this many
  // consecutive polls is reported failed (exit code -1): it vanished from Slurm.
  int lost_after_polls = 3;
};

// One accelerator kind on a node.
struct PoolNodeAccelerators {
  std::string model;     // catalog id via SlurmPoolOptions::gpu_models, else the GRES type
  std::string gres_type;  // as Slurm names it ("h100"; empty for untyped "gpu:N")
  int count = 0;
  auto operator<=>(const PoolNodeAccelerators&) const = default;
};

// A node of the pool, as SyncInventory reports it (maps onto domain::Node).
struct PoolNode {
  std::string name;  // the Slurm node name: also what TaskSpec::node names
  int cpu_cores = 0;
  int64_t memory_mib = 0;
  std::vector<PoolNodeAccelerators> accelerators;
  std::string state = "ready";  // ready | draining | cordoned | down (see MapNodeState)
  std::string state_reason;     // Slurm's state and Reason, e.g. "IDLE+DRAIN: bad fan"
  // What Slurm has allocated on it now (also work that is not ours).
  int cpu_cores_allocated = 0;
  int64_t memory_allocated_mib = 0;
  int accelerators_allocated = 0;
};

// An attempt the driver follows.
struct TrackedTask {
  TaskKey key;
  std::string slurm_job_id;
  std::optional<TaskState> reported;  // last state reported by Poll (none yet: nullopt)
};

class SlurmPoolDriver {
 public:
  // `client` must outlive the driver. Its options name the partition and the job-name prefix.
  SlurmPoolDriver(SlurmClient& client, SlurmPoolOptions options);

  // The partition's nodes with CPUs, memory, GPUs (GRES) and state.
  Result<std::vector<PoolNode>> SyncInventory();

  // Submits one attempt of one task (idempotent per key, see above); returns its Slurm job id.
  // FailedPrecondition when Slurm refuses the request outright (no node could ever run it).
  Result<std::string> Start(const TaskSpec& task);

  // State changes since the previous call: one TaskUpdate per attempt whose state changed,
  // terminal states with their exit code. An attempt is reported terminal once, then
  // forgotten when Slurm forgets it.
  Result<std::vector<TaskUpdate>> Poll();

  // scancel one attempt. NotFound when the driver does not know it; OK when it already ended.
  // The next Poll reports it cancelled (or its real end, when it finished first).
  Status Cancel(const TaskKey& key);
  // Cancels every live attempt of every task of a job (a gang).
  Status CancelJob(const std::string& job_id);

  // Rebuilds the map from Slurm (squeue + accounting). Called by the first Start/Poll/Cancel;
  // call it directly to surface errors early.
  Status Reconcile();

  std::optional<std::string> SlurmJobId(const TaskKey& key) const;
  std::vector<TrackedTask> Tracked() const;

 private:
  struct Entry {
    std::string slurm_job_id;
    std::optional<TaskState> reported;
    int missing_polls = 0;
  };

  Status EnsureReconciledLocked();
  // Records a Slurm job of ours; for a second live job under the same name, cancels the newer.
  void AdoptLocked(const TaskKey& key, const SlurmJob& job);
  Status CancelLocked(const TaskKey& key, Entry& e);

  SlurmClient& client_;
  SlurmPoolOptions options_;
  mutable std::mutex mu_;
  bool reconciled_ = false;
  std::map<TaskKey, Entry> tasks_;
  std::map<std::string, TaskKey> by_slurm_id_;
};

// "<STATE> (<reason>)" or "<STATE>", for TaskUpdate::reason.
std::string DescribeSlurmState(const SlurmJob& job);

}  // namespace suanli::slurm
