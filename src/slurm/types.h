// Plain structs of the Slurm pool driver: what a task asks Slurm for, what Slurm says about its
// nodes and jobs, and the task state changes the driver reports. No behaviour here.
//
// Identity: one Slurm batch job runs one attempt of one task of one of our jobs. Its Slurm job
// name is "<prefix>-<job id>-<task index>-<attempt>" (prefix "suanli" by default), which is how
// the driver finds its own work again after a restart. Our job ids may contain '-': the name is
// parsed from the right.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace suanli::slurm {

// Our side of a Slurm job: which attempt of which task of which job.
struct TaskKey {
  std::string job_id;
  int task_index = 0;
  int attempt = 0;  // 0 for the first run; +1 per requeue (= SUANLI_RESTART_COUNT)

  auto operator<=>(const TaskKey&) const = default;
};

// The life of a task as the platform sees it (the job states kJobStates without "scheduled").
enum class TaskState { kPending, kRunning, kSucceeded, kFailed, kCancelled };

std::string_view TaskStateName(TaskState s);  // "pending", "running", ...
inline bool IsTerminal(TaskState s) {
  return s == TaskState::kSucceeded || s == TaskState::kFailed || s == TaskState::kCancelled;
}

// What to run: one task attempt, submitted with sbatch.
struct TaskSpec {
  TaskKey key;
  std::string command;  // shell command line (the job's command for the pool's ecosystem)
  int cpus = 1;                 // --cpus-per-task
  int64_t memory_mib = 1024;    // --mem
  int gpus = 0;                 // whole GPUs: --gres=gpu[:gpu_type]:N
  std::string gpu_type;         // GRES type ("h100"); empty = any type
  std::string partition;        // empty = the driver's partition
  std::string node;             // Slurm node to run on (--nodelist); empty = Slurm chooses
  int64_t time_limit_s = 0;     // --time, rounded up to minutes; 0 = the partition's limit
  std::string output_path;      // stdout+stderr of the task (--output), appended across reruns
  std::string work_dir;         // --chdir; empty = "/"
  std::string checkpoint_dir;   // exported as SUANLI_CHECKPOINT_DIR (empty: not exported)
  // Further environment of the task. SUANLI_RESTART_COUNT (= key.attempt), SUANLI_JOB_ID and
  // SUANLI_TASK_INDEX are always set by the driver. Names must be [A-Za-z_][A-Za-z0-9_]* and
  // may not start with SLURM_ or SBATCH_ (those would steer sbatch itself).
  std::map<std::string, std::string> env;
};

// One GRES GPU entry of a node: "gpu:h100:4" -> {"h100", 4}. type is empty for "gpu:4".
struct GpuGres {
  std::string type;
  int count = 0;
  auto operator<=>(const GpuGres&) const = default;
};

// A Slurm node as `scontrol show node` reports it, plus our state mapping.
struct SlurmNode {
  std::string name;
  int cpus = 0;               // CPUTot
  int cpus_allocated = 0;     // CPUAlloc
  int64_t memory_mib = 0;     // RealMemory
  int64_t memory_allocated_mib = 0;  // AllocMem
  std::vector<GpuGres> gpus;  // from Gres=
  int gpus_allocated = 0;     // gres/gpu in AllocTRES (needs gres/gpu in AccountingStorageTRES)
  std::vector<std::string> partitions;
  std::string slurm_state;  // as Slurm says it: "IDLE", "MIXED+DRAIN", "DOWN+NOT_RESPONDING"
  std::string state;        // ours: ready | draining | cordoned | down
  std::string reason;       // Slurm's Reason= when set

  int TotalGpus() const {
    int n = 0;
    for (const auto& g : gpus) n += g.count;
    return n;
  }
};

// A Slurm job as squeue, scontrol or sacct report it.
struct SlurmJob {
  std::string id;        // Slurm job id ("4711")
  std::string name;      // job name
  std::string partition;
  std::string slurm_state;  // "RUNNING", "COMPLETED", "CANCELLED", ...
  std::string reason;       // squeue %r / scontrol Reason (why pending, why failed)
  std::string nodes;        // node list it runs or ran on; empty while pending
  std::optional<int> exit_code;  // known once the job ended (from scontrol or sacct)
  int signal = 0;                // the signal that ended it, 0 if none
};

// A task's state as the driver reports it to the execution service.
struct TaskUpdate {
  TaskKey key;
  std::string slurm_job_id;
  TaskState state = TaskState::kPending;
  // For terminal states: the exit status of the batch script; 128+N when killed by signal N;
  // -1 when unknown (e.g. the job vanished from Slurm without a record).
  int exit_code = 0;
  std::string reason;  // Slurm's state and reason, e.g. "FAILED (NonZeroExitCode)"
  std::string node;    // Slurm node(s) the task runs or ran on
};

}  // namespace suanli::slurm
