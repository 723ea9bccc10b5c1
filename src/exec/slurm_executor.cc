#include "exec/slurm_executor.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "catalog/catalog.h"
#include "domain/resources.h"

namespace suanli::exec {

using domain::Job;
using domain::Node;
using domain::Pool;
namespace fs = std::filesystem;

namespace {

// Reasons this executor writes start with it, so a cordon set by a person is told apart.
constexpr std::string_view kSlurmReason = "Slurm: ";
constexpr int64_t kMaxLogBytesPerTick = 4 << 20;

slurm::TaskKey ToSlurm(const TaskKey& k) { return {k.job_id, k.task, k.attempt}; }
TaskKey FromSlurm(const slurm::TaskKey& k) { return {k.job_id, k.task_index, k.attempt}; }

bool ActiveJob(const Job& j) { return j.state == "scheduled" || j.state == "running"; }

control::Actor ActorFor(const Pool& pool) { return {"slurm", pool.org_id, "slurm-" + pool.id}; }

bool SameNode(const Node& a, const Node& b) {
  if (a.cpu_cores != b.cpu_cores || a.memory_gib != b.memory_gib || a.state != b.state ||
      a.state_reason != b.state_reason || a.executor != b.executor || a.org_id != b.org_id ||
      a.site_id != b.site_id || a.accelerators.size() != b.accelerators.size())
    return false;
  for (size_t i = 0; i < a.accelerators.size(); ++i)
    if (a.accelerators[i].model != b.accelerators[i].model ||
        a.accelerators[i].count != b.accelerators[i].count)
      return false;
  return true;
}

}  // namespace

std::string CatalogIdOfGres(const std::string& gres_type,
                            const std::map<std::string, std::string>& gpu_models) {
  if (auto it = gpu_models.find(gres_type); it != gpu_models.end()) return it->second;
  if (gres_type.empty()) return "";
  const domain::Accelerator* a = catalog::FindBuiltin(gres_type);
  return a ? a->id : "";
}

struct SlurmExecutor::PoolRun {
  std::string partition;
  std::unique_ptr<slurm::SlurmClient> client;
  std::unique_ptr<slurm::SlurmPoolDriver> driver;
  std::map<slurm::TaskKey, slurm::TaskUpdate> last;  // the latest Poll() update per attempt
  std::map<slurm::TaskKey, std::string> refused;     // sbatch refused it outright: why
  std::set<slurm::TaskKey> cancelled;                // scancel sent
  // node name -> catalog id -> GRES type, from the last inventory (for --gres=gpu:<type>:N)
  std::map<std::string, std::map<std::string, std::string>> gres;
  std::string last_warning;
};

SlurmExecutor::SlurmExecutor(control::Registry* registry, ExecutionService* exec,
                             slurm::CommandRunner* runner, SlurmExecutorOptions options)
    : registry_(registry), exec_(exec), runner_(runner), options_(std::move(options)) {}

SlurmExecutor::~SlurmExecutor() { Stop(); }

void SlurmExecutor::Start() {
  loop_.Start(std::chrono::milliseconds(options_.tick_ms), [this] { RunOnce(); });
}

void SlurmExecutor::Stop() { loop_.Stop(); }

SlurmExecutorStats SlurmExecutor::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void SlurmExecutor::Warn(const std::string& pool_id, const std::string& what) {
  {
    std::lock_guard lock(mu_);
    ++stats_.errors;
  }
  auto it = pools_.find(pool_id);
  if (it != pools_.end()) {
    if (it->second->last_warning == what) return;  // said already
    it->second->last_warning = what;
  }
  if (options_.verbose) {
    std::fprintf(stderr, "suanli: slurm pool %s: %s\n", pool_id.c_str(), what.c_str());
    std::fflush(stderr);
  }
}

std::string SlurmExecutor::OutputPath(const TaskKey& key) const {
  return options_.work_dir + "/" + key.job_id + "/" + std::to_string(key.task) + "." +
         std::to_string(key.attempt) + ".out";
}

void SlurmExecutor::RunOnce() {
  // The demo fleet's Slurm pools are simulated: their nodes say so, and no cluster backs them.
  std::set<std::string> simulated;
  registry_->ForEach<Node>([&](const control::Entry<Node>& e) {
    if (e.obj->executor == "simulated") simulated.insert(e.obj->pool_id);
  });
  std::vector<Pool> pools;
  registry_->ForEach<Pool>([&](const control::Entry<Pool>& e) {
    if (e.obj->driver == "slurm" && !simulated.count(e.obj->id)) pools.push_back(*e.obj);
  });
  // Pools deleted or no longer run by Slurm lose their driver; a changed partition gets a new one.
  for (auto it = pools_.begin(); it != pools_.end();) {
    bool keep = std::any_of(pools.begin(), pools.end(), [&](const Pool& p) {
      return p.id == it->first && p.slurm_partition == it->second->partition;
    });
    it = keep ? std::next(it) : pools_.erase(it);
  }
  for (const Pool& pool : pools) {
    auto& run = pools_[pool.id];
    if (!run) {
      run = std::make_unique<PoolRun>();
      run->partition = pool.slurm_partition;
      slurm::SlurmClientOptions co;
      co.bin_dir = options_.bin_dir;
      co.partition = pool.slurm_partition;
      // The pool id in the job names keeps pools (and servers) sharing a cluster apart.
      co.name_prefix = options_.name_prefix + "-" + pool.id;
      run->client = std::make_unique<slurm::SlurmClient>(*runner_, co);
      slurm::SlurmPoolOptions po;
      po.pool_id = pool.id;
      po.gpu_models = options_.gpu_models;
      run->driver = std::make_unique<slurm::SlurmPoolDriver>(*run->client, po);
    }
    RunPool(pool, *run);
  }
  std::lock_guard lock(mu_);
  ++stats_.ticks;
}

void SlurmExecutor::RunPool(const Pool& pool, PoolRun& run) {
  SyncNodes(pool, run);
  SyncTasks(pool, run);
  CopyLogs(run);
}

// ---------------- inventory ----------------

void SlurmExecutor::SyncNodes(const Pool& pool, PoolRun& run) {
  auto inventory = run.driver->SyncInventory();
  if (!inventory) {
    Warn(pool.id, "cannot read the nodes of partition " + pool.slurm_partition + ": " +
                      inventory.error().ToString());
    return;
  }
  std::map<std::string, std::shared_ptr<const Node>> existing;  // by name
  registry_->ForEach<Node>([&](const control::Entry<Node>& e) {
    if (e.obj->pool_id == pool.id) existing[e.obj->name] = e.obj;
  });
  std::vector<Node> changed;
  std::set<std::string> listed;
  run.gres.clear();
  for (const auto& pn : *inventory) {
    listed.insert(pn.name);
    auto it = existing.find(pn.name);
    const Node* before = it != existing.end() ? it->second.get() : nullptr;
    Node n = before ? *before : Node{};
    n.pool_id = pool.id;
    n.org_id = pool.org_id;
    n.site_id = pool.site_id;
    n.name = pn.name;
    n.executor = "slurm";
    n.cpu_cores = std::clamp(pn.cpu_cores, 1, 4096);
    n.memory_gib = std::clamp<int64_t>(pn.memory_mib / 1024, 1, 65536);
    n.accelerators.clear();
    for (const auto& a : pn.accelerators) {
      std::string model = CatalogIdOfGres(a.gres_type, options_.gpu_models);
      if (model.empty() || !registry_->Get<domain::Accelerator>(model)) {
        Warn(pool.id, "node " + pn.name + ": GRES gpu type '" + a.gres_type +
                          "' is not in the catalog; its GPUs are left out (map it with "
                          "--slurm-gpu-models)");
        continue;
      }
      run.gres[pn.name].emplace(model, a.gres_type);
      auto same = std::find_if(n.accelerators.begin(), n.accelerators.end(),
                               [&](const domain::NodeAccelerators& x) { return x.model == model; });
      if (same != n.accelerators.end()) {
        same->count += a.count;
      } else {
        n.accelerators.push_back({model, a.count});
      }
    }
    // Slurm's state, except that a cordon or drain set by a person survives while Slurm
    // itself sees nothing wrong.
    const bool manual = before && before->state != "ready" && before->state != "down" &&
                        before->state_reason.rfind(kSlurmReason, 0) != 0;
    if (!(manual && pn.state == "ready")) {
      n.state = pn.state;
      n.state_reason = pn.state == "ready" && pn.state_reason.empty()
                           ? ""
                           : std::string(kSlurmReason) + pn.state_reason;
    }
    if (before && SameNode(*before, n)) continue;
    changed.push_back(std::move(n));
  }
  for (const auto& [name, node] : existing) {
    if (listed.count(name) || node->executor != "slurm" || node->state == "down") continue;
    Node n = *node;
    n.state = "down";
    n.state_reason = std::string(kSlurmReason) + "not in partition " + pool.slurm_partition;
    changed.push_back(std::move(n));
  }
  if (changed.empty()) return;
  Status s = registry_->WriteSync(ActorFor(pool), [&](control::Txn& txn) -> Status {
    if (!txn.Get<Pool>(pool.id)) return OkStatus();  // deleted meanwhile
    for (const Node& want : changed) {
      Node n = want;
      if (!n.id.empty()) {
        if (!txn.Get<Node>(n.id)) continue;  // deleted meanwhile
      } else {
        bool taken = false;
        for (const auto& [id, e] : txn.registry().TableOf<Node>()) {
          auto cur = txn.Get<Node>(id);
          if (cur && cur->pool_id == n.pool_id && cur->name == n.name) taken = true;
        }
        if (taken) continue;  // created meanwhile: the next tick updates it
        n.id = txn.ids().NewId("node");
      }
      for (const auto& a : n.accelerators)
        if (!txn.Get<domain::Accelerator>(a.model))
          return Internal("accelerator " + a.model + " vanished from the catalog");
      SUANLI_RETURN_IF_ERROR(domain::ValidateNode(n));
      txn.Put(std::move(n), "slurm-inventory");
    }
    return OkStatus();
  });
  if (!s.ok()) Warn(pool.id, "cannot record the nodes: " + s.ToString());
}

// ---------------- tasks ----------------

void SlurmExecutor::SyncTasks(const Pool& pool, PoolRun& run) {
  auto updates = run.driver->Poll();
  if (!updates) {
    // Without Slurm's answer nothing is reported: a silent cluster must not look like lost work.
    Warn(pool.id, "cannot follow the jobs: " + updates.error().ToString());
    return;
  }
  for (auto& u : *updates) run.last[u.key] = std::move(u);
  const std::vector<slurm::TrackedTask> tracked = run.driver->Tracked();
  std::set<slurm::TaskKey> known;
  for (const auto& t : tracked) known.insert(t.key);
  std::erase_if(run.last, [&](const auto& kv) { return !known.count(kv.first); });
  std::erase_if(run.cancelled, [&](const slurm::TaskKey& k) { return !known.count(k); });

  std::map<std::string, std::shared_ptr<const Node>> nodes;  // the pool's Slurm nodes by id
  registry_->ForEach<Node>([&](const control::Entry<Node>& e) {
    if (e.obj->pool_id == pool.id && e.obj->executor == "slurm") nodes[e.obj->id] = e.obj;
  });
  // The node of this pool the registry wants `key` to run on now, "" when it wants it nowhere.
  auto wanted_on = [&](const slurm::TaskKey& key) -> std::string {
    auto e = registry_->Get<Job>(key.job_id);
    if (!e) return "";
    const Job& j = *e->obj;
    if (!ActiveJob(j) || j.restart_count != key.attempt || key.task_index < 0 ||
        key.task_index >= static_cast<int>(j.placement.size()))
      return "";
    const std::string& node_id = j.placement[key.task_index].node_id;
    return nodes.count(node_id) ? node_id : "";
  };
  auto cancel = [&](const slurm::TaskKey& key) {
    if (run.cancelled.count(key)) return;
    Status s = run.driver->Cancel(key);
    if (!s.ok() && s.code() != StatusCode::kNotFound) {
      Warn(pool.id, "scancel " + FromSlurm(key).Str() + ": " + s.ToString());
      return;
    }
    run.cancelled.insert(key);
    std::lock_guard lock(mu_);
    ++stats_.cancelled;
  };

  std::map<std::string, SyncRequest> requests;
  for (const auto& [id, n] : nodes) requests[id].node_id = id;
  for (const auto& t : tracked) {
    const bool live = !t.reported || !slurm::IsTerminal(*t.reported);
    const std::string node_id = wanted_on(t.key);
    if (node_id.empty()) {
      if (live) cancel(t.key);  // cancelled, requeued or moved: it must not run on
      continue;
    }
    // Pending in Slurm: not reported, so the registry keeps it assigned (not lost).
    if (!t.reported || *t.reported == slurm::TaskState::kPending) continue;
    TaskReport r;
    r.key = FromSlurm(t.key);
    r.checkpoint_at_ms = NewestFileMs(options_.checkpoint_root + "/" + t.key.job_id + "/" +
                                      std::to_string(t.key.task_index));
    auto last = run.last.find(t.key);
    const slurm::TaskUpdate* u = last != run.last.end() ? &last->second : nullptr;
    switch (*t.reported) {
      case slurm::TaskState::kRunning:
        r.state = "running";
        break;
      case slurm::TaskState::kSucceeded:
        r.state = "succeeded";
        break;
      case slurm::TaskState::kFailed:
      case slurm::TaskState::kCancelled:
        r.state = "failed";
        r.exit_code = u ? u->exit_code : -1;
        r.message = std::string(*t.reported == slurm::TaskState::kCancelled
                                    ? "cancelled in Slurm: "
                                    : "Slurm: ") +
                    (u ? u->reason : "failed");
        break;
      case slurm::TaskState::kPending:
        continue;
    }
    requests[node_id].tasks.push_back(std::move(r));
  }
  for (auto it = run.refused.begin(); it != run.refused.end();) {
    const std::string node_id = wanted_on(it->first);
    if (node_id.empty() || known.count(it->first)) {
      it = run.refused.erase(it);
      continue;
    }
    TaskReport r;
    r.key = FromSlurm(it->first);
    r.state = "failed";
    r.exit_code = -1;
    r.message = it->second;
    requests[node_id].tasks.push_back(std::move(r));
    ++it;
  }

  for (auto& [node_id, req] : requests) {
    if (exec_->ReportsChangeAnything(req)) {
      Status s = registry_->WriteSync(ActorFor(pool), [&](control::Txn& txn) {
        return exec_->ApplyReports(txn, req);
      });
      if (!s.ok()) {
        Warn(pool.id, "cannot record task states: " + s.ToString());
        continue;
      }
    }
    const SyncReply reply = exec_->Plan(req);
    for (const auto& k : reply.kill) cancel(ToSlurm(k));
    const Node& node = *nodes.at(node_id);
    for (const auto& a : reply.assign) {
      const slurm::TaskKey key = ToSlurm(a.key);
      if (known.count(key) || run.refused.count(key)) continue;  // already in Slurm
      slurm::TaskSpec t;
      t.key = key;
      t.command = a.command;
      t.cpus = std::max(1, a.cpu_cores);
      t.memory_mib = std::max<int64_t>(1, a.memory_gib) * 1024;
      // Slurm hands out whole GPUs: a share of one device asks for one.
      t.gpus = static_cast<int>(a.devices.size());
      if (t.gpus > 0 && !node.accelerators.empty()) {
        auto g = run.gres.find(node.name);
        if (g != run.gres.end()) {
          auto m = g->second.find(node.accelerators[0].model);
          if (m != g->second.end()) t.gpu_type = m->second;
        }
      }
      t.node = node.name;
      t.work_dir = options_.work_dir + "/" + a.key.job_id;
      t.output_path = OutputPath(a.key);
      t.checkpoint_dir = options_.checkpoint_root + "/" + a.key.job_id + "/" + std::to_string(a.key.task);
      for (const auto& [k, v] : a.env)
        if (k.rfind("SLURM_", 0) != 0 && k.rfind("SBATCH_", 0) != 0) t.env[k] = v;
      if (t.command.empty()) {
        run.refused[key] = "the job has no command for this node's ecosystem (" + a.ecosystem + ")";
        continue;
      }
      std::error_code ec;
      fs::create_directories(t.work_dir, ec);
      if (!ec) fs::create_directories(t.checkpoint_dir, ec);
      if (ec) {
        Warn(pool.id, "cannot create the task's directories: " + ec.message());
        continue;
      }
      auto id = run.driver->Start(t);
      if (!id) {
        if (id.error().code() == StatusCode::kFailedPrecondition) {
          run.refused[key] = id.error().message();  // reported failed on the next tick
        } else {
          Warn(pool.id, "sbatch " + a.key.Str() + ": " + id.error().ToString());
        }
        continue;
      }
      known.insert(key);
      std::lock_guard lock(mu_);
      ++stats_.submitted;
    }
  }
}

// ---------------- output ----------------

void SlurmExecutor::CopyLogs(PoolRun& run) {
  for (const auto& t : run.driver->Tracked()) {
    const TaskKey key = FromSlurm(t.key);
    const std::string path = OutputPath(key);
    std::error_code ec;
    const auto size = static_cast<int64_t>(fs::file_size(path, ec));
    if (ec) continue;
    const int64_t held = exec_->logs().Size(key);
    if (size <= held) continue;
    std::ifstream in(path, std::ios::binary);
    if (!in) continue;
    in.seekg(held);
    LogChunk chunk;
    chunk.key = key;
    chunk.offset = held;
    chunk.data.resize(static_cast<size_t>(std::min(size - held, kMaxLogBytesPerTick)));
    in.read(chunk.data.data(), static_cast<std::streamsize>(chunk.data.size()));
    chunk.data.resize(static_cast<size_t>(in.gcount()));
    if (!chunk.data.empty()) (void)exec_->logs().Append(chunk);
  }
}

}  // namespace suanli::exec
