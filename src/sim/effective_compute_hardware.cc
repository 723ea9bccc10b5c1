// Hardware side of the effective-compute simulation: what a fault does to the jobs on the
// device or node, and how each configuration handles the hardware afterwards (left in the pool
// until a person pulls it, or cordoned, diagnosed, repaired, drained and ranked down), plus the
// hot-standby pool.
#include <algorithm>

#include "sim/effective_compute_internal.h"

namespace suanli::sim::ec_internal {

void Simulation::ApplyHolds(int node) {
  NodeHw& h = hw_[node];
  for (int d = 0; d < f_.gpus_per_node && h.pending_holds; ++d) {
    if (!(h.pending_holds >> d & 1) || h.job[d] != kNoJob) continue;
    sched::Request hold{{0, 0, 1, 1000}, 1, sched::kAnyModel, false};
    sched::TaskPlacement tp{static_cast<sched::NodeSlot>(node), 1000, {static_cast<uint8_t>(d)}};
    auto p = engine_->Restore(hold, {tp});
    if (p) h.holds[d] = p->id;
    h.pending_holds &= ~(1u << d);
  }
}

void Simulation::HandInSpare() {
  for (size_t i = hw_.size(); i-- > 0;) {
    if (!hw_[i].spare) continue;
    hw_[i].spare = false;
    --spares_;
    (void)cluster_.SetNodeState(static_cast<sched::NodeSlot>(i), sched::NodeState::kUp);
    return;
  }
}

void Simulation::TakeOut(int node, double until) {
  NodeHw& h = hw_[node];
  if (until > h.back_at) {
    h.back_at = until;
    if (until < horizon_) Push({until, 0, Ev::kNodeBack, static_cast<uint64_t>(node)});
  }
  if (h.out) return;
  h.out = true;
  ++r_.cordons;
  (void)cluster_.SetNodeState(static_cast<sched::NodeSlot>(node), sched::NodeState::kDown);
}

void Simulation::NodeBack(int node, double now) {
  NodeHw& h = hw_[node];
  if (!h.out || now < h.back_at) return;
  h.out = false;
  h.broken_node = false;
  h.failures_while_broken = 0;
  // Devices cordoned on their own come back on their own schedule.
  for (int d = 0; d < f_.gpus_per_node; ++d) DeviceBack(node, d, now);
  if (spares_ < spares_target_) {
    h.spare = true;
    ++spares_;
    (void)cluster_.SetNodeState(static_cast<sched::NodeSlot>(node), sched::NodeState::kCordoned);
  } else {
    (void)cluster_.SetNodeState(static_cast<sched::NodeSlot>(node), sched::NodeState::kUp);
  }
}

void Simulation::DeviceBack(int node, int device, double now) {
  NodeHw& h = hw_[node];
  if (now < h.device_back_at[device]) return;
  h.pending_holds &= ~(1u << device);
  h.broken_devices &= ~(1u << device);
  if (h.holds[device].value != 0) {
    (void)engine_->Release(h.holds[device]);
    h.holds[device] = {};
  }
}

void Simulation::OnHardwareFault(int node, const HardwareFault& hf) {
  NodeHw& h = hw_[node];
  if (!InService(node)) return;  // spares and hardware under repair: checked before use
  if (hf.kind == FaultKind::kGpu && h.holds[hf.device].value != 0) return;  // cordoned already
  ++r_.faults[static_cast<int>(hf.kind)];
  const double t = hf.time_s;
  // Who is hit: the job on the device, or every job on the node.
  std::vector<int64_t> hit;
  for (int d = 0; d < f_.gpus_per_node; ++d) {
    if (hf.kind == FaultKind::kGpu && d != hf.device) continue;
    if (h.job[d] != kNoJob && std::find(hit.begin(), hit.end(), h.job[d]) == hit.end()) {
      hit.push_back(h.job[d]);
    }
  }
  bool device_already_bad = hf.kind == FaultKind::kGpu && (h.broken_devices >> hf.device & 1);
  if (hf.persistent) {
    if (hf.kind == FaultKind::kGpu) {
      h.broken_devices |= 1u << hf.device;
    } else {
      h.broken_node = true;
      h.broken_kind = hf.kind;
    }
  }
  for (int64_t id : hit) Interrupt(jobs_[id], t, hf.kind, device_already_bad);
  if (!m_.cordon) {
    if (hf.persistent && !hit.empty()) ++h.failures_while_broken;
    if (h.failures_while_broken >= m_.manual_pull_after) {
      TakeOut(node, t + m_.detect_s + f_.repair_s[static_cast<int>(hf.kind)]);
    }
    return;
  }
  // Ours: the agent reports the fault; the device or node is cordoned, diagnosed and, if the
  // fault persists, repaired.
  const double back = t + m_.detect_s +
                      (hf.persistent ? f_.repair_s[static_cast<int>(hf.kind)] : f_.diagnose_s);
  if (m_.drain_repeat) {
    h.fault_times.push_back(t);
    while (!h.fault_times.empty() && h.fault_times.front() < t - m_.drain_window_h * 3600) {
      h.fault_times.pop_front();
    }
    // Ranked down for critical work from the first fault; drained after repeated ones.
    const bool drain = static_cast<int>(h.fault_times.size()) >= m_.drain_after;
    double until = drain ? std::max(back, t + f_.drain_repair_s) : back;
    h.suspect_until = std::max(h.suspect_until, until + m_.suspect_days * 86400);
    policy_->SetSuspicion(static_cast<sched::NodeSlot>(node), drain ? 2 : 1);
    if (h.suspect_until < horizon_) {
      Push({h.suspect_until, 0, Ev::kSuspectEnd, static_cast<uint64_t>(node)});
    }
    if (drain) {
      h.fault_times.clear();
      ++r_.drains;
      if (ops_rng_.Uniform() < f_.drain_cures_fraction) model_.Cure(node);
      TakeOut(node, until);
      return;
    }
  }
  if (hf.kind == FaultKind::kGpu) {
    h.device_back_at[hf.device] = std::max(h.device_back_at[hf.device], back);
    h.pending_holds |= 1u << hf.device;
    ++r_.cordons;
    ApplyHolds(node);
    if (back < horizon_) {
      Push({back, 0, Ev::kDeviceBack, static_cast<uint64_t>(node), 0, hf.device});
    }
  } else {
    TakeOut(node, back);
  }
}


}  // namespace suanli::sim::ec_internal
