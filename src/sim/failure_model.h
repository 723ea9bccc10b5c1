// The failure model of the simulator: when accelerators, hosts, network links and job software
// fail, calibrated on the only public per-cause failure census of a 16k-GPU training run.
//
// Source: "The Llama 3 Herd of Models" (Meta, arXiv:2407.21783, 2024), §3.3.4 and Table 5: over
// a 54-day snapshot of pre-training on 16,384 H100 GPUs (2,048 servers of 8), 419 unexpected
// interruptions; 58.7% GPU-caused (faulty GPU 30.1%, HBM3 17.2%, SRAM 4.5%, GPU system processor
// 4.1%, silent data corruption 1.4%, thermal interface/sensor 1.4%). The other rows of Table 5:
// host — unplanned host maintenance 7.6%, NIC 1.7%, server chassis 1.4%, I/O expansion board
// 1.4%, CPU 0.5%, system memory 0.5% (13.1%); network — switch/cable 8.4%; software —
// software bug 12.9%, NCCL watchdog timeouts 1.7%, dependency 0.7% (15.3%). Those rows add to
// 36.8%; we scale them to the 41.3% that is not GPU-caused, keeping their proportions.
//
// Why exponential times to failure (not Weibull): the hazard of a GPU past burn-in is close to
// constant over a month, and the *fleet's* interruption process — what a gang of thousands of
// devices sees — is a superposition of thousands of independent renewal processes, which tends
// to a Poisson process whatever each one's law (Drenick's theorem). What a Weibull shape < 1
// would add at the device level (some devices failing again and again) is modelled explicitly
// instead: a small share of "lemon" nodes with a higher rate, and faults that persist until the
// hardware is repaired. Both are what the platform's mechanisms act on.
//
// Determinism: every node draws its faults from its own seeded stream of candidate events at
// its highest possible rate and accepts each with probability (current rate / highest rate)
// (thinning). Two configurations run with the same seed therefore see the same physical fault
// sequence on each node, whatever their scheduling does (common random numbers).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace suanli::sim {

// A small seeded generator with portable draws (std:: distributions differ between standard
// libraries; these do not): SplitMix64 seeding, xoshiro256** output.
class SimRandom {
 public:
  explicit SimRandom(uint64_t seed);
  // Seed derived from (seed, stream): independent streams per node, per job, per purpose.
  SimRandom(uint64_t seed, uint64_t stream);
  uint64_t Next();
  // Uniform in [0, 1) with 53 bits.
  double Uniform();
  // Exponential with the given rate (per second); +inf when rate <= 0.
  double Exponential(double rate);
  // Uniform integer in [0, n).
  uint64_t Below(uint64_t n);

 private:
  std::array<uint64_t, 4> s_{};
};

enum class FaultKind : uint8_t { kGpu = 0, kHost, kNetwork, kSoftware };
inline constexpr int kFaultKinds = 4;
std::string_view FaultKindName(FaultKind k);

// Fault rates, per hour. GPU faults are per device; host and network faults take a whole node;
// software faults are per GPU of a running job and end that job only.
struct FaultRates {
  double gpu_per_device_h = 0;
  double host_per_node_h = 0;
  double network_per_node_h = 0;
  double software_per_gpu_h = 0;

  // The rates of the Llama 3 report (see the file comment) for nodes of `gpus_per_node`.
  static FaultRates Llama3(int gpus_per_node = 8);
  // All rates multiplied by `f` (0 = no failures).
  FaultRates Scaled(double f) const;
  // Interruptions per GPU-hour of a job that holds whole nodes of `gpus_per_node`.
  double PerGpuHour(int gpus_per_node) const;
};

// The Llama 3 figures the rates are derived from.
struct Llama3Census {
  static constexpr double kInterruptions = 419;
  static constexpr double kDays = 54;
  static constexpr double kGpus = 16384;
  static constexpr double kGpuShare = 0.587;
  // Table 5 rows, percent of interruptions, by our grouping.
  static constexpr double kHostRowsPct = 13.1;
  static constexpr double kNetworkRowsPct = 8.4;
  static constexpr double kSoftwareRowsPct = 15.3;
};

struct FailureModelOptions {
  FaultRates rates = FaultRates::Llama3();
  // Repeated-fault ("lemon") nodes: this share of nodes fails `lemon_multiplier` times as often
  // as the others, which are slowed so that the fleet's mean rate stays the calibrated one.
  double lemon_fraction = 0.02;
  double lemon_multiplier = 10;
  // Share of hardware faults that persist until the hardware is repaired (the rest clear on a
  // reset/reboot): a persistent fault fails whatever runs there again.
  std::array<double, kFaultKinds> persistent_fraction = {0.5, 0.5, 0.5, 0.0};
};

// One hardware fault on a node.
struct HardwareFault {
  double time_s = 0;
  FaultKind kind = FaultKind::kGpu;
  int device = -1;  // for kGpu
  bool persistent = false;
};

class FailureModel {
 public:
  FailureModel(const FailureModelOptions& opts, int nodes, int gpus_per_node, uint64_t seed);

  // The next fault on `node` after the previous one (or after time 0). Faults come whether or
  // not the node is in use or under repair; the caller decides what each one does. +inf time
  // when the node cannot fail.
  HardwareFault NextFault(int node);
  // Whether the node is a lemon now, and its rate multiplier (1 = fleet average).
  bool IsLemon(int node) const { return lemon_[node]; }
  double Multiplier(int node) const;
  // A repair that replaces the lemon's faulty part makes it an ordinary node.
  void Cure(int node) { lemon_[node] = false; }
  // Time to a software fault of a job of `gpus` devices, drawn from `rng`.
  double SoftwareFaultAfter(int gpus, SimRandom* rng) const;

  const FailureModelOptions& options() const { return opts_; }
  int gpus_per_node() const { return gpus_per_node_; }
  // Hardware faults per node-hour at the fleet average (all kinds but software).
  double NodeRatePerHour() const;

 private:
  FailureModelOptions opts_;
  int gpus_per_node_;
  double good_multiplier_ = 1;
  std::vector<bool> lemon_;
  std::vector<SimRandom> streams_;
  std::vector<double> candidate_s_;  // time of the last candidate drawn per node
};

}  // namespace suanli::sim
