// Parsers of Slurm command output and the mappings from Slurm's vocabulary to ours. Pure
// functions, tested on output captured from a real Slurm 22.05 (slurm_parse_test.cc).
//
// Formats relied on (stable across Slurm 20.11 - 24.x):
//   scontrol --oneliner --details show node   "Key=Value Key=Value ..." one node per line
//   scontrol --oneliner show job ID     same, one job
//   squeue --noheader --format=%i|%j|%P|%T|%r|%N
//   sacct --noheader --parsable2 --format=JobIDRaw,JobName,Partition,State,ExitCode,NodeList
//   (sacct -c reads the job-completion log with the same --format)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "slurm/types.h"

namespace suanli::slurm {

// The squeue and sacct formats the parsers below expect (kept next to their parsers).
inline constexpr std::string_view kSqueueFormat = "%i|%j|%P|%T|%r|%N";
inline constexpr std::string_view kSacctFormat = "JobIDRaw,JobName,Partition,State,ExitCode,NodeList";

// One line of `scontrol --oneliner show ...` as ordered key/value pairs. A token with no '='
// continues the previous value ("Reason=Not responding [slurm@...]"); keys may contain ':' and
// '/' ("AllocNode:Sid", "CPUs/Task"); a value keeps any further '=' ("CfgTRES=cpu=2,mem=2000M").
std::map<std::string, std::string> ParseKeyValues(std::string_view line);

// "gpu:h100:4(S:0-1),gpu:2,mps:100" -> [{h100,4},{"",2}]; "(null)" and "" -> [].
std::vector<GpuGres> ParseGpuGres(std::string_view gres);

// gres/gpu out of a TRES string: "cpu=2,mem=4G,gres/gpu=3,gres/gpu:h100=3" -> 3.
int GpuCountFromTres(std::string_view tres);

// Slurm node state ("IDLE", "MIXED+DRAIN", "DOWN+NOT_RESPONDING", "IDLE+MAINTENANCE") to ours:
//   DOWN, FAIL, NOT_RESPONDING, UNKNOWN, FUTURE, INVAL, power-saving/powered-down -> down
//   DRAIN while jobs run (ALLOCATED/MIXED/COMPLETING + DRAIN), FAILING           -> draining
//   DRAIN on an idle node (drained), MAINTENANCE, REBOOT_REQUESTED/ISSUED          -> cordoned
//   IDLE, MIXED, ALLOCATED, COMPLETING, PLANNED, RESERVED                          -> ready
std::string MapNodeState(std::string_view slurm_state);

// All nodes of `scontrol --oneliner --details show node` output.
Result<std::vector<SlurmNode>> ParseNodes(std::string_view scontrol_output);

// Slurm job state (squeue %T, scontrol JobState, sacct State) to ours:
//   PENDING, REQUEUED, REQUEUE_HOLD, REQUEUE_FED, RESV_DEL_HOLD, CONFIGURING  -> pending
//   RUNNING, COMPLETING, SUSPENDED, STOPPED, SIGNALING, STAGE_OUT, RESIZING  -> running
//   COMPLETED                                                                -> succeeded
//   CANCELLED (sacct: "CANCELLED by 0"), REVOKED                             -> cancelled
//   FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, BOOT_FAIL, DEADLINE, PREEMPTED,
//   SPECIAL_EXIT and anything unknown once ended                              -> failed
std::optional<TaskState> MapJobState(std::string_view slurm_state);

// "3:0" -> {3, 0}; "0:15" -> {0, 15}. nullopt when malformed.
struct ExitStatus {
  int code = 0;
  int signal = 0;
};
std::optional<ExitStatus> ParseExitCode(std::string_view text);

// squeue --noheader --format=kSqueueFormat output.
Result<std::vector<SlurmJob>> ParseSqueue(std::string_view output);
// sacct --noheader --parsable2 --format=kSacctFormat output (also sacct -c). With several rows
// for one id (a requeued job), the last wins.
Result<std::vector<SlurmJob>> ParseSacct(std::string_view output);
// One job of `scontrol --oneliner show job ID`.
Result<SlurmJob> ParseScontrolJob(std::string_view output);

// "suanli-job-x1-0-2" with prefix "suanli" -> {job-x1, 0, 2}; nullopt for other names.
std::optional<TaskKey> ParseTaskJobName(std::string_view name, std::string_view prefix);
std::string TaskJobName(std::string_view prefix, const TaskKey& key);

// sbatch --parsable output "4711" or "4711;cluster" -> "4711".
Result<std::string> ParseSbatchJobId(std::string_view output);

}  // namespace suanli::slurm
