#include "sim/failure_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace suanli::sim {

namespace {

uint64_t SplitMix(uint64_t* x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

SimRandom::SimRandom(uint64_t seed) {
  uint64_t x = seed;
  for (auto& w : s_) w = SplitMix(&x);
}

SimRandom::SimRandom(uint64_t seed, uint64_t stream) {
  uint64_t x = seed;
  uint64_t mixed = SplitMix(&x) ^ (stream * 0xd1b54a32d192ed03ULL + 0x8cb92ba72f3d8dd7ULL);
  for (auto& w : s_) w = SplitMix(&mixed);
}

uint64_t SimRandom::Next() {
  uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

double SimRandom::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

double SimRandom::Exponential(double rate) {
  if (rate <= 0) return kInf;
  return -std::log1p(-Uniform()) / rate;
}

uint64_t SimRandom::Below(uint64_t n) {
  return n == 0 ? 0 : static_cast<uint64_t>(Uniform() * static_cast<double>(n)) % n;
}

std::string_view FaultKindName(FaultKind k) {
  switch (k) {
    case FaultKind::kGpu: return "gpu";
    case FaultKind::kHost: return "host";
    case FaultKind::kNetwork: return "network";
    case FaultKind::kSoftware: return "software";
  }
  return "unknown";
}

FaultRates FaultRates::Llama3(int gpus_per_node) {
  using C = Llama3Census;
  const double per_gpu_h = C::kInterruptions / (C::kDays * 24.0 * C::kGpus);
  const double itemised = C::kHostRowsPct + C::kNetworkRowsPct + C::kSoftwareRowsPct;
  const double rest = 1.0 - C::kGpuShare;  // 41.3%, spread over the itemised rows
  const double llama_gpus_per_node = 8;    // Grand Teton servers
  FaultRates r;
  r.gpu_per_device_h = C::kGpuShare * per_gpu_h;
  r.host_per_node_h = rest * C::kHostRowsPct / itemised * per_gpu_h * llama_gpus_per_node;
  r.network_per_node_h = rest * C::kNetworkRowsPct / itemised * per_gpu_h * llama_gpus_per_node;
  r.software_per_gpu_h = rest * C::kSoftwareRowsPct / itemised * per_gpu_h;
  (void)gpus_per_node;  // host and network faults are per server, whatever its size
  return r;
}

FaultRates FaultRates::Scaled(double f) const {
  return {gpu_per_device_h * f, host_per_node_h * f, network_per_node_h * f,
          software_per_gpu_h * f};
}

double FaultRates::PerGpuHour(int gpus_per_node) const {
  return gpu_per_device_h + software_per_gpu_h +
         (host_per_node_h + network_per_node_h) / static_cast<double>(gpus_per_node);
}

FailureModel::FailureModel(const FailureModelOptions& opts, int nodes, int gpus_per_node,
                           uint64_t seed)
    : opts_(opts), gpus_per_node_(gpus_per_node), lemon_(nodes, false),
      candidate_s_(nodes, 0.0) {
  streams_.reserve(nodes);
  for (int i = 0; i < nodes; ++i) streams_.emplace_back(seed, 1000003ULL + i);
  // Lemons: an exact count, chosen by a seeded partial shuffle.
  double f = opts_.lemon_fraction, k = opts_.lemon_multiplier;
  int lemons = (f > 0 && k > 1 && f * k < 1) ? static_cast<int>(std::lround(f * nodes)) : 0;
  if (lemons > 0) {
    std::vector<int> order(nodes);
    for (int i = 0; i < nodes; ++i) order[i] = i;
    SimRandom pick(seed, 7);
    for (int i = 0; i < lemons; ++i) {
      int j = i + static_cast<int>(pick.Below(static_cast<uint64_t>(nodes - i)));
      std::swap(order[i], order[j]);
      lemon_[order[i]] = true;
    }
    double share = static_cast<double>(lemons) / nodes;
    good_multiplier_ = (1.0 - share * k) / (1.0 - share);
  }
}

double FailureModel::Multiplier(int node) const {
  return lemon_[node] ? opts_.lemon_multiplier : good_multiplier_;
}

double FailureModel::NodeRatePerHour() const {
  const FaultRates& r = opts_.rates;
  return r.gpu_per_device_h * gpus_per_node_ + r.host_per_node_h + r.network_per_node_h;
}

HardwareFault FailureModel::NextFault(int node) {
  const FaultRates& r = opts_.rates;
  const double max_mult = std::max({1.0, good_multiplier_, opts_.lemon_multiplier});
  const double gpu = r.gpu_per_device_h * gpus_per_node_;
  const double base_h = gpu + r.host_per_node_h + r.network_per_node_h;
  HardwareFault out;
  if (base_h <= 0) {
    out.time_s = kInf;
    return out;
  }
  const double cand_rate_s = base_h * max_mult / 3600.0;
  SimRandom& rng = streams_[node];
  double t = candidate_s_[node];
  for (;;) {
    // Every candidate consumes the same four draws, so the stream stays aligned between runs.
    t += rng.Exponential(cand_rate_s);
    double accept = rng.Uniform(), which = rng.Uniform() * base_h, persist = rng.Uniform();
    uint64_t device = rng.Below(static_cast<uint64_t>(std::max(1, gpus_per_node_)));
    if (accept * max_mult >= Multiplier(node)) continue;
    out.time_s = t;
    if (which < gpu) {
      out.kind = FaultKind::kGpu;
      out.device = static_cast<int>(device);
    } else if (which < gpu + r.host_per_node_h) {
      out.kind = FaultKind::kHost;
    } else {
      out.kind = FaultKind::kNetwork;
    }
    out.persistent = persist < opts_.persistent_fraction[static_cast<int>(out.kind)];
    candidate_s_[node] = t;
    return out;
  }
}

double FailureModel::SoftwareFaultAfter(int gpus, SimRandom* rng) const {
  return rng->Exponential(opts_.rates.software_per_gpu_h * gpus / 3600.0);
}

}  // namespace suanli::sim
