// The event loop of the effective-compute simulation (see effective_compute.h). Jobs are placed
// by sched::Engine; hardware faults come from FailureModel (handled in
// effective_compute_hardware.cc); everything here is bookkeeping of who holds which device and
// what each held second was worth.
#include "sim/effective_compute.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "sim/effective_compute_internal.h"

namespace suanli::sim {

namespace ec_internal {

Status Simulation::Init() {
  const int g = f_.gpus_per_node;
  if (g < 1 || g > 8) return InvalidArgument("gpus per node must be 1..8", "gpus_per_node");
  if (f_.gpus < g || f_.gpus % g != 0) {
    return InvalidArgument("the fleet must be whole nodes of " + std::to_string(g) + " GPUs",
                           "gpus");
  }
  if (!(f_.days > 0)) return InvalidArgument("days must be > 0", "days");
  const FailureModelOptions& fo = f_.faults;
  if (fo.lemon_fraction < 0 || (fo.lemon_fraction > 0 && fo.lemon_multiplier > 1 &&
                                fo.lemon_fraction * fo.lemon_multiplier >= 1)) {
    return InvalidArgument("lemon share x multiplier must stay below 1 (the fleet mean is kept)",
                           "lemon_fraction");
  }
  classes_ = f_.workload.empty() ? TrainingHeavyWorkload(f_.gpus, g) : f_.workload;
  if (classes_.empty()) return InvalidArgument("empty workload", "workload");
  const int nodes = f_.gpus / g;
  for (const auto& c : classes_) {
    if (c.nodes < 1 || c.gpus_per_task < 0 || c.gpus_per_task > g || c.concurrent < 0 ||
        c.min_hours <= 0 || c.max_hours < c.min_hours) {
      return InvalidArgument("bad job class " + c.name, "workload");
    }
    if (c.gpus_per_task > 0 && c.nodes != 1) {
      return InvalidArgument("a job of part of a node has one task: " + c.name, "workload");
    }
    if (c.nodes > nodes) return InvalidArgument("job class larger than the fleet: " + c.name);
  }
  for (int i = 0; i < nodes; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "n%05d", i);
    auto slot = cluster_.AddNode({name, int64_t{g} * kCpuPerGpu + 32000,
                                  int64_t{g} * kMemPerGpu + 262144, g, "H100", "CUDA",
                                  "sn-" + std::to_string(i / std::max(1, f_.nodes_per_domain))});
    if (!slot) return slot.error();
  }
  std::vector<sched::ShapeSample> samples;
  for (const auto& c : classes_) {
    int per_task = c.gpus_per_task > 0 ? c.gpus_per_task : g;
    sched::TaskDemand d{per_task * kCpuPerGpu, per_task * kMemPerGpu, per_task, 1000};
    for (int k = 0; k < c.concurrent * c.nodes; ++k) samples.push_back({d, sched::kAnyModel, ""});
  }
  auto inner = sched::MakePolicy("suanli", {sched::WorkloadProfile::FromSamples(samples), f_.seed,
                                            sched::WorkloadProfile::FromSamples(samples, 1.0)});
  if (!inner) return inner.error();
  auto policy = std::make_unique<sched::ReliabilityPolicy>(std::move(*inner));
  policy_ = policy.get();
  engine_ = std::make_unique<sched::Engine>(&cluster_, std::move(policy),
                                            sched::EngineOptions{.max_candidates = 64});
  hw_.resize(nodes);
  for (auto& h : hw_) h.job.fill(kNoJob);
  spares_target_ = static_cast<int>(std::lround(m_.spare_fraction * nodes));
  for (int i = nodes - spares_target_; i < nodes; ++i) {
    (void)cluster_.SetNodeState(static_cast<sched::NodeSlot>(i), sched::NodeState::kCordoned);
    hw_[i].spare = true;
    ++spares_;
  }
  pending_.resize(nodes);
  for (int i = 0; i < nodes; ++i) {
    pending_[i] = model_.NextFault(i);
    if (pending_[i].time_s < horizon_) {
      Push({pending_[i].time_s, 0, Ev::kHardwareFault, static_cast<uint64_t>(i)});
    }
  }
  r_.config = m_.name;
  r_.classes.resize(classes_.size());
  for (size_t c = 0; c < classes_.size(); ++c) {
    auto& line = r_.classes[c];
    line.name = classes_[c].name;
    line.gpus = classes_[c].gpus(g);
    double block = 0, land = 0;
    Checkpointing(line.gpus, &line.checkpoint_interval_s, &block, &land);
  }
  for (size_t c = 0; c < classes_.size(); ++c) {
    for (int k = 0; k < classes_[c].concurrent; ++k) NewJob(static_cast<int>(c), 0);
  }
  return OkStatus();
}

void Simulation::NewJob(int cls, double now) {
  const JobClass& c = classes_[cls];
  const int g = f_.gpus_per_node;
  Job j;
  j.id = jobs_.size();
  j.cls = cls;
  j.gpus = c.gpus(g);
  j.critical = c.critical;
  int per_task = c.gpus_per_task > 0 ? c.gpus_per_task : g;
  j.request.task = {per_task * kCpuPerGpu, per_task * kMemPerGpu, per_task, 1000};
  j.request.gang_size = c.nodes;
  j.rng = SimRandom(f_.seed, 2000003ULL + j.id);
  // The job's own draws come first and in a fixed order, whatever the configuration.
  j.work_s = 3600.0 * (c.min_hours + (c.max_hours - c.min_hours) * j.rng.Uniform());
  double no_ckpt = j.rng.Uniform();
  j.checkpoints = c.critical || no_ckpt >= m_.no_checkpoint_fraction;
  if (j.checkpoints) Checkpointing(j.gpus, &j.interval_s, &j.block_s, &j.land_s);
  jobs_.push_back(std::move(j));
  Enqueue(jobs_.back(), now, false);
}

void Simulation::Checkpointing(int gpus, double* interval_s, double* block_s,
                               double* land_s) const {
  const double write_s =
      f_.checkpoint_fixed_s + gpus * f_.checkpoint_gb_per_gpu / f_.storage_gb_per_s;
  *block_s = m_.async_checkpoint ? std::min(m_.async_block_s, write_s) : write_s;
  *land_s = write_s;
  *interval_s = CheckpointInterval(m_, f_, gpus, *block_s);
  // An asynchronous write must land before the next one starts.
  if (m_.async_checkpoint) *interval_s = std::max(*interval_s, write_s);
}

void Simulation::Enqueue(Job& j, double now, bool priority) {
  j.state = JobState::kQueued;
  j.priority = priority;
  j.queued_at = now;
  waiting_.emplace(priority ? 0 : 1, j.critical ? 0 : 1, now, j.id);
}

bool Simulation::QuickFits(const Job& j) const {
  // Up nodes with at least `need` wholly free devices exist (the index counts only up nodes).
  const int need = j.request.task.gpu_count;
  int64_t found = 0;
  for (int full = need; full < sched::Cluster::kFullClasses; ++full) {
    for (int p = 0; p < sched::Cluster::kPartialClasses; ++p) {
      found += static_cast<int64_t>(
          cluster_.Bucket(0, full * sched::Cluster::kPartialClasses + p).size());
    }
  }
  return found >= j.request.gang_size;
}

void Simulation::Schedule(double now) {
  int smallest_failed = std::numeric_limits<int>::max();
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    Job& j = jobs_[std::get<3>(*it)];
    bool single = j.request.gang_size == 1;
    if (single && j.request.task.gpu_count >= smallest_failed) {
      ++it;
      continue;
    }
    std::optional<sched::Placement> placed;
    if (QuickFits(j)) {
      policy_->SetCritical(j.critical);
      auto p = engine_->Place(j.request);
      policy_->SetCritical(false);
      if (p) placed = std::move(*p);
    }
    // A requeued job that does not fit takes hot-standby nodes, one at a time.
    if (!placed && j.priority && spares_ > 0) {
      HandInSpare();
      continue;
    }
    if (!placed) {
      if (j.critical) break;  // a blocked long, large gang keeps what frees up (reservation)
      if (single) smallest_failed = std::min(smallest_failed, j.request.task.gpu_count);
      ++it;
      continue;
    }
    it = waiting_.erase(it);
    Start(j, now, *placed);
  }
}

void Simulation::Start(Job& j, double now, const sched::Placement& p) {
  j.state = JobState::kRunning;
  ++j.epoch;
  j.alloc = p.id;
  j.tasks = p.tasks;
  j.run_start = now;
  j.compute_start = now + (j.restarting ? m_.restart_s : 0);
  for (const auto& t : j.tasks) {
    for (uint8_t d : t.devices) hw_[t.node].job[d] = static_cast<int64_t>(j.id);
  }
  // When it ends if nothing fails: the remaining work plus the blocking checkpoints on the way.
  double rest = j.work_s - j.done_s;
  double ckpts = j.checkpoints && std::isfinite(j.interval_s)
                     ? std::max(0.0, std::ceil(rest / j.interval_s) - 1) : 0;
  double end = j.compute_start + rest + ckpts * j.block_s;
  if (end < horizon_) Push({end, 0, Ev::kJobEnd, j.id, j.epoch});
  double sw = now + model_.SoftwareFaultAfter(j.gpus, &j.rng);
  if (sw < end && sw < horizon_) {
    Push({sw, 0, Ev::kJobFault, j.id, j.epoch, static_cast<int>(FaultKind::kSoftware), -1});
  }
  // Hardware with a persistent fault fails what runs on it again (when it stayed in the pool).
  double first = kInf;
  int bad_node = -1;
  FaultKind bad_kind = FaultKind::kGpu;
  for (const auto& t : j.tasks) {
    const NodeHw& h = hw_[t.node];
    bool bad = h.broken_node;
    for (uint8_t d : t.devices) bad = bad || (h.broken_devices >> d & 1);
    if (!bad) continue;
    double at = now + j.rng.Exponential(1.0 / f_.recur_mean_s);
    if (at < first) {
      first = at;
      bad_node = static_cast<int>(t.node);
      bad_kind = h.broken_node ? h.broken_kind : FaultKind::kGpu;
    }
  }
  if (first < end && first < horizon_) {
    Push({first, 0, Ev::kJobFault, j.id, j.epoch, static_cast<int>(bad_kind), bad_node});
  }
}

// Adds the run [run_start, until) to the totals. `failed`: the run ended in a fault at `until`
// (only durable progress counts); otherwise it completed or was cut by the horizon.
void Simulation::Account(Job& j, double until, bool failed) {
  const double n = j.gpus;
  auto& cl = r_.classes[j.cls];
  double restart = std::min(until, j.compute_start) - j.run_start;
  double computed = 0, blocked = 0, kept = 0;
  if (until > j.compute_start) {
    double e = until - j.compute_start;
    if (j.checkpoints && std::isfinite(j.interval_s)) {
      double cycle = j.interval_s + j.block_s;
      double k = std::floor(e / cycle), rem = e - k * cycle;
      computed = k * j.interval_s + std::min(rem, j.interval_s);
      blocked = k * j.block_s + std::max(0.0, rem - j.interval_s);
      // Checkpoint i starts after i intervals and i-1 blocks and is usable `land_s` later.
      double landed = std::floor((e - j.land_s + j.block_s) / cycle);
      kept = std::clamp(landed, 0.0, k + (rem >= j.interval_s ? 1 : 0)) * j.interval_s;
    } else {
      computed = e;
    }
    computed = std::min(computed, j.work_s - j.done_s);
    kept = failed ? std::min(kept, computed) : computed;
  }
  r_.restart_gpu_h += n * restart / 3600;
  r_.checkpoint_gpu_h += n * blocked / 3600;
  r_.rework_gpu_h += n * (computed - kept) / 3600;
  r_.useful_gpu_h += n * kept / 3600;
  cl.useful_gpu_h += n * kept / 3600;
  j.done_s += kept;
}

void Simulation::Recovered(Job& j, double computing_at) {
  if (j.pending_fault < 0 || computing_at < j.compute_start) return;
  mttr_sum_ += j.compute_start - j.pending_fault;
  ++r_.recovered;
  j.pending_fault = -1;
}

void Simulation::Interrupt(Job& j, double t, FaultKind kind, bool repeat) {
  if (j.state != JobState::kRunning) return;
  if (t >= j.compute_start) Recovered(j, t);
  Account(j, t, true);
  j.state = JobState::kFailing;
  j.fault_s = t;
  if (j.pending_fault < 0) j.pending_fault = t;
  ++r_.interruptions[static_cast<int>(kind)];
  ++r_.interruptions_total;
  ++r_.classes[j.cls].interruptions;
  if (repeat) ++r_.repeat_interruptions;
  ++j.epoch;
  double detected = t + m_.detect_s;
  if (detected < horizon_) Push({detected, 0, Ev::kDetected, j.id, j.epoch});
}

void Simulation::Held(Job& j, double until) {
  double gpu_h = j.gpus * (until - j.run_start) / 3600;
  r_.allocated_gpu_h += gpu_h;
  r_.classes[j.cls].allocated_gpu_h += gpu_h;
}

void Simulation::Release(Job& j) {
  (void)engine_->Release(j.alloc);
  for (const auto& t : j.tasks) {
    for (uint8_t d : t.devices) hw_[t.node].job[d] = kNoJob;
  }
  for (const auto& t : j.tasks) ApplyHolds(static_cast<int>(t.node));
  j.tasks.clear();
}

void Simulation::OnJobFault(Job& j, double t, FaultKind kind, int bad_node) {
  if (bad_node < 0) ++r_.faults[static_cast<int>(FaultKind::kSoftware)];
  Interrupt(j, t, kind, bad_node >= 0);
  if (bad_node < 0 || m_.cordon) return;
  // The hardware that stayed in the pool failed a job again; after a few, a person pulls it.
  NodeHw& h = hw_[bad_node];
  if (++h.failures_while_broken >= m_.manual_pull_after) {
    TakeOut(bad_node, t + m_.detect_s + f_.repair_s[static_cast<int>(kind)]);
  }
}

void Simulation::OnDetected(Job& j, double t) {
  Held(j, t);
  r_.detection_gpu_h += j.gpus * (t - j.fault_s) / 3600;
  Release(j);
  j.restarting = true;
  if (m_.manual_resubmit_mean_s > 0) {
    j.state = JobState::kWaiting;
    double at = t + ops_rng_.Exponential(1.0 / m_.manual_resubmit_mean_s);
    if (at < horizon_) Push({at, 0, Ev::kResubmit, j.id});
    return;
  }
  Enqueue(j, t, m_.requeue_first);
}

void Simulation::OnJobEnd(Job& j, double t) {
  Recovered(j, t);
  Account(j, t, false);
  Held(j, t);
  Release(j);
  j.state = JobState::kDone;
  ++r_.jobs_completed;
  NewJob(j.cls, t);  // invalidates j
}

void Simulation::Finish() {
  for (Job& j : jobs_) {
    if (j.state == JobState::kRunning) {
      Recovered(j, horizon_);
      Account(j, horizon_, false);
      Held(j, horizon_);
    } else if (j.state == JobState::kFailing) {
      Held(j, horizon_);
      r_.detection_gpu_h += j.gpus * (horizon_ - j.fault_s) / 3600;
    }
  }
  r_.nominal_gpu_h = f_.gpus * horizon_ / 3600;
  if (r_.nominal_gpu_h > 0) {
    r_.effective_nominal_pct = 100 * r_.useful_gpu_h / r_.nominal_gpu_h;
    r_.allocated_pct = 100 * r_.allocated_gpu_h / r_.nominal_gpu_h;
  }
  if (r_.allocated_gpu_h > 0) {
    r_.effective_allocated_pct = 100 * r_.useful_gpu_h / r_.allocated_gpu_h;
  }
  r_.mttr_s = r_.recovered > 0 ? mttr_sum_ / static_cast<double>(r_.recovered) : 0;
}

EffectiveComputeReport Simulation::Run() {
  Schedule(0);
  while (!events_.empty() && events_.top().t < horizon_) {
    Event e = events_.top();
    events_.pop();
    const int node = static_cast<int>(e.a);
    switch (e.type) {
      case Ev::kHardwareFault: {
        HardwareFault hf = pending_[node];
        OnHardwareFault(node, hf);
        pending_[node] = model_.NextFault(node);
        if (pending_[node].time_s < horizon_) {
          Push({pending_[node].time_s, 0, Ev::kHardwareFault, e.a});
        }
        break;
      }
      case Ev::kJobFault:
        if (jobs_[e.a].state == JobState::kRunning && jobs_[e.a].epoch == e.b) {
          OnJobFault(jobs_[e.a], e.t, static_cast<FaultKind>(e.c), e.d);
        }
        break;
      case Ev::kDetected:
        if (jobs_[e.a].state == JobState::kFailing && jobs_[e.a].epoch == e.b) {
          OnDetected(jobs_[e.a], e.t);
        }
        break;
      case Ev::kResubmit:
        if (jobs_[e.a].state == JobState::kWaiting) Enqueue(jobs_[e.a], e.t, m_.requeue_first);
        break;
      case Ev::kJobEnd:
        if (jobs_[e.a].state == JobState::kRunning && jobs_[e.a].epoch == e.b) {
          OnJobEnd(jobs_[e.a], e.t);
        }
        break;
      case Ev::kNodeBack:
        NodeBack(node, e.t);
        break;
      case Ev::kDeviceBack:
        DeviceBack(node, e.c, e.t);
        break;
      case Ev::kSuspectEnd:
        if (e.t >= hw_[node].suspect_until) {
          policy_->SetSuspicion(static_cast<sched::NodeSlot>(node), 0);
        }
        break;
    }
    Schedule(e.t);
  }
  Finish();
  return r_;
}

}  // namespace ec_internal

Result<EffectiveComputeReport> RunEffectiveCompute(const FleetOptions& fleet,
                                                   const Mechanisms& mech) {
  ec_internal::Simulation sim(fleet, mech);
  if (Status s = sim.Init(); !s.ok()) return Err(s);
  return sim.Run();
}

}  // namespace suanli::sim