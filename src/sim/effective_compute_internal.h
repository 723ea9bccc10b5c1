// Internal to the effective-compute simulation (effective_compute.h): the state of one run,
// shared by effective_compute.cc (jobs, queue, accounting, the event loop) and
// effective_compute_hardware.cc (faults, cordons, repairs, spares). Not a public interface.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <queue>
#include <set>
#include <tuple>
#include <vector>

#include "sched/engine.h"
#include "sched/reliability_policy.h"
#include "sim/effective_compute.h"

namespace suanli::sim::ec_internal {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kNoJob = -1;
constexpr int64_t kCpuPerGpu = 20000;     // milli-cores
constexpr int64_t kMemPerGpu = 245760;    // MiB (240 GiB)

enum class Ev : uint8_t {
  kHardwareFault,  // a: node
  kJobFault,       // a: job, b: epoch, c: kind, d: node of broken hardware (-1: software)
  kDetected,       // a: job, b: epoch
  kResubmit,       // a: job
  kJobEnd,         // a: job, b: epoch
  kNodeBack,       // a: node
  kDeviceBack,     // a: node, c: device
  kSuspectEnd,     // a: node
};

struct Event {
  double t;
  uint64_t seq;
  Ev type;
  uint64_t a = 0, b = 0;
  int c = 0, d = -1;
  bool operator>(const Event& o) const { return std::tie(t, seq) > std::tie(o.t, o.seq); }
};

enum class JobState : uint8_t { kQueued, kRunning, kFailing, kWaiting, kDone };

struct Job {
  uint64_t id = 0;
  int cls = 0;
  int gpus = 0;
  bool critical = false;
  sched::Request request;
  double work_s = 0, done_s = 0;  // compute needed; durable progress
  bool checkpoints = true;
  double interval_s = kInf, block_s = 0, land_s = 0;  // checkpoint period, blocking, write time
  JobState state = JobState::kQueued;
  uint64_t epoch = 0;
  bool priority = false;  // requeued to the head
  double queued_at = 0;
  bool restarting = false;  // the next run pays restart_s
  // The current run.
  double run_start = 0, compute_start = 0, fault_s = 0;
  sched::AllocationId alloc;
  std::vector<sched::TaskPlacement> tasks;
  double pending_fault = -1;  // first fault not yet recovered from
  SimRandom rng{0};
};

struct NodeHw {
  uint32_t broken_devices = 0;  // persistent GPU faults not yet repaired
  bool broken_node = false;     // persistent host/network fault
  FaultKind broken_kind = FaultKind::kGpu;
  int failures_while_broken = 0;
  bool out = false, spare = false;
  double back_at = 0;
  uint32_t pending_holds = 0;  // devices to cordon once free
  std::array<sched::AllocationId, sched::kMaxDevicesPerNode> holds{};
  std::array<double, sched::kMaxDevicesPerNode> device_back_at{};
  std::array<int64_t, sched::kMaxDevicesPerNode> job{};
  std::deque<double> fault_times;
  double suspect_until = 0;
};

// One run of one configuration: build with the fleet and the mechanisms, Init, then Run once.
class Simulation {
 public:
  Simulation(const FleetOptions& fleet, const Mechanisms& mech)
      : f_(fleet), m_(mech), model_(fleet.faults, fleet.gpus / fleet.gpus_per_node,
                                    fleet.gpus_per_node, fleet.seed),
        ops_rng_(fleet.seed, 11), horizon_(fleet.days * 86400.0) {}

  Status Init();
  EffectiveComputeReport Run();

 private:
  void Push(Event e) {
    e.seq = seq_++;
    events_.push(e);
  }
  void NewJob(int cls, double now);
  void Enqueue(Job& j, double now, bool priority);
  void Checkpointing(int gpus, double* interval_s, double* block_s, double* land_s) const;
  void Schedule(double now);
  bool QuickFits(const Job& j) const;
  void Start(Job& j, double now, const sched::Placement& p);
  void Interrupt(Job& j, double t, FaultKind kind, bool repeat);
  void Release(Job& j);
  void Account(Job& j, double until, bool failed);
  void OnHardwareFault(int node, const HardwareFault& hf);
  void OnJobFault(Job& j, double t, FaultKind kind, int bad_node);
  void OnDetected(Job& j, double t);
  void OnJobEnd(Job& j, double t);
  void Held(Job& j, double until);
  void Finish();
  void TakeOut(int node, double until);
  void NodeBack(int node, double now);
  void DeviceBack(int node, int device, double now);
  void ApplyHolds(int node);
  void HandInSpare();
  void Recovered(Job& j, double computing_at);
  bool InService(int node) const { return !hw_[node].out && !hw_[node].spare; }

  FleetOptions f_;
  Mechanisms m_;
  FailureModel model_;
  SimRandom ops_rng_;
  double horizon_;
  std::vector<JobClass> classes_;
  sched::Cluster cluster_;
  std::unique_ptr<sched::Engine> engine_;
  sched::ReliabilityPolicy* policy_ = nullptr;
  std::vector<NodeHw> hw_;
  std::vector<HardwareFault> pending_;  // next fault per node
  std::vector<Job> jobs_;  // index = id
  std::set<std::tuple<int, int, double, uint64_t>> waiting_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  uint64_t seq_ = 0;
  int spares_target_ = 0, spares_ = 0;
  EffectiveComputeReport r_;
  double mttr_sum_ = 0;
};


}  // namespace suanli::sim::ec_internal
