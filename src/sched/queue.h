// The queue level above the Engine: which waiting job to place next, and what to evict.
// One implementation for every driver: the simulator's timed mode (one engine) and the
// server's placement service (one engine per pool, see "Partitions" below).
//
//  - Priority classes: kHigh before kNormal before kSpot (spot and best-effort work).
//  - Fair share across organisations: inside a class, the organisation with the lowest
//    dominant share (DRF: the larger of its CPU and GPU share of the pool) goes first; a quota
//    caps an organisation's GPU in use (jobs over quota wait).
//  - Preemption: a kHigh or kNormal job that does not fit looks for nodes where evicting running
//    kSpot tasks (the most recently started first; none younger than spot_exempt_ms) would make
//    room, and evicts only those, and only if the whole gang then fits; evicted jobs go back to
//    the queue.
//  - Backfill with a reservation on nodes: the first job (in order) that cannot start reserves
//    the node(s) where it will fit earliest, judged from the expected ends of the tasks running
//    there (its shadow time). Later jobs start anywhere if they end by the shadow time, and
//    otherwise only off the reserved nodes, so they never delay it (EASY backfill, node-exact).
//  - No starvation: a job that has waited longer than starvation_ms moves to the front of its
//    class, so a large gang eventually becomes the reserved head.
//
// Partitions: the scheduler drives one or more engines (the server's pools, each with its own
// Cluster). A job names the partitions it may use and its model mask in each (Job::where); it
// starts in the least GPU-utilised one that can hold it now. Fair shares are taken over all
// partitions together. Preemption evicts inside one partition, for the whole gang. The head's
// reservation is made in the partition where the head will fit earliest.
//
// Time is given by the caller (virtual in the simulator, the server's Clock in production).
// Thread-safety: none.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sched/engine.h"
#include "sched/reliability_policy.h"

namespace suanli::sched {

enum class PriorityClass : uint8_t { kHigh = 0, kNormal = 1, kSpot = 2 };

struct Job {
  uint64_t id = 0;
  std::string org;
  PriorityClass priority = PriorityClass::kNormal;
  Request request;
  int64_t submit_ms = 0;
  int64_t expected_runtime_ms = 0;  // estimate used by backfill (0 = unknown: never backfilled)
  // The partitions the job may use, each with its model mask there (model ids are per
  // cluster), tried least GPU-utilised first (ties: this order). Empty: every partition, with
  // request.model_mask.
  std::vector<std::pair<int, ModelMask>> where = {};
  // Long, large work: a partition's ReliabilityPolicy (AddPartition) keeps it off suspect nodes.
  bool critical = false;
};

struct QueueOptions {
  int64_t starvation_ms = 6 * 3600 * 1000;
  // Jobs examined behind the reserved head per Schedule (Slurm's bf_max_job_test).
  int max_backfill_tests = 1000;
  // After a job found no spot work to evict, it does not search again for this long.
  int64_t preempt_retry_ms = 10'000;
  // Spot work that started less than this long ago is not evicted (Slurm's PreemptExemptTime):
  // it bounds how much of a spot job's run a preemption can throw away. 0 = any spot work.
  int64_t spot_exempt_ms = 0;
  // Most jobs started per Schedule call (0 = no limit); ScheduleEvents::truncated says the
  // call stopped there (the server bounds the decisions it writes in one round).
  int max_starts = 0;
};

// What one Schedule() call did.
struct ScheduleEvents {
  std::vector<std::pair<uint64_t, Placement>> started;
  std::vector<uint64_t> preempted;  // back in the queue
  std::vector<uint64_t> preemptor;  // per preempted job: the job it made room for
  bool truncated = false;           // stopped at QueueOptions::max_starts
};

class QueueScheduler {
 public:
  // One partition (index 0). `engine` must outlive the scheduler; the scheduler owns the
  // placements it starts or adopts.
  QueueScheduler(Engine* engine, QueueOptions opts = {}) : opts_(opts) { AddPartition(engine); }
  // No partition yet: add them with AddPartition.
  explicit QueueScheduler(QueueOptions opts) : opts_(opts) {}
  // Adds an engine (it must outlive the scheduler); returns its partition index. When
  // `reliability` is the engine's policy, critical jobs are placed with it marked critical.
  int AddPartition(Engine* engine, ReliabilityPolicy* reliability = nullptr);
  size_t partitions() const { return parts_.size(); }

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
  // Takes over a job already placed (an owner restarting): re-creates its placement on
  // `partition` through Engine::Restore and counts it as running since `start_ms` (its
  // expected end is start_ms + expected_runtime_ms). A queued job of that id leaves the queue.
  Result<Placement> Adopt(const Job& job, int partition, const std::vector<TaskPlacement>& tasks,
                          int64_t start_ms);

  // The partition a running job is on; -1 when it is not running.
  int partition_of(uint64_t job_id) const;
  bool is_queued(uint64_t job_id) const { return queue_.count(job_id) > 0; }
  // Whether some partition the job may use could hold it when empty (Engine::CouldEverPlace).
  bool CouldEverRun(const Job& j) const;
  // Whether the job's organisation would exceed its GPU quota with it.
  bool OverQuota(const Job& j) const;

  size_t queued() const { return queue_.size(); }
  size_t running() const { return running_.size(); }
  // The reservation made by the last Schedule (job id, shadow time), if any, and its nodes.
  std::pair<uint64_t, int64_t> reservation() const { return reservation_; }
  const std::vector<NodeSlot>& reserved_nodes() const { return reserved_; }
  int reserved_partition() const { return reserved_part_; }

 public:
  // What a node has free, as a value to play what-if with (releases that have not happened).
  struct Room {
    int64_t cpu_free = 0, mem_free = 0;
    int gpu_count = 0;
    std::array<int16_t, kMaxDevicesPerNode> gpu_free{};
    static Room Of(const Node& n);
  };

 private:
  struct Partition {
    Engine* engine = nullptr;
    ReliabilityPolicy* reliability = nullptr;
    std::unordered_map<NodeSlot, std::vector<uint64_t>> on_node;  // running job ids per node
    double utilisation() const;
  };
  struct Running {
    Job job;
    int part = 0;
    AllocationId alloc;
    int64_t start_ms = 0;
    int64_t cpu = 0, gpu = 0;
    std::vector<NodeSlot> nodes;  // distinct nodes its tasks are on
    std::vector<TaskPlacement> tasks;
    int64_t expected_end() const;
    // Adds what its tasks hold on `slot` back to `n` (a copy of that node: what-if).
    void GiveBack(NodeSlot slot, Room* n) const;
  };
  // (class, 0 if starved else 1, DRF share, submit time, id): the queue's order.
  using OrderKey = std::tuple<int, int, double, int64_t, uint64_t>;
  // Every queued job's key, as a min-heap (std::greater).
  std::vector<OrderKey> OrderHeap(int64_t now_ms) const;
  // The request as partition `part` reads it (the job's model mask there).
  static Request RequestIn(const Job& j, int part);
  // The partitions `j` may use, in the order to try them.
  std::vector<int> Candidates(const Job& j) const;
  bool TryStart(const Job& j, int64_t now_ms, ScheduleEvents* ev);
  bool TryStartIn(const Job& j, int part, int64_t now_ms, ScheduleEvents* ev);
  void Track(const Job& j, int part, const Placement& p, int64_t start_ms);
  bool PreemptFor(const Job& j, int64_t now_ms, ScheduleEvents* ev);
  // Per node of `part` that could hold one task of `j`: (GPU evicted, rank, node, spot jobs to
  // evict there, newest first).
  std::vector<std::tuple<int64_t, uint32_t, NodeSlot, std::vector<uint64_t>>> EvictionOptions(
      const Job& j, int part, int64_t now_ms) const;
  // Reserves nodes for `j`; returns its shadow time (INT64_MAX = no node will ever fit).
  int64_t Reserve(const Job& j, int64_t now_ms);
  // The shadow time of `j` in `part` and the nodes it would reserve there.
  int64_t ReserveIn(const Job& j, int part, int64_t now_ms, std::vector<NodeSlot>* nodes) const;
  void Stop(uint64_t id);  // releases a running job (finish or eviction)
  // Holds the reserved nodes (cordons those that are up) or gives them back.
  void SetReservedCordoned(bool cordoned);
  void Account(const Job& j, int sign);

  QueueOptions opts_;
  std::vector<Partition> parts_;
  std::map<uint64_t, Job> queue_;
  std::unordered_map<uint64_t, Running> running_;
  int64_t spot_running_ = 0;
  std::pair<uint64_t, int64_t> no_preempt_{0, 0};  // (job, until) after a failed search
  std::unordered_map<std::string, int64_t> quota_;
  std::unordered_map<std::string, std::pair<int64_t, int64_t>> used_;  // org -> (cpu, gpu)
  std::pair<uint64_t, int64_t> reservation_{0, 0};
  std::vector<NodeSlot> reserved_;
  int reserved_part_ = 0;
  std::vector<NodeSlot> held_;  // reserved nodes cordoned while backfilling (restored after)
};

}  // namespace suanli::sched
