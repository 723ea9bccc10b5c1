// The server's scheduler: it mirrors every pool's nodes from the registry into a
// sched::Cluster, places pending jobs through the scheduling engine (the same engine the
// simulator drives), records the placement on the job ("scheduled", pool, nodes and devices),
// and returns the resources when a job is cancelled or finishes. After a restart it restores
// the placements recorded on jobs, so accounting survives.
//
// The queue level is sched::QueueScheduler, the same code the simulator's timed mode drives:
// each pool's engine is one of its partitions. So the server has priority classes (high,
// normal, spot and best_effort), DRF fair share across buyer organisations, each
// organisation's GPU quota (Org::gpu_quota_milli, set by the operator), starvation aging, preemption of spot work (in one pool, only when the whole
// gang then fits; the victims are requeued through exec::PreemptJob in the round's write, and
// their agents kill the old attempt at the next sync) and EASY backfill behind a node-exact
// reservation for the head, in the pool where it will fit earliest, from the jobs'
// duration_estimate_s.
//
// Network-level choice (which pool): pools that can hold the job's models, least utilised
// first; an offer named by the job pins its pool; CPU-only work does not go to AI pools.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "control/registry.h"
#include "sched/engine.h"
#include "sched/queue.h"

namespace suanli::placement {

struct PlacementOptions {
  int interval_ms = 500;       // how often pending work is looked at
  int batch_ms = 20;           // after a poke, how long submissions gather before a round
  std::string policy = "suanli";
  int max_candidates = 16;     // engine candidate limit (keeps a decision in microseconds)
  // Queue behaviour (starvation_ms, backfill test limit, preemption retry). max_starts is set
  // by the service: a round writes at most kMaxDecisions decisions.
  sched::QueueOptions queue;
  // The workload profile each pool's policy scores against (FGD's typical shapes, the hosting
  // prices' every shape), learned from the jobs the pool is given: the shapes of the last
  // `profile_window` jobs that could run there, each job counted once, when first seen (pending,
  // or placed by an earlier run when adopted after a restart). A pool's profile is rebuilt at
  // the first round it has seen jobs, then whenever the jobs seen since the last rebuild reach
  // the window's size at that rebuild (so it doubles while young) or `profile_every`. false:
  // the policy keeps an empty profile (FGD's score, the hosting prices and the look-ahead are
  // silent).
  bool learn_profile = true;
  size_t profile_window = 10000;
  size_t profile_every = 1000;
};

struct PlacementStats {
  uint64_t placed = 0;
  uint64_t released = 0;
  uint64_t restored = 0;
  uint64_t rounds = 0;
  uint64_t preempted = 0;  // jobs sent back to pending for higher-class work
  uint64_t profiles_learned = 0;  // workload profiles given to a pool's policy
};

class PlacementService {
 public:
  PlacementService(control::Registry* registry, PlacementOptions options);
  ~PlacementService();  // stops the loop

  void Start();
  void Stop();
  // One round: sync nodes, release finished jobs, restore, place pending. Thread-compatible
  // with the loop (takes the service's lock). Exposed for tests.
  void RunOnce();
  // Wakes the loop now (e.g. after a job was submitted).
  void Poke();
  PlacementStats stats() const;

  // Decisions written per round (placements, preemptions, wait reasons); the loop comes back
  // at once for the rest.
  static constexpr size_t kMaxDecisions = 256;
  // Pools whose profile is rebuilt in one round (the others wait for the next round), and the
  // shapes kept in a pool's profiles: the most frequent ones, weights renormalised. A decision
  // costs O(shapes) per option scored, so diverse submissions must not slow it without bound;
  // the Alibaba trace has 35 typical shapes and ~90 in all, within the caps.
  static constexpr size_t kMaxProfileRebuilds = 4;
  static constexpr size_t kMaxTypicalShapes = 64;
  static constexpr size_t kMaxEveryShapes = 128;

 private:
  struct PoolState;
  void SyncNodes();
  // Hands the organisations' GPU quotas to the queue (a quota removed or set to 0 is cleared).
  void SyncQuotas();
  void SyncJobs();
  void PlacePending();
  PoolState& Pool(const std::string& pool_id);
  sched::Request ToRequest(const domain::Job& job, PoolState& pool) const;
  // The job as the queue sees it: class, buyer organisation, estimate and, given the offers'
  // pools, the pools it may use (`where`).
  sched::Job ToQueueJob(const domain::Job& job,
                        const std::map<std::string, std::string>* offer_pool);
  // Counts a job first seen into the windows of the pools it may use (q.where).
  void Learn(const domain::Job& job, const sched::Job& q);
  // Gives new profiles to the pools that saw enough new jobs (at most kMaxProfileRebuilds).
  void LearnProfiles();
  uint64_t Num(const std::string& job_id);  // the queue's id for a job
  void Forget(const std::string& job_id);
  // A round's decision: a placement (placement non-empty), a preemption (preemptor set) or a
  // waiting job's new reason.
  struct Decision {
    std::shared_ptr<const domain::Job> job;
    std::string pool_id;
    std::vector<domain::Placement> placement;
    std::string reason;
    std::string preemptor;  // a victim: the job it made room for
  };
  void Record(std::vector<Decision>& decisions);

  control::Registry* registry_;
  PlacementOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<PoolState>> pools_;
  std::vector<PoolState*> partitions_;            // queue partition -> pool
  sched::QueueScheduler queue_;
  std::map<std::string, std::string> node_pool_;  // node id -> pool id
  std::map<std::string, std::string> held_;       // job id -> pool id (the queue runs it)
  std::map<std::string, uint64_t> num_;           // job id -> queue id
  std::map<uint64_t, std::string> job_of_;        // queue id -> job id
  uint64_t next_num_ = 1;
  std::vector<uint64_t> queued_;                  // in the queue after the last round
  std::map<std::string, std::string> ecosystem_of_;  // catalog id -> ecosystem
  PlacementStats stats_;
  uint64_t synced_topology_ = ~uint64_t{0};  // registry topology generation last mirrored
  std::map<std::string, int64_t> quotas_;     // org id -> GPU quota (milli) the queue has
  uint64_t synced_auth_ = ~uint64_t{0};       // registry auth generation the quotas are from

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stopping_ = false;
  bool poked_ = false;
  std::atomic<bool> more_pending_{false};
  std::thread thread_;
};

}  // namespace suanli::placement
