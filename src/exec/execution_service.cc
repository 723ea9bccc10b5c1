#include "exec/execution_service.h"

#include <algorithm>
#include <functional>

#include "catalog/catalog.h"
#include "control/rules.h"
#include "exec/effective_compute.h"

namespace suanli::exec {

using domain::Job;
using domain::Node;

namespace {

const control::Actor kExecutor{"executor", "", "execution"};
const std::string kPreempted = "preempted";

bool Active(const Job& j) { return j.state == "scheduled" || j.state == "running"; }

bool OnNode(const Job& j, const std::string& node_id) {
  for (const auto& p : j.placement)
    if (p.node_id == node_id) return true;
  return false;
}

// The changes a sync would make, computed against any view of the registry (the live
// registry to decide whether a write is needed, a Txn to make it).
struct Changes {
  std::map<std::string, Job> jobs;
  std::map<std::string, Node> nodes;
  bool empty() const { return jobs.empty() && nodes.empty(); }
};

// Charges a failed attempt to the nodes it ran on before it is requeued or failed: the time
// it held (only when requeued: a failed job keeps its placement and times, so the effective
// compute report counts its hold from the job) and the time lost, i.e. since the newest
// checkpoint of each task (or since the attempt started), detection delay included.
void ChargeFailure(const Job& j, Timestamp now, bool requeued, const NodeStage& stage) {
  if (j.started_at.ms <= 0) return;
  for (const auto& p : j.placement) {
    Node* n = stage(p.node_id);
    if (!n) continue;
    const int64_t units = TaskUnitsMilli(j, *n);
    const int64_t held = std::max<int64_t>(0, now.ms - j.started_at.ms);
    const int64_t since = std::max(j.started_at.ms, p.checkpoint_at.ms);
    const int64_t lost = std::max<int64_t>(0, now.ms - since);
    if (requeued) n->requeued_unit_ms += units * held / 1000;
    n->lost_unit_ms += units * lost / 1000;
    // Per device: each device of the task held the task's share of it.
    const int64_t share = j.accelerators.count > 0 ? 1000 : j.accelerators.milli;
    for (int d : p.devices) {
      if (d < 0 || d >= 64) continue;
      const auto need = static_cast<size_t>(d) + 1;
      if (n->device_requeued_ms.size() < need) n->device_requeued_ms.resize(need, 0);
      if (n->device_lost_ms.size() < need) n->device_lost_ms.resize(need, 0);
      if (requeued) n->device_requeued_ms[d] += share * held / 1000;
      n->device_lost_ms[d] += share * lost / 1000;
    }
  }
}

// Records the failed attempt on the job for billing (before RequeueJob forgets where it ran):
// the gang resumes from its oldest checkpoint, so the work after it, detection included, is
// lost. Attempts that never started cost nothing and are not recorded, except preemptions
// (RequeueJob counts them), recorded as attempts of no length.
void RecordInterruption(Job& j, const std::string& cause, Timestamp now) {
  const bool started = j.started_at.ms > 0;
  if (!started && cause != kPreempted) return;
  domain::Interruption i;
  i.attempt = j.restart_count;
  i.cause = cause;
  i.started_at = started ? j.started_at : now;
  i.failed_at = now;
  i.useful_until = now;
  for (const auto& p : j.placement) {
    i.useful_until.ms = std::min(i.useful_until.ms, std::max(i.started_at.ms, p.checkpoint_at.ms));
  }
  i.pool_id = j.pool_id;
  i.supplier_org_id = j.supplier_org_id;
  if (!j.placement.empty()) i.node_id = j.placement.front().node_id;
  j.interruptions.push_back(std::move(i));
}

// Requeues (or fails) `j`, charging the lost work to its nodes and recording the interruption
// (`cause`: node_lost, device_fault, task_lost, task_failed) first.
void Fail(Job& j, const std::string& reason, const std::string& cause, Timestamp now,
          const NodeStage& stage) {
  ChargeFailure(j, now, j.restart_count < j.max_restarts, stage);
  RecordInterruption(j, cause, now);
  RequeueJob(j, reason, now);
}

// Moves a job along after its tasks changed: any failure requeues the gang. `lost`: a task was
// lost with its node (the agent no longer knows it), not failed by the job itself.
void SettleJob(Job& j, Timestamp now, bool lost, const NodeStage& stage) {
  std::string failure;
  bool all_succeeded = true, all_started = true;
  for (size_t i = 0; i < j.placement.size(); ++i) {
    const auto& p = j.placement[i];
    if (p.state == "failed" && failure.empty())
      failure = "task " + std::to_string(i) + " on " + p.node_id + " exited with code " +
                std::to_string(p.exit_code);
    all_succeeded = all_succeeded && p.state == "succeeded";
    all_started = all_started && (p.state == "running" || p.state == "succeeded");
  }
  if (!failure.empty()) {
    Fail(j, failure, lost ? "task_lost" : "task_failed", now, stage);
  } else if (all_succeeded) {
    j.state = "succeeded";
    j.state_reason.clear();
    if (j.started_at.ms == 0) j.started_at = now;
    j.finished_at = now;
  } else if (all_started && j.state == "scheduled") {
    j.state = "running";
    j.state_reason.clear();
    j.started_at = now;
  }
}

// A checkpoint newer by this much is recorded (bounds writes for tasks that checkpoint often).
constexpr int64_t kCheckpointResolutionMs = 10'000;

// Reports from one node applied to copies of the jobs and the nodes. `get_job(id)` and
// `get_node(id)` return shared_ptr<const T> (null when absent).
template <class GetJob, class GetNode>
Changes Compute(const SyncRequest& req, const std::set<std::string>& node_jobs, int drain_after,
                Timestamp now, GetJob get_job, GetNode get_node) {
  Changes c;
  auto node = get_node(req.node_id);
  if (!node) return c;
  auto job_copy = [&](const std::string& id) -> Job* {
    auto it = c.jobs.find(id);
    if (it != c.jobs.end()) return &it->second;
    auto j = get_job(id);
    if (!j || !Active(*j)) return nullptr;
    return &c.jobs.emplace(id, *j).first->second;
  };
  NodeStage stage = [&](const std::string& id) -> Node* {
    auto it = c.nodes.find(id);
    if (it != c.nodes.end()) return &it->second;
    auto n = get_node(id);
    if (!n) return nullptr;
    return &c.nodes.emplace(id, *n).first->second;
  };
  std::set<TaskKey> reported;
  for (const auto& r : req.tasks) {
    reported.insert(r.key);
    auto current = get_job(r.key.job_id);
    if (!current || !Active(*current) || current->restart_count != r.key.attempt) continue;
    if (r.key.task < 0 || r.key.task >= static_cast<int>(current->placement.size())) continue;
    const auto& cp = current->placement[r.key.task];
    if (cp.node_id != req.node_id) continue;
    const bool final = cp.state == "succeeded" || cp.state == "failed";
    const bool state_change = cp.state != r.state && !final;
    const bool checkpoint = r.checkpoint_at_ms >= cp.checkpoint_at.ms + kCheckpointResolutionMs;
    if (!state_change && !checkpoint) continue;
    Job* j = job_copy(r.key.job_id);
    auto& p = j->placement[r.key.task];
    if (checkpoint) p.checkpoint_at = {r.checkpoint_at_ms};
    if (!state_change) continue;
    p.state = r.state;
    p.exit_code = r.state == "succeeded" ? 0 : r.exit_code;
    if (r.state == "failed" && !r.message.empty()) j->state_reason = r.message;
  }
  // A task the server believes runs here but the agent no longer knows was lost with it.
  std::set<std::string> lost_jobs;
  for (const auto& id : node_jobs) {
    auto current = get_job(id);
    if (!current || !Active(*current)) continue;
    for (size_t i = 0; i < current->placement.size(); ++i) {
      const auto& cp = current->placement[i];
      if (cp.node_id != req.node_id || cp.state != "running") continue;
      if (reported.count({id, static_cast<int>(i), current->restart_count})) continue;
      Job* j = job_copy(id);
      if (j->placement[i].state != "running") continue;
      j->placement[i].state = "failed";
      j->placement[i].exit_code = -1;
      lost_jobs.insert(id);
    }
  }
  for (auto& [id, j] : c.jobs) SettleJob(j, now, lost_jobs.count(id) > 0, stage);

  if (node->state == "down" && node->state_reason.rfind("no heartbeat", 0) == 0) {
    Node* n = stage(node->id);
    n->state = n->fault_count >= drain_after ? "draining" : "ready";
    n->state_reason = n->state == "draining" ? "back after lost heartbeats; repeated faults" : "";
  }
  for (const auto& f : req.faults) {
    const Node& cur = c.nodes.count(node->id) ? c.nodes.at(node->id) : *node;
    bool known = std::find(cur.faulty_devices.begin(), cur.faulty_devices.end(), f.device) !=
                 cur.faulty_devices.end();
    if (known && cur.state != "ready") continue;  // a re-sent report
    Node* n = stage(node->id);
    if (!known) n->faulty_devices.push_back(f.device);
    ++n->fault_count;
    n->last_fault_at = now;
    n->state = n->fault_count >= drain_after ? "draining" : "cordoned";
    n->state_reason = "device " + std::to_string(f.device) + ": " + f.kind +
                      (f.detail.empty() ? "" : " (" + f.detail + ")") +
                      (n->state == "draining" ? "; repeated faults" : "");
    const std::string name = n->name;
    for (const auto& id : node_jobs) {
      auto current = get_job(id);
      if (!current || !Active(*current)) continue;
      bool uses = false;
      for (const auto& p : current->placement)
        if (p.node_id == req.node_id &&
            std::find(p.devices.begin(), p.devices.end(), f.device) != p.devices.end())
          uses = true;
      if (!uses) continue;
      Job* j = job_copy(id);
      if (!j || !Active(*j)) continue;
      Fail(*j, "device " + std::to_string(f.device) + " of " + name + " failed (" + f.kind + ")",
           "device_fault", now, stage);
    }
  }
  return c;
}

std::string EcosystemOf(const control::Registry& reg, const Node& n) {
  if (n.accelerators.empty()) return "CPU";
  auto acc = reg.Get<domain::Accelerator>(n.accelerators[0].model);
  return acc ? acc->obj->ecosystem : "Other";
}

std::string CommandFor(const Job& j, const std::string& ecosystem) {
  auto it = j.commands.find(ecosystem);
  if (it != j.commands.end()) return it->second;
  if (ecosystem == "ROCm" || ecosystem == "DTK") {  // DTK is ROCm-compatible
    it = j.commands.find(ecosystem == "DTK" ? "ROCm" : "DTK");
    if (it != j.commands.end()) return it->second;
  }
  if (j.commands.size() == 1) return j.commands.begin()->second;
  return "";
}

}  // namespace

void RequeueJob(Job& j, const std::string& reason, Timestamp now) {
  // Attempts ended by a preemption are not failures of the job.
  int preemptions = 0;
  for (const auto& i : j.interruptions) preemptions += i.cause == kPreempted;
  const int failures = j.restart_count - preemptions;
  if (failures >= j.max_restarts) {
    j.state = "failed";
    j.state_reason = reason + " (restarts used up: " + std::to_string(failures) + ")";
    j.finished_at = now;
    if (j.started_at.ms == 0) j.started_at = now;
    return;
  }
  ++j.restart_count;
  j.state = "pending";
  j.state_reason = "requeued (attempt " + std::to_string(j.restart_count) + "): " + reason;
  j.placement.clear();
  j.pool_id.clear();
  j.supplier_org_id.clear();
  j.started_at = {};
}

void PreemptJob(Job& j, const std::string& preemptor_id, Timestamp now, const NodeStage& stage) {
  ChargeFailure(j, now, /*requeued=*/true, stage);
  RecordInterruption(j, kPreempted, now);
  RequeueJob(j, "preempted by job " + preemptor_id, now);
}

ExecutionService::ExecutionService(control::Registry* registry, const Clock* clock,
                                   ExecOptions options)
    : registry_(registry), clock_(clock), options_(std::move(options)), logs_(options_.log_dir) {
  started_ms_ = clock_->Now().ms;
}

ExecutionService::~ExecutionService() { Stop(); }

void ExecutionService::Start() {
  loop_.Start(std::chrono::milliseconds(options_.tick_ms), [this] { RunOnce(); });
}

void ExecutionService::Stop() { loop_.Stop(); }

ExecStats ExecutionService::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void ExecutionService::RunOnce() {
  const int64_t now = clock_->Now().ms;
  IndexJobs();
  CheckLiveness(now);
  RunSimulated(now);
}

void ExecutionService::IndexJobs() {
  std::map<std::string, std::set<std::string>> index;
  registry_->ForEachOpenJob([&](const control::Entry<Job>& e) {
    if (!Active(*e.obj)) return;
    for (const auto& p : e.obj->placement) index[p.node_id].insert(e.obj->id);
  });
  std::lock_guard lock(mu_);
  if (index != node_jobs_) {
    node_jobs_ = std::move(index);
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }
}

void ExecutionService::CheckLiveness(int64_t now) {
  std::vector<std::string> lost;
  {
    std::lock_guard lock(mu_);
    registry_->ForEach<Node>([&](const control::Entry<Node>& e) {
      const Node& n = *e.obj;
      if (n.executor != "agent" || n.state == "down") return;
      auto it = last_seen_.find(n.id);
      const int64_t seen = it == last_seen_.end() ? started_ms_ : std::max(it->second, started_ms_);
      if (now - seen > options_.node_timeout_ms) lost.push_back(n.id);
    });
  }
  if (lost.empty()) return;
  std::map<std::string, std::set<std::string>> node_jobs;
  {
    std::lock_guard lock(mu_);
    node_jobs = node_jobs_;
  }
  uint64_t requeued = 0;
  Status s = registry_->WriteSync(kExecutor, [&](control::Txn& txn) -> Status {
    requeued = 0;
    std::map<std::string, Node> staged;
    NodeStage stage = [&](const std::string& id) -> Node* {
      auto it = staged.find(id);
      if (it != staged.end()) return &it->second;
      auto n = txn.Get<Node>(id);
      return n ? &staged.emplace(id, *n).first->second : nullptr;
    };
    for (const auto& id : lost) {
      Node* n = stage(id);
      if (!n || n->state == "down") continue;
      n->state = "down";
      n->state_reason = "no heartbeat for " + std::to_string(options_.node_timeout_ms / 1000) + " s";
      ++n->fault_count;
      n->last_fault_at = txn.now();
      const std::string name = n->name;
      for (const auto& job_id : node_jobs[id]) {
        auto j = txn.Get<Job>(job_id);
        if (!j || !Active(*j) || !OnNode(*j, id)) continue;
        Job next = *j;
        Fail(next, "node " + name + " stopped answering", "node_lost", txn.now(), stage);
        txn.Put(std::move(next), "requeue");
        ++requeued;
      }
    }
    for (auto& [id, n] : staged) txn.Put(std::move(n), "node-lost");
    return OkStatus();
  });
  if (s.ok()) {
    std::lock_guard lock(mu_);
    stats_.nodes_lost += lost.size();
    stats_.requeued += requeued;
  }
}

void ExecutionService::RunSimulated(int64_t now) {
  std::set<std::string> simulated;
  registry_->ForEach<Node>([&](const control::Entry<Node>& e) {
    if (e.obj->executor == "simulated") simulated.insert(e.obj->id);
  });
  if (simulated.empty()) return;
  std::vector<std::string> due;
  constexpr size_t kMaxPerRound = 512;
  registry_->ForEachOpenJob([&](const control::Entry<Job>& e) {
    const Job& j = *e.obj;
    if (!Active(j) || j.placement.empty() || due.size() >= kMaxPerRound) return;
    for (const auto& p : j.placement)
      if (!simulated.count(p.node_id)) return;
    const auto run_ms = static_cast<int64_t>(j.duration_estimate_s * 1000 / options_.simulated_speedup);
    if (j.state == "scheduled" || j.started_at.ms + run_ms <= now) due.push_back(j.id);
  });
  if (due.empty()) return;
  uint64_t started = 0, finished = 0;
  Status s = registry_->WriteSync(kExecutor, [&](control::Txn& txn) -> Status {
    started = finished = 0;
    for (const auto& id : due) {
      auto j = txn.Get<Job>(id);
      if (!j || !Active(*j)) continue;
      Job next = *j;
      if (next.state == "scheduled") {
        next.state = "running";
        next.state_reason.clear();
        next.started_at = txn.now();
        for (auto& p : next.placement) p.state = "running";
        ++started;
        txn.Put(std::move(next), "start");
      } else {
        const auto run_ms =
            static_cast<int64_t>(next.duration_estimate_s * 1000 / options_.simulated_speedup);
        next.state = "succeeded";
        next.finished_at = {next.started_at.ms + run_ms};
        for (auto& p : next.placement) p.state = "succeeded";
        ++finished;
        txn.Put(std::move(next), "finish");
      }
    }
    return OkStatus();
  });
  if (s.ok()) {
    std::lock_guard lock(mu_);
    stats_.simulated_started += started;
    stats_.simulated_finished += finished;
  }
}

// ---------------- the agent protocol ----------------

Status ExecutionService::Register(control::Txn& txn, const control::Principal& p,
                                  const RegisterRequest& req, std::string* node_id) {
  std::string pool_id = req.pool_id.empty() ? p.pool_scope : req.pool_id;
  if (pool_id.empty())
    return InvalidArgument("is required (or use a token scoped to the pool)", "pool_id");
  if (!p.pool_scope.empty() && pool_id != p.pool_scope)
    return PermissionDenied("this token acts only for pool " + p.pool_scope);
  auto pool = txn.Get<domain::Pool>(pool_id);
  if (!pool) return InvalidArgument("no such pool", "pool_id");
  const Inventory& inv = req.inventory;
  std::vector<domain::NodeAccelerators> accs;
  for (size_t i = 0; i < inv.accelerators.size(); ++i) {
    domain::NodeAccelerators a = inv.accelerators[i];
    if (!txn.Get<domain::Accelerator>(a.model)) {
      const domain::Accelerator* known = catalog::FindBuiltin(a.model);
      if (!known || !txn.Get<domain::Accelerator>(known->id))
        return InvalidArgument("unknown accelerator model " + a.model,
                               "inventory.accelerators[" + std::to_string(i) + "].model");
      a.model = known->id;
    }
    accs.push_back(std::move(a));
  }
  std::shared_ptr<const Node> existing;
  for (const auto& [id, e] : txn.registry().TableOf<Node>())
    if (e.obj->pool_id == pool_id && e.obj->name == inv.name) existing = txn.Get<Node>(id);
  Node n = existing ? *existing : Node{};
  n.pool_id = pool_id;
  n.name = inv.name;
  n.cpu_cores = inv.cpu_cores;
  n.memory_gib = inv.memory_gib;
  n.cpu_model = inv.cpu_model;
  n.accelerators = std::move(accs);
  n.supernode = inv.supernode;
  for (const auto& [k, v] : inv.labels) n.labels[k] = v;
  n.executor = "agent";
  if (existing) {
    if (n.state == "down") {
      n.state = n.fault_count >= options_.drain_after_faults ? "draining" : "ready";
      n.state_reason = n.state == "draining" ? "re-registered; repeated faults" : "";
    }
    SUANLI_RETURN_IF_ERROR(control::PrepareUpdate(txn, p, *existing, n));
    SUANLI_RETURN_IF_ERROR(domain::ValidateNode(n));
    txn.Put(n, "agent-register");
  } else {
    SUANLI_RETURN_IF_ERROR(control::PrepareCreate(txn, p, n));
    txn.Put(n, "agent-register");
  }
  *node_id = n.id;
  std::lock_guard lock(mu_);
  last_seen_[n.id] = clock_->Now().ms;
  return OkStatus();
}

Status ExecutionService::Heartbeat(const control::Principal& p, const std::string& node_id) {
  auto e = registry_->Get<Node>(node_id);
  if (!e) return NotFound("no such node", "node_id");
  const Node& n = *e->obj;
  if (!p.pool_scope.empty()) {
    if (p.pool_scope != n.pool_id) return PermissionDenied("this token acts only for pool " + p.pool_scope);
  } else if (!p.IsOperator() && (p.org_id != n.org_id || !p.Is("supplier"))) {
    return PermissionDenied("the node belongs to another organisation");
  }
  if (!p.CanWrite()) return PermissionDenied("viewers cannot run agents");
  if (n.executor != "agent")
    return FailedPrecondition("the node is not run by an agent; register it first", "node_id");
  std::lock_guard lock(mu_);
  last_seen_[node_id] = clock_->Now().ms;
  return OkStatus();
}

std::map<std::string, int64_t> ExecutionService::AppendLogs(const std::vector<LogChunk>& chunks) {
  std::map<std::string, int64_t> held;
  for (const auto& c : chunks) {
    auto r = logs_.Append(c);
    held[c.key.Str()] = r ? *r : logs_.Size(c.key);
  }
  return held;
}

bool ExecutionService::ReportsChangeAnything(const SyncRequest& req) const {
  std::set<std::string> jobs;
  {
    std::lock_guard lock(mu_);
    auto it = node_jobs_.find(req.node_id);
    if (it != node_jobs_.end()) jobs = it->second;
  }
  auto get_job = [&](const std::string& id) -> std::shared_ptr<const Job> {
    auto e = registry_->Get<Job>(id);
    return e ? e->obj : nullptr;
  };
  auto get_node = [&](const std::string& id) -> std::shared_ptr<const Node> {
    auto e = registry_->Get<Node>(id);
    return e ? e->obj : nullptr;
  };
  return !Compute(req, jobs, options_.drain_after_faults, clock_->Now(), get_job, get_node).empty();
}

Status ExecutionService::ApplyReports(control::Txn& txn, const SyncRequest& req) {
  std::set<std::string> jobs;
  {
    std::lock_guard lock(mu_);
    auto it = node_jobs_.find(req.node_id);
    if (it != node_jobs_.end()) jobs = it->second;
  }
  auto get_job = [&](const std::string& id) { return txn.Get<Job>(id); };
  auto get_node = [&](const std::string& id) { return txn.Get<Node>(id); };
  Changes c = Compute(req, jobs, options_.drain_after_faults, txn.now(), get_job, get_node);
  uint64_t requeued = 0;
  for (auto& [id, j] : c.jobs) {
    requeued += j.state == "pending";
    const char* action = j.state == "pending" ? "requeue" : "task-report";
    txn.Put(std::move(j), action);
  }
  for (auto& [id, n] : c.nodes) txn.Put(std::move(n), "node-report");
  std::lock_guard lock(mu_);
  stats_.requeued += requeued;
  stats_.device_faults += req.faults.size();
  return OkStatus();
}

SyncReply ExecutionService::Plan(const SyncRequest& req) const {
  SyncReply reply;
  std::set<std::string> job_ids;
  {
    std::lock_guard lock(mu_);
    auto it = node_jobs_.find(req.node_id);
    if (it != node_jobs_.end()) job_ids = it->second;
  }
  std::set<TaskKey> reported;
  for (const auto& r : req.tasks) {
    reported.insert(r.key);
    job_ids.insert(r.key.job_id);
  }
  auto node = registry_->Get<Node>(req.node_id);
  if (!node) return reply;
  const std::string ecosystem = EcosystemOf(*registry_, *node->obj);
  for (const auto& id : job_ids) {
    auto e = registry_->Get<Job>(id);
    const Job* j = e ? e->obj.get() : nullptr;
    const bool active = j && Active(*j);
    for (const auto& r : req.tasks) {
      if (r.key.job_id != id || r.state != "running") continue;
      bool wanted = active && r.key.attempt == j->restart_count && r.key.task >= 0 &&
                    r.key.task < static_cast<int>(j->placement.size()) &&
                    j->placement[r.key.task].node_id == req.node_id;
      if (!wanted) reply.kill.push_back(r.key);
    }
    if (!active) continue;
    for (size_t i = 0; i < j->placement.size(); ++i) {
      const auto& p = j->placement[i];
      if (p.node_id != req.node_id || p.state != "assigned") continue;
      TaskKey key{id, static_cast<int>(i), j->restart_count};
      if (reported.count(key)) continue;
      Assignment a;
      a.key = key;
      a.tasks = j->tasks;
      a.ecosystem = ecosystem;
      a.command = CommandFor(*j, ecosystem);
      a.cpu_cores = j->cpu_cores;
      a.memory_gib = j->memory_gib;
      a.devices = p.devices;
      a.env = {{"SUANLI_JOB_ID", id},
               {"SUANLI_JOB_NAME", j->name},
               {"SUANLI_TASK_INDEX", std::to_string(i)},
               {"SUANLI_TASKS", std::to_string(j->tasks)},
               {"SUANLI_RESTART_COUNT", std::to_string(j->restart_count)},
               {"SUANLI_NODE_ID", req.node_id}};
      reply.assign.push_back(std::move(a));
    }
  }
  for (const auto& r : req.tasks) reply.log_offsets[r.key.Str()] = logs_.Size(r.key);
  return reply;
}

}  // namespace suanli::exec
