#include "placement/placement_service.h"

#include <algorithm>
#include <deque>
#include <set>
#include <tuple>

#include "exec/execution_service.h"
#include "sched/policy.h"
#include "sched/reliability_policy.h"
#include "sched/workload.h"

namespace suanli::placement {

using namespace domain;

struct PlacementService::PoolState {
  std::string id;
  std::string kind;
  sched::Cluster cluster;
  std::unique_ptr<sched::Engine> engine;
  sched::ReliabilityPolicy* reliability = nullptr;  // owned by the engine
  std::map<std::string, sched::NodeSlot> slots;  // node id -> slot
  std::map<sched::NodeSlot, std::string> ids;
  std::map<std::string, int64_t> versions;  // node id -> registry version mirrored
  int part = 0;                             // the queue's partition
  // The shapes of the last jobs this pool may run (options.profile_window), for its profile.
  std::deque<sched::ShapeSample> window;
  size_t fresh = 0;         // jobs counted since the profile was last rebuilt
  size_t learned_from = 0;  // the window's size at that rebuild (0: never rebuilt)
};

namespace {

const control::Actor kScheduler{"scheduler", "", "placement"};

sched::PriorityClass ClassOf(const std::string& p) {
  if (p == "high") return sched::PriorityClass::kHigh;
  if (p == "spot" || p == "best_effort") return sched::PriorityClass::kSpot;
  return sched::PriorityClass::kNormal;
}

bool Active(const Job& j) { return j.state == "scheduled" || j.state == "running"; }

const std::string kNeverFits = "no pool can ever hold this job (models, sizes or gang)";

// A node's suspicion for the reliability policy: its faults of the last 30 days (capped).
int Suspicion(const Node& n, Timestamp now) {
  constexpr int64_t kMemoryMs = 30LL * 86400 * 1000;
  if (n.fault_count == 0 || now.ms - n.last_fault_at.ms > kMemoryMs) return 0;
  return std::min(n.fault_count, 3);
}

// Long, large work, where one fault costs many device-hours: placed on clean nodes first.
bool Critical(const Job& j) {
  const int64_t devices = int64_t{j.tasks} * std::max(1, j.accelerators.count);
  return j.duration_estimate_s >= 4 * 3600 && devices >= 8;
}

sched::NodeState ToSched(const std::string& state) {
  if (state == "ready") return sched::NodeState::kUp;
  if (state == "down") return sched::NodeState::kDown;
  return sched::NodeState::kCordoned;  // draining, cordoned
}

sched::QueueOptions QueueOptionsOf(sched::QueueOptions q) {
  q.max_starts = static_cast<int>(PlacementService::kMaxDecisions);
  return q;
}

}  // namespace

PlacementService::PlacementService(control::Registry* registry, PlacementOptions options)
    : registry_(registry),
      options_(std::move(options)),
      queue_(QueueOptionsOf(options_.queue)) {}

PlacementService::~PlacementService() { Stop(); }

void PlacementService::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(loop_mu_);
    while (!stopping_) {
      lock.unlock();
      RunOnce();
      lock.lock();
      if (more_pending_.exchange(false)) continue;
      loop_cv_.wait_for(lock, std::chrono::milliseconds(options_.interval_ms),
                        [&] { return stopping_ || poked_; });
      // A round scans every job: under a stream of submissions, let pokes gather for a moment
      // so one round places a batch instead of every submission paying for a scan.
      if (!stopping_ && options_.batch_ms > 0)
        loop_cv_.wait_for(lock, std::chrono::milliseconds(options_.batch_ms),
                          [&] { return stopping_; });
      poked_ = false;
    }
  });
}

void PlacementService::Stop() {
  {
    std::lock_guard lock(loop_mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PlacementService::Poke() {
  {
    std::lock_guard lock(loop_mu_);
    poked_ = true;
  }
  loop_cv_.notify_all();
}

PlacementStats PlacementService::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void PlacementService::RunOnce() {
  std::lock_guard lock(mu_);
  ++stats_.rounds;
  // Nodes are mirrored only when some node, pool or accelerator changed since the last round.
  const uint64_t topology = registry_->topology_generation();
  if (topology != synced_topology_) {
    SyncNodes();
    synced_topology_ = topology;
  }
  // Quotas are re-read only when an org (or a user or token) changed since the last round.
  const uint64_t auth = registry_->auth_generation();
  if (auth != synced_auth_) {
    SyncQuotas();
    synced_auth_ = auth;
  }
  SyncJobs();
  PlacePending();
}

PlacementService::PoolState& PlacementService::Pool(const std::string& pool_id) {
  auto& slot = pools_[pool_id];
  if (!slot) {
    slot = std::make_unique<PoolState>();
    slot->id = pool_id;
    auto policy = sched::MakePolicy(options_.policy, sched::PolicyContext{});
    if (!policy) policy = sched::MakePolicy(sched::kDefaultPolicy, sched::PolicyContext{});
    // Nodes with a fault record are kept away from long, large jobs.
    auto reliable = std::make_unique<sched::ReliabilityPolicy>(std::move(*policy));
    slot->reliability = reliable.get();
    slot->engine = std::make_unique<sched::Engine>(
        &slot->cluster, std::move(reliable),
        sched::EngineOptions{.max_candidates = options_.max_candidates});
    slot->part = queue_.AddPartition(slot->engine.get(), slot->reliability);
    partitions_.push_back(slot.get());
  }
  return *slot;
}

// Mirrors nodes: new nodes are added, state changes applied, removed nodes taken out.
// Only nodes whose registry version moved cost anything.
void PlacementService::SyncNodes() {
  std::vector<std::shared_ptr<const Node>> nodes;
  registry_->ForEach<Node>([&](const control::Entry<Node>& e) { nodes.push_back(e.obj); });
  registry_->ForEach<Accelerator>([&](const control::Entry<Accelerator>& e) {
    ecosystem_of_[e.obj->id] = e.obj->ecosystem;
  });
  std::map<std::string, std::string> pool_kind;
  registry_->ForEach<domain::Pool>(
      [&](const control::Entry<domain::Pool>& e) { pool_kind[e.obj->id] = e.obj->kind; });
  std::map<std::string, bool> seen;
  for (const auto& n : nodes) {
    seen[n->id] = true;
    PoolState& pool = Pool(n->pool_id);
    pool.kind = pool_kind[n->pool_id];
    auto vit = pool.versions.find(n->id);
    if (vit != pool.versions.end() && vit->second == n->version) continue;
    if (vit == pool.versions.end()) {
      sched::NodeSpec spec;
      spec.name = n->id;
      spec.cpu_milli = int64_t{n->cpu_cores} * 1000;
      spec.memory_mib = n->memory_gib * 1024;
      if (!n->accelerators.empty()) {
        spec.model = n->accelerators[0].model;
        spec.gpu_count = std::min(n->accelerators[0].count, sched::kMaxDevicesPerNode);
        spec.ecosystem = ecosystem_of_[spec.model];
      }
      spec.domain = n->supernode;
      auto slot = pool.cluster.AddNode(spec);
      if (!slot) continue;  // a node the engine cannot model is left out of placement
      pool.slots[n->id] = *slot;
      pool.ids[*slot] = n->id;
      node_pool_[n->id] = n->pool_id;
    }
    pool.versions[n->id] = n->version;
    (void)pool.cluster.SetNodeState(pool.slots[n->id], ToSched(n->state));
    pool.reliability->SetSuspicion(pool.slots[n->id], Suspicion(*n, registry_->clock().Now()));
  }
  for (auto it = node_pool_.begin(); it != node_pool_.end();) {
    if (seen.count(it->first)) {
      ++it;
      continue;
    }
    PoolState& pool = Pool(it->second);
    auto slot = pool.slots[it->first];
    (void)pool.cluster.RemoveNode(slot);
    pool.slots.erase(it->first);
    pool.ids.erase(slot);
    pool.versions.erase(it->first);
    it = node_pool_.erase(it);
  }
}

void PlacementService::SyncQuotas() {
  std::map<std::string, int64_t> quotas;
  registry_->ForEach<Org>([&](const control::Entry<Org>& e) {
    if (e.obj->gpu_quota_milli > 0) quotas[e.obj->id] = e.obj->gpu_quota_milli;
  });
  for (const auto& [org, quota] : quotas_)
    if (!quotas.count(org)) queue_.SetQuota(org, 0);
  for (const auto& [org, quota] : quotas) queue_.SetQuota(org, quota);
  quotas_ = std::move(quotas);
}

namespace {

// The job's gang and per-task demand (any model).
sched::Request TaskRequest(const Job& job) {
  sched::Request r;
  r.task.cpu_milli = int64_t{job.cpu_cores} * 1000;
  r.task.memory_mib = job.memory_gib * 1024;
  if (job.accelerators.count > 0) {
    r.task.gpu_count = job.accelerators.count;
    r.task.gpu_milli = 1000;
  } else if (job.accelerators.milli > 0) {
    r.task.gpu_count = 1;
    r.task.gpu_milli = job.accelerators.milli;
  }
  r.gang_size = job.tasks;
  return r;
}

}  // namespace

sched::Request PlacementService::ToRequest(const Job& job, PoolState& pool) const {
  sched::Request r = TaskRequest(job);
  if (r.task.uses_gpu()) {
    std::vector<std::string> ecosystems;
    std::vector<std::string> models = job.accelerators.any_of;
    if (models.empty())
      for (const auto& [eco, cmd] : job.commands) ecosystems.push_back(eco);
    r.model_mask = pool.cluster.ResolveModels(models, ecosystems);
  }
  return r;
}

sched::Job PlacementService::ToQueueJob(const Job& job,
                                        const std::map<std::string, std::string>* offer_pool) {
  sched::Job q;
  q.id = Num(job.id);
  q.org = job.org_id;  // the buyer: fair share is across buyer organisations
  q.priority = ClassOf(job.priority);
  q.submit_ms = job.created_at.ms;
  // Backfill believes the job's estimate (the schema's default when the buyer gave none).
  q.expected_runtime_ms = job.duration_estimate_s * 1000;
  q.critical = Critical(job);
  q.request = TaskRequest(job);  // its model mask per pool is in `where`
  if (!offer_pool) return q;
  std::vector<PoolState*> pools;
  if (!job.offer_id.empty()) {
    auto it = offer_pool->find(job.offer_id);
    if (it != offer_pool->end() && pools_.count(it->second))
      pools.push_back(pools_[it->second].get());
  } else {
    for (auto& [id, pool] : pools_) pools.push_back(pool.get());
  }
  for (PoolState* pool : pools) {
    sched::Request r = ToRequest(job, *pool);
    if (r.task.uses_gpu() && r.model_mask == 0) continue;  // no allowed model here
    if (!r.task.uses_gpu() && pool->kind == "ai") continue;  // CPU work goes to CPU pools
    q.where.emplace_back(pool->part, r.model_mask);
  }
  return q;
}

namespace {

// The job's model constraint as written, the `spec` of its shape: the models it names, or if
// none the ecosystems its commands are for (so constrained and unconstrained work, or work for
// different ecosystems, are different shapes even where their masks coincide).
std::string ShapeSpec(const Job& job) {
  std::vector<std::string> parts = job.accelerators.any_of;
  std::string prefix;
  if (parts.empty() && (job.accelerators.count > 0 || job.accelerators.milli > 0)) {
    prefix = "ecosystem:";
    for (const auto& [eco, cmd] : job.commands) parts.push_back(eco);
  }
  std::sort(parts.begin(), parts.end());
  std::string spec = parts.empty() ? "" : prefix;
  for (size_t i = 0; i < parts.size(); ++i) spec += (i ? "," : "") + parts[i];
  return spec;
}

// The profile of `samples` up to `coverage`, its most frequent `max_shapes` shapes (FromSamples
// orders them by count), weights renormalised.
sched::WorkloadProfile Profile(const std::vector<sched::ShapeSample>& samples, double coverage,
                               size_t max_shapes) {
  sched::WorkloadProfile all = sched::WorkloadProfile::FromSamples(samples, coverage);
  if (all.shapes().size() <= max_shapes) return all;
  std::vector<sched::TaskShape> kept(all.shapes().begin(),
                                     all.shapes().begin() + static_cast<ptrdiff_t>(max_shapes));
  double total = 0;
  for (const auto& s : kept) total += s.weight;
  for (auto& s : kept) s.weight /= total;
  return sched::WorkloadProfile(std::move(kept));
}

}  // namespace

void PlacementService::Learn(const Job& job, const sched::Job& q) {
  if (!options_.learn_profile || q.where.empty()) return;
  const std::string spec = ShapeSpec(job);
  for (const auto& [part, mask] : q.where) {
    PoolState& pool = *partitions_.at(static_cast<size_t>(part));
    pool.window.push_back({q.request.task, mask, spec});
    while (pool.window.size() > std::max<size_t>(options_.profile_window, 1))
      pool.window.pop_front();
    ++pool.fresh;
  }
}

void PlacementService::LearnProfiles() {
  if (!options_.learn_profile) return;
  std::vector<PoolState*> due;
  for (PoolState* pool : partitions_) {
    if (pool->fresh == 0) continue;
    const size_t every = std::min(std::max<size_t>(options_.profile_every, 1),
                                  std::max<size_t>(pool->learned_from, 1));
    if (pool->learned_from == 0 || pool->fresh >= every) due.push_back(pool);
  }
  // The pools that saw the most new jobs first; the rest keep their count for the next round.
  std::stable_sort(due.begin(), due.end(),
                   [](const PoolState* a, const PoolState* b) { return a->fresh > b->fresh; });
  if (due.size() > kMaxProfileRebuilds) due.resize(kMaxProfileRebuilds);
  for (PoolState* pool : due) {
    const std::vector<sched::ShapeSample> samples(pool->window.begin(), pool->window.end());
    pool->reliability->SetWorkload(Profile(samples, 0.95, kMaxTypicalShapes),
                                   Profile(samples, 1.0, kMaxEveryShapes));
    pool->fresh = 0;
    pool->learned_from = samples.size();
    ++stats_.profiles_learned;
  }
}

uint64_t PlacementService::Num(const std::string& job_id) {
  auto [it, added] = num_.emplace(job_id, next_num_);
  if (added) job_of_[next_num_++] = job_id;
  return it->second;
}

void PlacementService::Forget(const std::string& job_id) {
  auto it = num_.find(job_id);
  if (it == num_.end()) return;
  job_of_.erase(it->second);
  num_.erase(it);
}

// Releases jobs that ended or went back to pending; adopts into the queue the placements of
// jobs this service does not hold (recorded by an earlier run, or a preemption whose write
// failed), so accounting survives a restart.
void PlacementService::SyncJobs() {
  std::vector<std::pair<std::string, std::shared_ptr<const Job>>> release;
  // Held jobs that finished or went back to pending (O(held)), then open jobs placed by an
  // earlier run of the service (O(open)): finished jobs are never scanned.
  for (const auto& [id, pool] : held_) {
    auto e = registry_->Get<Job>(id);
    if (!e) {
      release.emplace_back(id, nullptr);
    } else if (JobFinished(e->obj->state) || e->obj->state == "pending") {
      release.emplace_back(id, e->obj);
    }
  }
  for (const auto& [id, job] : release) {
    (void)queue_.Finish(Num(id));
    held_.erase(id);
    if (!job || job->state != "pending") Forget(id);
    ++stats_.released;
  }
  std::vector<std::shared_ptr<const Job>> adopt;
  registry_->ForEachOpenJob([&](const control::Entry<Job>& e) {
    const Job& j = *e.obj;
    if (Active(j) && !held_.count(j.id) && !j.placement.empty()) adopt.push_back(e.obj);
  });
  const Timestamp now = registry_->clock().Now();
  for (const auto& j : adopt) {
    if (!pools_.count(j->pool_id)) continue;
    PoolState& pool = Pool(j->pool_id);
    std::vector<sched::TaskPlacement> tasks;
    bool known = true;
    for (const auto& pl : j->placement) {
      auto sit = pool.slots.find(pl.node_id);
      if (sit == pool.slots.end()) {
        known = false;
        break;
      }
      sched::TaskPlacement tp{sit->second, 0, {}};
      for (int d : pl.devices) tp.devices.push_back(static_cast<uint8_t>(d));
      tasks.push_back(std::move(tp));
    }
    if (!known) continue;
    const bool first_seen = !num_.count(j->id);
    sched::Job q = ToQueueJob(*j, nullptr);
    q.where = {{pool.part, ToRequest(*j, pool).model_mask}};
    if (first_seen) Learn(*j, q);  // after a restart: the work that runs counts
    // Expected end: from the start of the run (or now, for a placement not started yet).
    const int64_t start = j->started_at.ms > 0 ? j->started_at.ms : now.ms;
    if (!queue_.Adopt(q, pool.part, tasks, start)) continue;
    held_[j->id] = j->pool_id;
    ++stats_.restored;
  }
}

// Writes every decision of a round in one registry write (one durable commit): placements of
// jobs that changed meanwhile are skipped and their allocations given back; victims of a
// preemption are requeued through exec::PreemptJob while they still run the attempt the
// queue evicted (one that ended meanwhile has freed its room anyway).
void PlacementService::Record(std::vector<Decision>& decisions) {
  if (decisions.empty()) return;
  std::vector<bool> applied(decisions.size(), false);
  uint64_t preempted = 0;
  Status s = registry_->WriteSync(kScheduler, [&](control::Txn& txn) -> Status {
    std::fill(applied.begin(), applied.end(), false);
    preempted = 0;
    std::map<std::string, Node> nodes;  // charged by preemptions (effective compute)
    exec::NodeStage stage = [&](const std::string& id) -> Node* {
      auto it = nodes.find(id);
      if (it != nodes.end()) return &it->second;
      auto n = txn.Get<Node>(id);
      return n ? &nodes.emplace(id, *n).first->second : nullptr;
    };
    for (size_t i = 0; i < decisions.size(); ++i) {
      Decision& d = decisions[i];
      auto current = txn.Get<Job>(d.job->id);
      if (!d.preemptor.empty()) {
        if (!current || !Active(*current) || current->restart_count != d.job->restart_count)
          continue;
        Job next = *current;
        exec::PreemptJob(next, d.preemptor, txn.now(), stage);
        txn.Put(std::move(next), "preempt");
        applied[i] = true;
        ++preempted;
        continue;
      }
      if (!current || current->state != "pending" || current->version != d.job->version) continue;
      Job next = *current;
      if (d.placement.empty()) {  // a waiting job's reason
        next.state_reason = d.reason;
        txn.Put(std::move(next), "wait");
        applied[i] = true;
        continue;
      }
      next.state = "scheduled";
      next.state_reason.clear();
      next.pool_id = d.pool_id;
      if (auto pool_rec = txn.Get<domain::Pool>(d.pool_id)) next.supplier_org_id = pool_rec->org_id;
      next.placement = d.placement;
      txn.Put(std::move(next), "schedule");
      applied[i] = true;
    }
    for (auto& [id, n] : nodes) txn.Put(std::move(n), "preempt");
    return OkStatus();
  });
  if (s.ok()) stats_.preempted += preempted;
  for (size_t i = 0; i < decisions.size(); ++i) {
    Decision& d = decisions[i];
    if (d.placement.empty()) continue;
    if (s.ok() && applied[i]) {
      held_[d.job->id] = d.pool_id;
      ++stats_.placed;
    } else {
      (void)queue_.Finish(Num(d.job->id));  // gives the allocation back
    }
  }
  // A victim whose requeue was not written still runs: the next round adopts it again.
}

// One pass of the queue over the pending jobs: they are (re)submitted from the registry, the
// queue starts, preempts and reserves, and the round's decisions are written at once.
void PlacementService::PlacePending() {
  std::vector<std::shared_ptr<const Job>> pending;
  registry_->ForEachOpenJob([&](const control::Entry<Job>& e) {
    if (e.obj->state == "pending" && !held_.count(e.obj->id)) pending.push_back(e.obj);
  });
  // The queue is rebuilt from the registry every round (a job may have been cancelled or
  // changed meanwhile); the queue's own state (reservation, preemption retry) is kept by id.
  std::set<std::string> now_pending;
  for (const auto& j : pending) now_pending.insert(j->id);
  for (uint64_t num : queued_) {
    (void)queue_.Cancel(num);
    auto it = job_of_.find(num);
    if (it != job_of_.end() && !now_pending.count(it->second) && !held_.count(it->second))
      Forget(it->second);
  }
  queued_.clear();
  if (pending.empty()) return;
  std::map<std::string, std::string> offer_pool;
  registry_->ForEach<Offer>([&](const control::Entry<Offer>& e) {
    offer_pool[e.obj->id] = e.obj->pool_id;
  });
  std::map<uint64_t, std::pair<std::shared_ptr<const Job>, sched::Job>> by_num;
  std::vector<Decision> started, victims, reasons;
  // Whether a shape could ever run in some pool, once per round (a scan of the pools' nodes).
  std::map<std::tuple<int64_t, int64_t, int, int, int, std::vector<std::pair<int, uint64_t>>>,
           bool> ever;
  for (const auto& job : pending) {
    const bool first_seen = !num_.count(job->id);
    sched::Job q = ToQueueJob(*job, &offer_pool);
    const sched::TaskDemand& t = q.request.task;
    auto key = std::make_tuple(t.cpu_milli, t.memory_mib, t.gpu_count, t.gpu_milli,
                               q.request.gang_size, q.where);
    auto it = ever.find(key);
    if (it == ever.end()) it = ever.emplace(key, !q.where.empty() && queue_.CouldEverRun(q)).first;
    if (!it->second) {
      if (job->state_reason != kNeverFits) reasons.push_back({job, "", {}, kNeverFits, ""});
      Forget(job->id);  // not queued: keeps no id (a cancelled one would leak it)
      continue;         // work no pool can ever hold is not counted in the profiles
    }
    if (first_seen) Learn(*job, q);
    if (!queue_.Submit(q).ok()) continue;
    queued_.push_back(q.id);
    by_num.emplace(q.id, std::make_pair(job, std::move(q)));
  }
  LearnProfiles();  // this round's new jobs already count
  const sched::ScheduleEvents ev = queue_.Schedule(registry_->clock().Now().ms);
  for (const auto& [num, p] : ev.started) {
    const auto& job = by_num.at(num).first;
    PoolState* pool = partitions_.at(static_cast<size_t>(queue_.partition_of(num)));
    Decision d{job, pool->id, {}, "", ""};
    for (const auto& tp : p.tasks) {
      Placement pl;
      pl.node_id = pool->ids[tp.node];
      for (auto dev : tp.devices) pl.devices.push_back(dev);
      d.placement.push_back(std::move(pl));
    }
    started.push_back(std::move(d));
  }
  for (size_t i = 0; i < ev.preempted.size(); ++i) {
    // The victim was held (running or scheduled): its allocation is released, it waits in the
    // queue until the registry says pending (or the next round adopts it again).
    const std::string& id = job_of_.at(ev.preempted[i]);
    queued_.push_back(ev.preempted[i]);
    held_.erase(id);
    auto e = registry_->Get<Job>(id);
    if (!e) continue;
    victims.push_back({e->obj, "", {}, "", job_of_.at(ev.preemptor[i])});
  }
  // Waiting jobs say why.
  for (const auto& [num, entry] : by_num) {
    const auto& [job, q] = entry;
    if (!queue_.is_queued(num)) continue;
    const std::string reason = queue_.OverQuota(q)
                                   ? "waiting: the organisation's GPU quota is used up"
                                   : "waiting for capacity";
    if (job->state_reason != reason) reasons.push_back({job, "", {}, reason, ""});
  }
  if (ev.truncated) more_pending_ = true;
  std::vector<Decision> decisions = std::move(started);
  for (auto& v : victims) decisions.push_back(std::move(v));
  for (auto& r : reasons) {
    if (decisions.size() >= kMaxDecisions) {
      more_pending_ = true;
      break;
    }
    decisions.push_back(std::move(r));
  }
  Record(decisions);
}

}  // namespace suanli::placement
