// Runs placed work and keeps effective compute high when machines fail.
//
// The placement service decides where a job's tasks go ("scheduled", with a placement per
// task). This service takes it from there:
//  - agent nodes: the node agent syncs every second or so (protocol.h). Its reports move tasks
//    assigned → running → succeeded | failed, and the job with them (running once every task
//    runs, succeeded once all succeeded). A failed task requeues the whole gang (pending, a new
//    attempt) until max_restarts, then fails the job.
//  - liveness: an agent node not heard from for node_timeout_ms goes down and every job with a
//    task on it is requeued (the placement service places it again elsewhere).
//  - device faults reported by an agent cordon the node (draining after repeated faults) and
//    requeue the jobs using the faulty device.
//  - simulated nodes (the demo fleet) "run" a job's tasks for its duration estimate.
// Everything it changes goes through registry writes, so a restart resumes from the store.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "control/auth.h"
#include "control/registry.h"
#include "core/periodic.h"
#include "exec/log_store.h"
#include "exec/protocol.h"

namespace suanli::exec {

struct ExecOptions {
  int tick_ms = 500;
  int heartbeat_ms = 1000;         // how often agents should sync
  int node_timeout_ms = 10000;     // silence after which an agent node is down
  int drain_after_faults = 3;      // faults on record before a node is drained
  double simulated_speedup = 1.0;  // simulated tasks run duration_estimate / speedup
  std::string log_dir;
};

struct ExecStats {
  uint64_t requeued = 0;
  uint64_t nodes_lost = 0;
  uint64_t device_faults = 0;
  uint64_t simulated_started = 0;
  uint64_t simulated_finished = 0;
};

class ExecutionService {
 public:
  ExecutionService(control::Registry* registry, const Clock* clock, ExecOptions options);
  ~ExecutionService();

  void Start();
  void Stop();
  // One round: liveness, simulated execution. Exposed for tests.
  void RunOnce();
  ExecStats stats() const;
  const ExecOptions& options() const { return options_; }
  LogStore& logs() { return logs_; }

  // --- the agent protocol (called by the API routes) ---
  // Creates or updates the caller's node from its inventory (a pool-scoped or supplier token).
  Status Register(control::Txn& txn, const control::Principal& p, const RegisterRequest& req,
                  std::string* node_id);
  // Authorises `p` for `node_id` and records the heartbeat.
  Status Heartbeat(const control::Principal& p, const std::string& node_id);
  // Stores log chunks; returns the bytes held per task.
  std::map<std::string, int64_t> AppendLogs(const std::vector<LogChunk>& chunks);
  // Applies task reports and device faults (no change when nothing changed).
  Status ApplyReports(control::Txn& txn, const SyncRequest& req);
  // True when ApplyReports would change something (so a plain heartbeat costs no write).
  bool ReportsChangeAnything(const SyncRequest& req) const;
  // What the node should run and kill, given what it reported.
  SyncReply Plan(const SyncRequest& req) const;
  // Bumped whenever a node's set of placed jobs changes (long-poll wake-up).
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  void CheckLiveness(int64_t now_ms);
  void RunSimulated(int64_t now_ms);
  void IndexJobs();

  control::Registry* registry_;
  const Clock* clock_;
  ExecOptions options_;
  LogStore logs_;
  mutable std::mutex mu_;
  std::map<std::string, int64_t> last_seen_;  // node id -> ms (agents only)
  int64_t started_ms_ = 0;                    // grace period after a restart
  std::map<std::string, std::set<std::string>> node_jobs_;  // node id -> active job ids
  ExecStats stats_;
  std::atomic<uint64_t> generation_{0};

  Periodic loop_;
};

// Requeues `job` after a failure: back to pending with a new attempt, or failed when its
// restarts are used up (preemptions do not count: see PreemptJob). Shared by every path that
// loses work (task crash, node loss, fault, preemption).
void RequeueJob(domain::Job& job, const std::string& reason, Timestamp now);

// Node records staged by a write (copies of the committed ones), by id; null when absent.
using NodeStage = std::function<domain::Node*(const std::string& id)>;

// Sends a scheduled or running job back to pending because `preemptor_id` needs its resources
// (the placement service's preemption of spot work): charges the held and lost time to its
// nodes (effective compute), records an interruption with cause "preempted" — the buyer's
// side: billed up to the eviction, no SLA credit — and requeues it through RequeueJob with the
// reason "preempted by job <id>". A preemption never fails the job: it does not use up
// max_restarts. The agent (or Slurm) is told to kill the old attempt's tasks at its next sync.
void PreemptJob(domain::Job& job, const std::string& preemptor_id, Timestamp now,
                const NodeStage& stage);

}  // namespace suanli::exec
