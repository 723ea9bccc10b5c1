#include "placement/placement_service.h"

#include <algorithm>

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
  int64_t gpu_capacity = 0;                 // milli
  int64_t gpu_allocated = 0;                // milli
  double Utilisation() const {
    return gpu_capacity == 0 ? 0 : static_cast<double>(gpu_allocated) / gpu_capacity;
  }
};

namespace {

const control::Actor kScheduler{"scheduler", "", "placement"};

int PriorityRank(const std::string& p) {
  if (p == "high") return 0;
  if (p == "normal") return 1;
  if (p == "spot") return 2;
  return 3;
}

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

int64_t TaskGpuMilli(const Job& j) {
  if (j.accelerators.count > 0) return int64_t{j.accelerators.count} * 1000;
  return j.accelerators.milli;
}

}  // namespace

PlacementService::PlacementService(control::Registry* registry, PlacementOptions options)
    : registry_(registry), options_(std::move(options)) {}

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
      pool.gpu_capacity += int64_t{spec.gpu_count} * 1000;
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
    pool.gpu_capacity -= int64_t{pool.cluster.node(slot).gpu_count} * 1000;
    (void)pool.cluster.RemoveNode(slot);
    pool.slots.erase(it->first);
    pool.ids.erase(slot);
    pool.versions.erase(it->first);
    it = node_pool_.erase(it);
  }
}

sched::Request PlacementService::ToRequest(const Job& job, PoolState& pool) const {
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
  if (r.task.uses_gpu()) {
    std::vector<std::string> ecosystems;
    std::vector<std::string> models = job.accelerators.any_of;
    if (models.empty())
      for (const auto& [eco, cmd] : job.commands) ecosystems.push_back(eco);
    r.model_mask = pool.cluster.ResolveModels(models, ecosystems);
  }
  return r;
}

// Releases jobs that ended; restores placements of jobs this service does not hold yet.
void PlacementService::SyncJobs() {
  std::vector<std::shared_ptr<const Job>> jobs;
  std::vector<std::string> gone;  // held jobs no longer in the registry
  // Held jobs that finished or went back to pending (O(held)), then open jobs placed by an
  // earlier run of the service (O(open)): finished jobs are never scanned.
  for (const auto& [id, held] : held_) {
    auto e = registry_->Get<Job>(id);
    if (!e || JobFinished(e->obj->state) || e->obj->state == "pending") {
      if (e) {
        jobs.push_back(e->obj);
      } else {
        gone.push_back(id);
      }
    }
  }
  registry_->ForEachOpenJob([&](const control::Entry<Job>& e) {
    const Job& j = *e.obj;
    if (j.state != "pending" && !held_.count(j.id) && !j.placement.empty()) jobs.push_back(e.obj);
  });
  for (const auto& id : gone) {
    auto it = held_.find(id);
    PoolState& pool = Pool(it->second.pool_id);
    if (const auto* p = pool.engine->Find(it->second.allocation)) {
      for (const auto& t : p->tasks)
        pool.gpu_allocated -= int64_t{t.gpu_milli} * static_cast<int64_t>(t.devices.size());
    }
    (void)pool.engine->Release(it->second.allocation);
    held_.erase(it);
    ++stats_.released;
  }
  for (const auto& j : jobs) {
    auto it = held_.find(j->id);
    if (it != held_.end()) {  // finished, cancelled, or sent back to pending
      PoolState& pool = Pool(it->second.pool_id);
      if (const auto* p = pool.engine->Find(it->second.allocation))
        pool.gpu_allocated -= static_cast<int64_t>(p->tasks.size()) * TaskGpuMilli(*j);
      (void)pool.engine->Release(it->second.allocation);
      held_.erase(it);
      ++stats_.released;
      continue;
    }
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
    auto restored = pool.engine->Restore(ToRequest(*j, pool), tasks);
    if (!restored) continue;
    held_[j->id] = {j->pool_id, restored->id};
    pool.gpu_allocated += static_cast<int64_t>(tasks.size()) * TaskGpuMilli(*j);
    ++stats_.restored;
  }
}

// Writes every decision of a round in one registry write (one durable commit): jobs that
// changed meanwhile are skipped and their allocations given back.
void PlacementService::Record(std::vector<Decision>& decisions) {
  if (decisions.empty()) return;
  std::vector<bool> applied(decisions.size(), false);
  Status s = registry_->WriteSync(kScheduler, [&](control::Txn& txn) -> Status {
    for (size_t i = 0; i < decisions.size(); ++i) {
      Decision& d = decisions[i];
      auto current = txn.Get<Job>(d.job->id);
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
    return OkStatus();
  });
  for (size_t i = 0; i < decisions.size(); ++i) {
    Decision& d = decisions[i];
    if (d.placement.empty()) continue;
    PoolState& pool = Pool(d.pool_id);
    if (s.ok() && applied[i]) {
      held_[d.job->id] = {d.pool_id, d.allocation};
      ++stats_.placed;
    } else {
      pool.gpu_allocated -= d.gpu_milli;
      (void)pool.engine->Release(d.allocation);
    }
  }
}

void PlacementService::PlacePending() {
  std::vector<std::shared_ptr<const Job>> pending;
  std::map<std::string, std::string> offer_pool;
  registry_->ForEachOpenJob([&](const control::Entry<Job>& e) {
    if (e.obj->state == "pending" && !held_.count(e.obj->id)) pending.push_back(e.obj);
  });
  if (pending.empty()) return;
  registry_->ForEach<Offer>([&](const control::Entry<Offer>& e) {
    offer_pool[e.obj->id] = e.obj->pool_id;
  });
  std::stable_sort(pending.begin(), pending.end(), [](const auto& a, const auto& b) {
    int pa = PriorityRank(a->priority), pb = PriorityRank(b->priority);
    if (pa != pb) return pa < pb;
    return a->created_at < b->created_at;
  });
  std::vector<Decision> decisions;
  // A round writes at most this many decisions (bounded time under the registry's lock); the
  // loop comes back at once for the rest.
  constexpr size_t kMaxDecisions = 256;
  for (const auto& job : pending) {
    if (decisions.size() >= kMaxDecisions) {
      more_pending_ = true;
      break;
    }
    std::vector<PoolState*> candidates;
    if (!job->offer_id.empty()) {
      auto it = offer_pool.find(job->offer_id);
      if (it != offer_pool.end() && pools_.count(it->second))
        candidates.push_back(pools_[it->second].get());
    } else {
      for (auto& [id, pool] : pools_) candidates.push_back(pool.get());
      std::stable_sort(candidates.begin(), candidates.end(),
                       [](PoolState* a, PoolState* b) { return a->Utilisation() < b->Utilisation(); });
    }
    bool placed = false, retryable = false;
    for (PoolState* pool : candidates) {
      sched::Request r = ToRequest(*job, *pool);
      if (r.task.uses_gpu() && r.model_mask == 0) continue;  // no allowed model here
      if (!r.task.uses_gpu() && pool->kind == "ai") continue;  // CPU work goes to CPU pools
      pool->reliability->SetCritical(Critical(*job));
      auto p = pool->engine->Place(r);
      pool->reliability->SetCritical(false);
      if (!p) {
        retryable = retryable || sched::IsRetryable(p.error());
        continue;
      }
      Decision d{job, pool->id, p->id, {}, "", 0};
      for (const auto& tp : p->tasks) {
        Placement pl;
        pl.node_id = pool->ids[tp.node];
        for (auto dev : tp.devices) pl.devices.push_back(dev);
        d.placement.push_back(std::move(pl));
      }
      d.gpu_milli = static_cast<int64_t>(p->tasks.size()) * TaskGpuMilli(*job);
      pool->gpu_allocated += d.gpu_milli;
      decisions.push_back(std::move(d));
      placed = true;
      break;
    }
    if (placed) continue;
    std::string reason = retryable ? "waiting for capacity"
                                   : "no pool can ever hold this job (models, sizes or gang)";
    if (job->state_reason != reason) decisions.push_back({job, "", {}, {}, reason, 0});
  }
  Record(decisions);
}

}  // namespace suanli::placement
