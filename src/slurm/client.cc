#include "slurm/client.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

#include "slurm/parse.h"

namespace suanli::slurm {
namespace {

// The whole batch script. Fixed text: the task's command line arrives in the environment.
constexpr std::string_view kBatchScript =
    "#!/bin/sh\n"
    "# suanli task: runs the command line of the task (SUANLI_COMMAND) with /bin/sh.\n"
    "exec /bin/sh -c \"$SUANLI_COMMAND\"\n";

bool ValidEnvName(const std::string& name) {
  if (name.empty() || (!std::isalpha(static_cast<unsigned char>(name[0])) && name[0] != '_')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string JoinIds(const std::vector<std::string>& ids) {
  std::string s;
  for (const auto& id : ids) {
    if (!s.empty()) s += ',';
    s += id;
  }
  return s;
}

}  // namespace

SlurmClient::SlurmClient(CommandRunner& runner, SlurmClientOptions options)
    : runner_(runner), options_(std::move(options)) {}

Result<ProcessResult> SlurmClient::RunSlurm(const std::string& command,
                                            std::vector<std::string> args,
                                            std::string stdin_data) const {
  ProcessSpec spec;
  spec.argv.push_back(options_.bin_dir.empty() ? command : options_.bin_dir + "/" + command);
  for (auto& a : args) spec.argv.push_back(std::move(a));
  spec.stdin_data = std::move(stdin_data);
  spec.timeout = options_.command_timeout;
  auto r = runner_.Run(spec);
  if (!r) return Err(Unavailable(command + ": " + r.error().message()));
  return r;
}

Result<std::vector<SlurmNode>> SlurmClient::ImportNodes(const std::string& partition) {
  auto r = RunSlurm("scontrol", {"--oneliner", "--details", "show", "node"});
  if (!r) return Err(r.error());
  if (!r->ok()) return Err(Unavailable("scontrol show node: " + r->Describe()));
  auto nodes = ParseNodes(r->out);
  if (!nodes || partition.empty()) return nodes;
  std::vector<SlurmNode> in_partition;
  for (auto& n : *nodes) {
    if (std::find(n.partitions.begin(), n.partitions.end(), partition) != n.partitions.end()) {
      in_partition.push_back(std::move(n));
    }
  }
  return in_partition;
}

Result<ProcessSpec> SlurmClient::SubmitCommand(const TaskSpec& task) const {
  const TaskKey& key = task.key;
  if (key.job_id.empty()) return Err(InvalidArgument("job id is empty", "job_id"));
  if (key.task_index < 0) return Err(InvalidArgument("task index < 0", "task_index"));
  if (key.attempt < 0) return Err(InvalidArgument("attempt < 0", "attempt"));
  // Job ids become part of the Slurm job name: keep them to a safe alphabet.
  for (char c : key.job_id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return Err(InvalidArgument("job id has characters other than [A-Za-z0-9._-]", "job_id"));
    }
  }
  if (task.command.empty()) return Err(InvalidArgument("command is empty", "command"));
  if (task.cpus < 1) return Err(InvalidArgument("cpus < 1", "cpus"));
  if (task.memory_mib < 1) return Err(InvalidArgument("memory < 1 MiB", "memory_mib"));
  if (task.gpus < 0) return Err(InvalidArgument("gpus < 0", "gpus"));
  if (task.time_limit_s < 0) return Err(InvalidArgument("time limit < 0", "time_limit_s"));
  // GRES type and node names are Slurm identifiers: reject separators that would change
  // the meaning of --gres / --nodelist.
  auto plain = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
  };
  if (!plain(task.gpu_type)) return Err(InvalidArgument("bad GPU type", "gpu_type"));
  if (!plain(task.node)) return Err(InvalidArgument("bad node name", "node"));
  std::string partition = task.partition.empty() ? options_.partition : task.partition;
  if (!plain(partition)) return Err(InvalidArgument("bad partition", "partition"));

  ProcessSpec spec;
  spec.argv = {options_.bin_dir.empty() ? "sbatch" : options_.bin_dir + "/sbatch",
               "--parsable",
               "--job-name=" + TaskJobName(options_.name_prefix, key),
               "--nodes=1",
               "--ntasks=1",
               "--cpus-per-task=" + std::to_string(task.cpus),
               "--mem=" + std::to_string(task.memory_mib) + "M",
               "--no-requeue",
               "--export=ALL",
               "--chdir=" + (task.work_dir.empty() ? std::string("/") : task.work_dir)};
  if (!partition.empty()) spec.argv.push_back("--partition=" + partition);
  if (task.gpus > 0) {
    spec.argv.push_back("--gres=gpu:" + (task.gpu_type.empty() ? "" : task.gpu_type + ":") +
                        std::to_string(task.gpus));
  }
  if (!task.node.empty()) spec.argv.push_back("--nodelist=" + task.node);
  if (task.time_limit_s > 0) {
    spec.argv.push_back("--time=" + std::to_string((task.time_limit_s + 59) / 60));
  }
  if (!task.output_path.empty()) {
    spec.argv.push_back("--output=" + task.output_path);
    spec.argv.push_back("--open-mode=append");
  } else {
    spec.argv.push_back("--output=/dev/null");
  }

  // The environment of sbatch is the task's (--export=ALL): a few variables of ours, then the
  // task's own, then what the driver sets. Nothing else of this process gets through.
  std::map<std::string, std::string> env;
  for (const auto& name : options_.passthrough_env) {
    if (const char* v = std::getenv(name.c_str())) env[name] = v;
  }
  if (!env.count("PATH")) env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& [name, value] : task.env) {
    if (!ValidEnvName(name)) return Err(InvalidArgument("bad environment variable name: " + name, "env"));
    if (name.rfind("SLURM_", 0) == 0 || name.rfind("SBATCH_", 0) == 0) {
      return Err(InvalidArgument("environment variable may not steer Slurm: " + name, "env"));
    }
    env[name] = value;
  }
  env["SUANLI_COMMAND"] = task.command;
  env["SUANLI_JOB_ID"] = key.job_id;
  env["SUANLI_TASK_INDEX"] = std::to_string(key.task_index);
  env["SUANLI_RESTART_COUNT"] = std::to_string(key.attempt);
  if (!task.checkpoint_dir.empty()) env["SUANLI_CHECKPOINT_DIR"] = task.checkpoint_dir;
  std::vector<std::string> envp;
  for (const auto& [name, value] : env) envp.push_back(name + "=" + value);
  spec.env = std::move(envp);
  spec.stdin_data = std::string(kBatchScript);
  spec.timeout = options_.command_timeout;
  return spec;
}

Result<std::string> SlurmClient::Submit(const TaskSpec& task) {
  auto spec = SubmitCommand(task);
  if (!spec) return Err(spec.error());
  auto r = runner_.Run(*spec);
  if (!r) return Err(Unavailable("sbatch: " + r.error().message()));
  if (!r->ok()) {
    // Requests the cluster can never satisfy are the caller's problem, the rest is Slurm's.
    if (Contains(r->err, "Requested node configuration is not available") ||
        Contains(r->err, "Invalid generic resource") || Contains(r->err, "invalid partition") ||
        Contains(r->err, "Invalid partition") || Contains(r->err, "Memory specification can not be satisfied") ||
        Contains(r->err, "Invalid node name")) {
      return Err(FailedPrecondition("sbatch refused the task: " + r->Describe()));
    }
    return Err(Unavailable("sbatch: " + r->Describe()));
  }
  return ParseSbatchJobId(r->out);
}

Result<std::vector<SlurmJob>> SlurmClient::Queue(const std::string& partition) {
  std::vector<std::string> args = {"--noheader", "--me", "--states=all",
                                   "--format=" + std::string(kSqueueFormat)};
  if (!partition.empty()) args.push_back("--partition=" + partition);
  auto r = RunSlurm("squeue", std::move(args));
  if (!r) return Err(r.error());
  if (!r->ok()) return Err(Unavailable("squeue: " + r->Describe()));
  return ParseSqueue(r->out);
}

Result<SlurmJob> SlurmClient::Job(const std::string& id) {
  auto r = RunSlurm("scontrol", {"--oneliner", "show", "job", id});
  if (!r) return Err(r.error());
  if (!r->ok()) {
    if (Contains(r->err, "Invalid job id")) return Err(NotFound("Slurm job " + id + " is not known"));
    return Err(Unavailable("scontrol show job: " + r->Describe()));
  }
  return ParseScontrolJob(r->out);
}

Result<std::vector<SlurmJob>> SlurmClient::Accounting(const std::vector<std::string>& ids) {
  std::vector<std::string> args = {"--noheader", "--parsable2", "--allocations",
                                   "--format=" + std::string(kSacctFormat)};
  if (ids.empty()) {
    args.push_back("--starttime=now-" + std::to_string(options_.accounting_window.count() * 3600));
  } else {
    args.push_back("--jobs=" + JoinIds(ids));
  }
  if (!use_jobcomp_) {
    auto r = RunSlurm("sacct", args);
    if (!r) return Err(r.error());
    if (r->ok()) return ParseSacct(r->out);
    if (!Contains(r->err, "accounting storage is disabled")) {
      return Err(Unavailable("sacct: " + r->Describe()));
    }
    use_jobcomp_ = true;
  }
  args.insert(args.begin(), "--completion");
  auto r = RunSlurm("sacct", std::move(args));
  if (!r) return Err(r.error());
  // No job-completion log configured: nothing is known about jobs slurmctld forgot.
  if (!r->ok()) return std::vector<SlurmJob>{};
  return ParseSacct(r->out);
}

Status SlurmClient::Cancel(const std::string& id) {
  auto r = RunSlurm("scancel", {id});
  if (!r) return r.error();
  if (r->ok()) return OkStatus();
  if (Contains(r->err, "Invalid job id") || Contains(r->err, "already complet")) return OkStatus();
  return Unavailable("scancel " + id + ": " + r->Describe());
}

Result<std::map<std::string, SlurmJob>> SlurmClient::Poll(const std::vector<std::string>& ids,
                                                          std::vector<SlurmJob>* queue_out) {
  std::map<std::string, SlurmJob> found;
  std::set<std::string> wanted(ids.begin(), ids.end());
  auto queue = Queue(options_.partition);
  if (!queue) return Err(queue.error());
  for (const auto& j : *queue) {
    if (wanted.count(j.id)) found[j.id] = j;
  }
  if (queue_out != nullptr) *queue_out = std::move(*queue);
  std::vector<std::string> missing, forgotten_early;
  for (const auto& id : wanted) {
    auto it = found.find(id);
    if (it == found.end()) {
      missing.push_back(id);
      continue;
    }
    auto state = MapJobState(it->second.slurm_state);
    if (state && IsTerminal(*state)) {
      auto job = Job(id);
      if (job) {
        it->second = std::move(*job);
      } else if (job.error().code() == StatusCode::kNotFound) {
        found.erase(it);  // forgotten between the two calls
        forgotten_early.push_back(id);
      } else {
        return Err(job.error());
      }
    }
  }
  // Not in the listing: in another partition than ours, or forgotten by slurmctld.
  std::vector<std::string> forgotten = forgotten_early;
  for (const auto& id : missing) {
    auto job = Job(id);
    if (job) {
      found[id] = std::move(*job);
    } else if (job.error().code() == StatusCode::kNotFound) {
      forgotten.push_back(id);
    } else {
      return Err(job.error());
    }
  }
  if (!forgotten.empty()) {
    auto acct = Accounting(forgotten);
    if (!acct) return Err(acct.error());
    for (auto& j : *acct) {
      if (wanted.count(j.id)) found[j.id] = std::move(j);
    }
  }
  return found;
}

}  // namespace suanli::slurm
