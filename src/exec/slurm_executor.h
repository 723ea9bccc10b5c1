// Runs the work placed on Slurm pools (pools whose driver is "slurm"). The server runs one
// SlurmExecutor; every tick it looks at the registry's pools and, for each Slurm pool, drives a
// slurm::SlurmPoolDriver (src/slurm) for the pool's partition:
//
//  1. inventory: the partition's nodes become nodes of the pool (executor "slurm", owned by the
//     pool's org), created or updated when Slurm's view changed: CPUs, memory, GRES GPUs (type →
//     catalog id), and Slurm's state (down, drain) as ours. A node Slurm no longer lists is down.
//  2. tasks: the driver's Poll() says what Slurm did with our attempts; per node they become a
//     SyncRequest, exactly what an agent would report, applied by the ExecutionService
//     (running / succeeded / failed; a task the registry has running that Slurm lost is failed
//     and the gang requeued). Attempts still pending in Slurm are not reported: the registry
//     keeps them "assigned", and the driver's own record keeps them from being submitted twice.
//  3. Plan(): each assignment is submitted with sbatch (--nodelist = the node placement chose),
//     each kill is scancel'ed, and so is any live attempt the registry no longer wants (job
//     cancelled, requeued, moved).
//  4. output: Slurm writes each attempt's stdout+stderr to a file under `work_dir` (which the
//     Slurm nodes must see, as must this server); new bytes are copied into the LogStore, so
//     GET /api/v1/jobs/{id}/logs shows them.
//
// Restarts: the Slurm job name carries (pool, job, task, attempt); a fresh driver re-finds its
// attempts from Slurm (squeue, accounting), so after a restart nothing runs twice and an
// attempt that ended meanwhile is reported with its exit code.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "control/registry.h"
#include "core/periodic.h"
#include "exec/execution_service.h"
#include "slurm/client.h"
#include "slurm/driver.h"

namespace suanli::exec {

struct SlurmExecutorOptions {
  int tick_ms = 2000;
  // Slurm commands' directory ("" = PATH).
  std::string bin_dir;
  // Shared with the Slurm nodes: <work_dir>/<job id>/<task>.<attempt>.out is each attempt's
  // output file and its working directory is <work_dir>/<job id>.
  std::string work_dir;
  // Shared with the Slurm nodes: SUANLI_CHECKPOINT_DIR = <checkpoint_root>/<job id>/<task>,
  // the same for every attempt, so a requeued task resumes from its checkpoint.
  std::string checkpoint_root;
  // GRES GPU type -> catalog id, for types the catalog does not know by id or alias.
  std::map<std::string, std::string> gpu_models;
  // Prefix of the Slurm job names (followed by "-<pool id>-<job id>-<task>-<attempt>").
  std::string name_prefix = "suanli";
  // Log lines (stderr) on Slurm errors.
  bool verbose = true;
};

struct SlurmExecutorStats {
  uint64_t ticks = 0;
  uint64_t submitted = 0;
  uint64_t cancelled = 0;
  uint64_t errors = 0;
};

class SlurmExecutor {
 public:
  // `runner` runs the Slurm commands (the real one in the server, a fake one in tests); it and
  // the other pointers must outlive the executor.
  SlurmExecutor(control::Registry* registry, ExecutionService* exec,
                slurm::CommandRunner* runner, SlurmExecutorOptions options);
  ~SlurmExecutor();

  void Start();
  void Stop();
  // One round over every Slurm pool. Exposed for tests.
  void RunOnce();
  SlurmExecutorStats stats() const;

 private:
  struct PoolRun;

  void RunPool(const domain::Pool& pool, PoolRun& run);
  void SyncNodes(const domain::Pool& pool, PoolRun& run);
  void SyncTasks(const domain::Pool& pool, PoolRun& run);
  void CopyLogs(PoolRun& run);
  std::string OutputPath(const TaskKey& key) const;
  void Warn(const std::string& pool_id, const std::string& what);

  control::Registry* registry_;
  ExecutionService* exec_;
  slurm::CommandRunner* runner_;
  SlurmExecutorOptions options_;
  std::map<std::string, std::unique_ptr<PoolRun>> pools_;  // pool id -> its driver and state

  mutable std::mutex mu_;
  SlurmExecutorStats stats_;

  Periodic loop_;
};

// The catalog id of a Slurm GRES GPU type: `gpu_models` first, then the catalog (id or alias,
// case-insensitive, e.g. "h100" -> "nvidia-h100-sxm"); "" when unknown.
std::string CatalogIdOfGres(const std::string& gres_type,
                            const std::map<std::string, std::string>& gpu_models);

}  // namespace suanli::exec
