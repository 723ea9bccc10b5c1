// SlurmClient: the Slurm commands a pool driver needs (sbatch, squeue, scontrol, sacct,
// scancel), each run as an argv vector through a CommandRunner. Nothing from a task is ever
// put into a shell string: the batch script is a fixed text that runs "$SUANLI_COMMAND", and
// the command line reaches it through the job's environment.
//
// Finished jobs: squeue and scontrol know a job for MinJobAge after it ended (300 s by
// default). After that, Accounting() asks sacct (slurmdbd), and when accounting storage is
// disabled, `sacct -c` (the job-completion log, jobcomp/filetxt).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "slurm/process.h"
#include "slurm/types.h"

namespace suanli::slurm {

struct SlurmClientOptions {
  // Directory of the Slurm commands; empty = found in PATH.
  std::string bin_dir;
  // Prefix of our job names ("suanli" -> "suanli-<job>-<task>-<attempt>").
  std::string name_prefix = "suanli";
  // Partition used when a TaskSpec names none; empty = the cluster's default partition.
  std::string partition;
  // Environment variables of this process handed to sbatch (and so, with --export=ALL, to the
  // task) besides the task's own: PATH, locale, and SLURM_CONF to find a non-default cluster.
  // Nothing else of the server's environment (tokens, database URLs) reaches a task.
  std::vector<std::string> passthrough_env = {"PATH", "LANG", "LC_ALL", "TZ", "SLURM_CONF", "HOME"};
  // How far back Accounting() looks when listing our jobs (sacct --starttime).
  std::chrono::hours accounting_window{48};
  std::chrono::milliseconds command_timeout{30000};
};

class SlurmClient {
 public:
  // `runner` must outlive the client.
  SlurmClient(CommandRunner& runner, SlurmClientOptions options);

  const SlurmClientOptions& options() const { return options_; }

  // Every node (`scontrol show node`), or only those in `partition` when it is not empty.
  Result<std::vector<SlurmNode>> ImportNodes(const std::string& partition = "");

  // sbatch one task; returns the Slurm job id. The job is named TaskJobName(prefix, key),
  // asks for 1 node, 1 task, `cpus` CPUs, `memory_mib` MiB, `gpus` GRES GPUs, and is not
  // requeued by Slurm (--no-requeue): requeueing is the platform's (a new attempt).
  Result<std::string> Submit(const TaskSpec& task);

  // The argv and environment Submit would run (exposed for tests and for logging).
  Result<ProcessSpec> SubmitCommand(const TaskSpec& task) const;

  // Jobs squeue knows (all states, so recently finished jobs too), in `partition` when given;
  // only this user's (squeue --me) — the platform submits as its own account. Exit codes are
  // not known to squeue: see Job().
  Result<std::vector<SlurmJob>> Queue(const std::string& partition = "");

  // One job from `scontrol show job`, with its exit code once it ended. NotFound when
  // slurmctld has forgotten it (after MinJobAge).
  Result<SlurmJob> Job(const std::string& id);

  // Finished jobs from accounting: the given ids, or all jobs in the accounting window when
  // `ids` is empty. Tries sacct, then sacct -c; an empty list when neither knows anything.
  Result<std::vector<SlurmJob>> Accounting(const std::vector<std::string>& ids);

  // scancel; cancelling a job that already ended is not an error.
  Status Cancel(const std::string& id);

  // State per id: one squeue listing first; scontrol for the exit codes of jobs that ended and
  // for ids the listing lacks; accounting for jobs slurmctld has forgotten. Ids nobody knows
  // are missing from the map.
  // When `queue` is given it receives the whole squeue listing (partition filter as Queue()).
  Result<std::map<std::string, SlurmJob>> Poll(const std::vector<std::string>& ids,
                                               std::vector<SlurmJob>* queue = nullptr);

 private:
  Result<ProcessResult> RunSlurm(const std::string& command, std::vector<std::string> args,
                                 std::string stdin_data = {}) const;

  CommandRunner& runner_;
  SlurmClientOptions options_;
  // sacct (slurmdbd) answered "accounting storage is disabled": use sacct -c from then on.
  mutable bool use_jobcomp_ = false;
};

}  // namespace suanli::slurm
