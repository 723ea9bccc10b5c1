// The queue level above the Engine: which waiting job to place next, and what to evict.
//
//  - Priority classes: kHigh before kNormal before kSpot (spot and best-effort work).
//  - Fair share across organisations: inside a class, the organisation with the lowest
//    dominant share (DRF: the larger of its CPU and GPU share of the pool) goes first; a quota
//    caps an organisation's GPU in use (jobs over quota wait).
//  - Preemption: a kHigh or kNormal job that does not fit looks for nodes where evicting running
//    kSpot tasks (the most recently started first) would make room, and evicts only those, and
//    only if the whole gang then fits; evicted jobs go back to the queue.
//  - Backfill with a reservation on nodes: the first job (in order) that cannot start reserves
//    the node(s) where it will fit earliest, judged from the expected ends of the tasks running
//    there (its shadow time). Later jobs start anywhere if they end by the shadow time, and
//    otherwise only off the reserved nodes, so they never delay it (EASY backfill, node-exact).
//  - No starvation: a job that has waited longer than starvation_ms moves to the front of its
//    class, so a large gang eventually becomes the reserved head.
//
// Time is given by the caller (virtual in the simulator, the server's Clock in production).
// Thread-safety: none.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "sched/engine.h"

namespace suanli::sched {

enum class PriorityClass : uint8_t { kHigh = 0, kNormal = 1, kSpot = 2 };

struct Job {
  uint64_t id = 0;
  std::string org;
  PriorityClass priority = PriorityClass::kNormal;
  Request request;
  int64_t submit_ms = 0;
  int64_t expected_runtime_ms = 0;  // estimate used by backfill (0 = unknown: never backfilled)
};

struct QueueOptions {
  int64_t starvation_ms = 6 * 3600 * 1000;
  // Jobs examined behind the reserved head per Schedule (Slurm's bf_max_job_test).
  int max_backfill_tests = 1000;
  // After a job found no spot work to evict, it does not search again for this long.
  int64_t preempt_retry_ms = 10'000;
};

// What one Schedule() call did.
struct ScheduleEvents {
  std::vector<std::pair<uint64_t, Placement>> started;
  std::vector<uint64_t> preempted;  // back in the queue
};

class QueueScheduler {
 public:
  // `engine` must outlive the scheduler; the scheduler owns placements it starts.
  QueueScheduler(Engine* engine, QueueOptions opts = {}) : engine_(engine), opts_(opts) {}

  // GPU quota (milli) of an organisation; 0 = none.
  void SetQuota(const std::string& org, int64_t gpu_milli) { quota_[org] = gpu_milli; }
  // Queues a job. InvalidArgument if the id is already known.
  Status Submit(const Job& job);
  // Starts what can start at `now_ms`.
  ScheduleEvents Schedule(int64_t now_ms);
  // A running job ended: releases it. NotFound if it is not running.
  Status Finish(uint64_t job_id);
  // Removes a queued job. NotFound if it is not queued.
  Status Cancel(uint64_t job_id);

  size_t queued() const { return queue_.size(); }
  size_t running() const { return running_.size(); }
  // The reservation made by the last Schedule (job id, shadow time), if any, and its nodes.
  std::pair<uint64_t, int64_t> reservation() const { return reservation_; }
  const std::vector<NodeSlot>& reserved_nodes() const { return reserved_; }

 public:
  // What a node has free, as a value to play what-if with (releases that have not happened).
  struct Room {
    int64_t cpu_free = 0, mem_free = 0;
    int gpu_count = 0;
    std::array<int16_t, kMaxDevicesPerNode> gpu_free{};
    static Room Of(const Node& n);
  };

 private:
  struct Running {
    Job job;
    AllocationId alloc;
    int64_t start_ms = 0;
    int64_t cpu = 0, gpu = 0;
    std::vector<NodeSlot> nodes;  // distinct nodes its tasks are on
    std::vector<TaskPlacement> tasks;
    int64_t expected_end() const;
    // Adds what its tasks hold on `slot` back to `n` (a copy of that node: what-if).
    void GiveBack(NodeSlot slot, Room* n) const;
  };
  std::vector<Job> Ordered(int64_t now_ms) const;
  double DominantShare(const std::string& org) const;
  bool OverQuota(const Job& j) const;
  bool TryStart(const Job& j, int64_t now_ms, ScheduleEvents* ev);
  bool PreemptFor(const Job& j, int64_t now_ms, ScheduleEvents* ev);
  // Reserves nodes for `j`; returns its shadow time (INT64_MAX = no node will ever fit).
  int64_t Reserve(const Job& j, int64_t now_ms);
  void Stop(uint64_t id);  // releases a running job (finish or eviction)
  // Holds the reserved nodes (cordons those that are up) or gives them back.
  void SetReservedCordoned(bool cordoned);
  void Account(const Job& j, int sign);

  Engine* engine_;
  QueueOptions opts_;
  std::map<uint64_t, Job> queue_;
  std::unordered_map<uint64_t, Running> running_;
  std::unordered_map<NodeSlot, std::vector<uint64_t>> on_node_;  // running job ids per node
  int64_t spot_running_ = 0;
  std::pair<uint64_t, int64_t> no_preempt_{0, 0};  // (job, until) after a failed search
  std::unordered_map<std::string, int64_t> quota_;
  std::unordered_map<std::string, std::pair<int64_t, int64_t>> used_;  // org -> (cpu, gpu)
  std::pair<uint64_t, int64_t> reservation_{0, 0};
  std::vector<NodeSlot> reserved_;
  std::vector<NodeSlot> held_;  // reserved nodes cordoned while backfilling (restored after)
};

}  // namespace suanli::sched
