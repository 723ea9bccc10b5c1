// The server's scheduler: it mirrors every pool's nodes from the registry into a
// sched::Cluster, places pending jobs through the scheduling engine (the same engine the
// simulator drives), records the placement on the job ("scheduled", pool, nodes and devices),
// and returns the resources when a job is cancelled or finishes. After a restart it restores
// the placements recorded on jobs, so accounting survives.
//
// Network-level choice (which pool) is simple for now: pools that can hold the job's models,
// least utilised first; an offer named by the job pins its pool. Queue order: priority class,
// then submission time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "control/registry.h"
#include "sched/engine.h"

namespace suanli::placement {

struct PlacementOptions {
  int interval_ms = 500;       // how often pending work is looked at
  int batch_ms = 20;           // after a poke, how long submissions gather before a round
  std::string policy = "suanli";
  int max_candidates = 16;     // engine candidate limit (keeps a decision in microseconds)
};

struct PlacementStats {
  uint64_t placed = 0;
  uint64_t released = 0;
  uint64_t restored = 0;
  uint64_t rounds = 0;
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

 private:
  struct PoolState;
  struct Held {
    std::string pool_id;
    sched::AllocationId allocation;
  };
  void SyncNodes();
  void SyncJobs();
  void PlacePending();
  PoolState& Pool(const std::string& pool_id);
  sched::Request ToRequest(const domain::Job& job, PoolState& pool) const;
  // A placement made in a round (placement non-empty) or a waiting job's new reason.
  struct Decision {
    std::shared_ptr<const domain::Job> job;
    std::string pool_id;
    sched::AllocationId allocation;
    std::vector<domain::Placement> placement;
    std::string reason;
    int64_t gpu_milli = 0;
  };
  void Record(std::vector<Decision>& decisions);

  control::Registry* registry_;
  PlacementOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<PoolState>> pools_;
  std::map<std::string, std::string> node_pool_;  // node id -> pool id
  std::map<std::string, Held> held_;              // job id -> allocation
  std::map<std::string, std::string> ecosystem_of_;  // catalog id -> ecosystem
  PlacementStats stats_;
  uint64_t synced_topology_ = ~uint64_t{0};  // registry topology generation last mirrored

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stopping_ = false;
  bool poked_ = false;
  std::atomic<bool> more_pending_{false};
  std::thread thread_;
};

}  // namespace suanli::placement
