#include "slurm/driver.h"

#include <set>

#include "slurm/parse.h"

namespace suanli::slurm {
namespace {

// Slurm job ids are decimal; the earlier submission has the smaller id.
bool SubmittedBefore(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

bool IsLive(const SlurmJob& job) {
  auto s = MapJobState(job.slurm_state);
  return s && !IsTerminal(*s);
}

}  // namespace

std::string DescribeSlurmState(const SlurmJob& job) {
  if (job.reason.empty()) return job.slurm_state;
  return job.slurm_state + " (" + job.reason + ")";
}

SlurmPoolDriver::SlurmPoolDriver(SlurmClient& client, SlurmPoolOptions options)
    : client_(client), options_(std::move(options)) {}

Result<std::vector<PoolNode>> SlurmPoolDriver::SyncInventory() {
  auto nodes = client_.ImportNodes(client_.options().partition);
  if (!nodes) return Err(nodes.error());
  std::vector<PoolNode> out;
  out.reserve(nodes->size());
  for (const auto& n : *nodes) {
    PoolNode p;
    p.name = n.name;
    p.cpu_cores = n.cpus;
    p.memory_mib = n.memory_mib;
    for (const auto& g : n.gpus) {
      PoolNodeAccelerators a;
      a.gres_type = g.type;
      auto it = options_.gpu_models.find(g.type);
      a.model = it != options_.gpu_models.end() ? it->second : g.type;
      a.count = g.count;
      p.accelerators.push_back(std::move(a));
    }
    p.state = n.state;
    p.state_reason = n.reason.empty() ? n.slurm_state : n.slurm_state + ": " + n.reason;
    if (p.state == "ready" && n.reason.empty()) p.state_reason.clear();
    p.cpu_cores_allocated = n.cpus_allocated;
    p.memory_allocated_mib = n.memory_allocated_mib;
    p.accelerators_allocated = n.gpus_allocated;
    out.push_back(std::move(p));
  }
  return out;
}

void SlurmPoolDriver::AdoptLocked(const TaskKey& key, const SlurmJob& job) {
  if (by_slurm_id_.count(job.id)) return;
  auto it = tasks_.find(key);
  if (it == tasks_.end()) {
    tasks_[key] = Entry{job.id, std::nullopt, 0};
    by_slurm_id_[job.id] = key;
    return;
  }
  // Two Slurm jobs for one attempt: keep the first submission, stop the other if it runs.
  Entry& e = it->second;
  if (SubmittedBefore(job.id, e.slurm_job_id)) {
    std::string newer = e.slurm_job_id;
    by_slurm_id_.erase(newer);
    e = Entry{job.id, std::nullopt, 0};
    by_slurm_id_[job.id] = key;
    (void)client_.Cancel(newer);  // a no-op when it already ended
  } else if (IsLive(job)) {
    (void)client_.Cancel(job.id);
  }
}

Status SlurmPoolDriver::EnsureReconciledLocked() {
  if (reconciled_) return OkStatus();
  const std::string& prefix = client_.options().name_prefix;
  const std::string& partition = client_.options().partition;
  auto queue = client_.Queue(partition);
  if (!queue) return queue.error();
  // Finished jobs slurmctld has already forgotten. Without any accounting, squeue alone is
  // the record (attempts that ended more than MinJobAge ago are then unknown).
  auto acct = client_.Accounting({});
  if (acct) {
    for (const auto& j : *acct) {
      if (!partition.empty() && j.partition != partition) continue;
      if (auto key = ParseTaskJobName(j.name, prefix)) AdoptLocked(*key, j);
    }
  }
  for (const auto& j : *queue) {
    if (auto key = ParseTaskJobName(j.name, prefix)) AdoptLocked(*key, j);
  }
  reconciled_ = true;
  return OkStatus();
}

Status SlurmPoolDriver::Reconcile() {
  std::lock_guard lock(mu_);
  reconciled_ = false;
  return EnsureReconciledLocked();
}

Result<std::string> SlurmPoolDriver::Start(const TaskSpec& task) {
  std::lock_guard lock(mu_);
  if (Status s = EnsureReconciledLocked(); !s.ok()) return Err(s);
  if (auto it = tasks_.find(task.key); it != tasks_.end()) return it->second.slurm_job_id;
  // One live attempt per task: a later attempt supersedes earlier ones.
  for (auto& [key, e] : tasks_) {
    if (key.job_id != task.key.job_id || key.task_index != task.key.task_index) continue;
    if (e.reported && IsTerminal(*e.reported)) continue;
    if (key.attempt > task.key.attempt) {
      return Err(FailedPrecondition("attempt " + std::to_string(key.attempt) + " of task " +
                                    std::to_string(key.task_index) + " of " + key.job_id +
                                    " is already in Slurm"));
    }
    if (Status s = CancelLocked(key, e); !s.ok()) return Err(s);
  }
  auto id = client_.Submit(task);
  if (!id) return Err(id.error());
  tasks_[task.key] = Entry{*id, std::nullopt, 0};
  by_slurm_id_[*id] = task.key;
  return *id;
}

Result<std::vector<TaskUpdate>> SlurmPoolDriver::Poll() {
  std::lock_guard lock(mu_);
  if (Status s = EnsureReconciledLocked(); !s.ok()) return Err(s);
  std::vector<std::string> active;
  for (const auto& [key, e] : tasks_) {
    if (!e.reported || !IsTerminal(*e.reported)) active.push_back(e.slurm_job_id);
  }
  std::vector<SlurmJob> queue;
  auto found = client_.Poll(active, &queue);
  if (!found) return Err(found.error());

  std::vector<TaskUpdate> updates;
  for (auto& [key, e] : tasks_) {
    if (e.reported && IsTerminal(*e.reported)) continue;
    TaskUpdate u;
    u.key = key;
    u.slurm_job_id = e.slurm_job_id;
    auto it = found->find(e.slurm_job_id);
    if (it == found->end()) {
      if (++e.missing_polls < options_.lost_after_polls) continue;
      u.state = TaskState::kFailed;
      u.exit_code = -1;
      u.reason = "Slurm job " + e.slurm_job_id + " vanished: not in squeue, scontrol or accounting";
    } else {
      e.missing_polls = 0;
      const SlurmJob& job = it->second;
      auto state = MapJobState(job.slurm_state);
      if (!state) continue;
      u.state = *state;
      u.reason = DescribeSlurmState(job);
      u.node = job.nodes;
      if (IsTerminal(*state)) {
        if (!job.exit_code) {
          u.exit_code = -1;
        } else {
          u.exit_code = job.signal != 0 ? 128 + job.signal : *job.exit_code;
        }
      }
    }
    if (e.reported == u.state) continue;
    e.reported = u.state;
    updates.push_back(std::move(u));
  }

  // Attempts reported finished are forgotten once Slurm forgets them; jobs of ours that we
  // did not know (submitted by an earlier instance after our last reconcile) are adopted and
  // reported from the next poll on.
  std::set<std::string> listed;
  const std::string& prefix = client_.options().name_prefix;
  for (const auto& j : queue) {
    listed.insert(j.id);
    if (auto key = ParseTaskJobName(j.name, prefix)) AdoptLocked(*key, j);
  }
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    const Entry& e = it->second;
    if (e.reported && IsTerminal(*e.reported) && !listed.count(e.slurm_job_id)) {
      by_slurm_id_.erase(e.slurm_job_id);
      it = tasks_.erase(it);
    } else {
      ++it;
    }
  }
  return updates;
}

Status SlurmPoolDriver::CancelLocked(const TaskKey& key, Entry& e) {
  (void)key;
  if (e.reported && IsTerminal(*e.reported)) return OkStatus();
  return client_.Cancel(e.slurm_job_id);
}

Status SlurmPoolDriver::Cancel(const TaskKey& key) {
  std::lock_guard lock(mu_);
  SUANLI_RETURN_IF_ERROR(EnsureReconciledLocked());
  auto it = tasks_.find(key);
  if (it == tasks_.end()) {
    return NotFound("no Slurm job for attempt " + std::to_string(key.attempt) + " of task " +
                    std::to_string(key.task_index) + " of " + key.job_id);
  }
  return CancelLocked(key, it->second);
}

Status SlurmPoolDriver::CancelJob(const std::string& job_id) {
  std::lock_guard lock(mu_);
  SUANLI_RETURN_IF_ERROR(EnsureReconciledLocked());
  Status first_error;
  for (auto& [key, e] : tasks_) {
    if (key.job_id != job_id) continue;
    Status s = CancelLocked(key, e);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

std::optional<std::string> SlurmPoolDriver::SlurmJobId(const TaskKey& key) const {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(key);
  if (it == tasks_.end()) return std::nullopt;
  return it->second.slurm_job_id;
}

std::vector<TrackedTask> SlurmPoolDriver::Tracked() const {
  std::lock_guard lock(mu_);
  std::vector<TrackedTask> out;
  for (const auto& [key, e] : tasks_) out.push_back({key, e.slurm_job_id, e.reported});
  return out;
}

}  // namespace suanli::slurm
