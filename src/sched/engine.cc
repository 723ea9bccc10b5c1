#include "sched/engine.h"

#include <algorithm>
#include <limits>

namespace suanli::sched {

bool IsRetryable(const Status& s) { return s.code() == StatusCode::kResourceExhausted; }

Engine::Engine(Cluster* cluster, std::unique_ptr<PlacementPolicy> policy, EngineOptions opts)
    : cluster_(cluster), policy_(std::move(policy)), opts_(opts) {
  policy_->Bind(cluster_);
}

namespace {

Status Validate(const Request& r) {
  const TaskDemand& t = r.task;
  if (r.gang_size < 1) return InvalidArgument("gang size must be >= 1", "gang_size");
  if (t.cpu_milli < 0 || t.memory_mib < 0) return InvalidArgument("negative demand", "cpu");
  if (t.gpu_count < 0 || t.gpu_count > kMaxDevicesPerNode) {
    return InvalidArgument("accelerator count out of range", "accelerators.count");
  }
  if (t.gpu_count > 0 && (t.gpu_milli <= 0 || t.gpu_milli > kMilliPerDevice)) {
    return InvalidArgument("accelerator share must be in 1..1000 milli", "accelerators.share");
  }
  return OkStatus();
}

// Index classes to visit for a task, tightest first.
void ClassOrder(const TaskDemand& t, std::vector<int>* out) {
  out->clear();
  int first_full = 0;
  if (t.uses_gpu() && t.gpu_milli >= kMilliPerDevice) {
    first_full = std::min(t.gpu_count, Cluster::kFullClasses - 1);
  } else if (t.is_sharing()) {
    for (int p = t.gpu_milli / 100; p < Cluster::kPartialClasses; ++p) out->push_back(p);
    first_full = 1;
  }
  for (int f = first_full; f < Cluster::kFullClasses; ++f) {
    for (int p = 0; p < Cluster::kPartialClasses; ++p) {
      out->push_back(f * Cluster::kPartialClasses + p);
    }
  }
}

}  // namespace

bool Engine::Consider(NodeSlot slot, const TaskDemand& t, ModelMask mask,
                      std::optional<Choice>* best, double* best_score) {
  const Node& n = cluster_->node(slot);
  if (!Cluster::Fits(n, t, mask)) return false;
  DeviceChoice c;
  double s = policy_->Score(slot, n, t, &c);
  if (!*best || s > *best_score ||
      (s == *best_score && n.rank < cluster_->node((*best)->slot).rank)) {
    *best = Choice{slot, c};
    *best_score = s;
  }
  return true;
}

std::optional<Engine::Choice> Engine::Best(const TaskDemand& t, ModelMask mask,
                                           const std::vector<NodeSlot>* within) {
  std::optional<Choice> best;
  double best_score = -std::numeric_limits<double>::infinity();
  if (within) {
    for (NodeSlot s : *within) Consider(s, t, mask, &best, &best_score);
    return best;
  }
  ClassOrder(t, &class_order_);
  ModelMask models = t.uses_gpu() ? mask : kAnyModel;
  const bool limited = opts_.max_candidates > 0;
  int found = 0, scanned = 0;
  for (int cls : class_order_) {
    for (size_t m = 0; m < cluster_->model_count(); ++m) {
      if (!(models >> m & 1)) continue;
      for (NodeSlot s : cluster_->Bucket(static_cast<ModelId>(m), cls)) {
        if (limited && (found >= opts_.max_candidates || scanned >= opts_.max_scan)) return best;
        ++scanned;
        found += Consider(s, t, mask, &best, &best_score);
      }
    }
  }
  return best;
}

std::optional<std::vector<Engine::Choice>> Engine::PlaceTasks(
    const Request& r, const std::vector<NodeSlot>* within) {
  std::vector<Choice> placed;
  for (int i = 0; i < r.gang_size; ++i) {
    auto c = Best(r.task, r.model_mask, within);
    if (!c) {
      for (const auto& p : placed) cluster_->Apply(p.slot, r.task, p.devices, -1);
      return std::nullopt;
    }
    cluster_->Apply(c->slot, r.task, c->devices, +1);
    placed.push_back(*c);
  }
  return placed;
}

std::vector<DomainId> Engine::GangDomains(const Request& r) const {
  std::vector<DomainId> out;
  if (r.gang_size < 2 || !r.task.uses_gpu() || r.task.gpu_milli < kMilliPerDevice) return out;
  int need = r.gang_size * r.task.gpu_count;
  for (DomainId d = 0; d < cluster_->domain_count(); ++d) {
    if (cluster_->DomainFullFree(d) >= need) out.push_back(d);
  }
  size_t keep = std::min(out.size(), static_cast<size_t>(opts_.max_domains_tried));
  std::partial_sort(out.begin(), out.begin() + keep, out.end(), [&](DomainId a, DomainId b) {
    return cluster_->DomainFullFree(a) < cluster_->DomainFullFree(b);
  });
  out.resize(keep);
  return out;
}

bool Engine::CouldEverPlace(const Request& r) const {
  return Validate(r).ok() && IsRetryable(Unplaceable(r));
}

Status Engine::Unplaceable(const Request& r) const {
  // Could the pool hold the whole gang if it were empty? If not, the request is infeasible
  // here; otherwise it only has to wait for room.
  const TaskDemand& t = r.task;
  int64_t fits_empty = 0;
  for (NodeSlot s = 0; s < cluster_->slot_count() && fits_empty < r.gang_size; ++s) {
    const Node& n = cluster_->node(s);
    if (!n.alive || n.cpu_total < t.cpu_milli || n.mem_total < t.memory_mib) continue;
    if (t.uses_gpu() && (!(r.model_mask >> n.model & 1) || n.gpu_count < t.gpu_count)) continue;
    int64_t per_node = INT64_MAX;
    if (t.cpu_milli > 0) per_node = std::min(per_node, n.cpu_total / t.cpu_milli);
    if (t.memory_mib > 0) per_node = std::min(per_node, n.mem_total / t.memory_mib);
    if (t.uses_gpu()) {
      int64_t devices = t.is_sharing() ? int64_t{n.gpu_count} * (kMilliPerDevice / t.gpu_milli)
                                       : n.gpu_count / t.gpu_count;
      per_node = std::min(per_node, devices);
    }
    fits_empty += per_node == INT64_MAX ? r.gang_size : per_node;
  }
  if (fits_empty >= r.gang_size) return ResourceExhausted("no room for the request now");
  return FailedPrecondition(r.gang_size > 1
                                ? "the pool cannot hold a gang of " + std::to_string(r.gang_size) +
                                      " such tasks even when empty"
                                : "no node in the pool can ever hold this task");
}

Placement Engine::Commit(const Request& r, const std::vector<Choice>& choices) {
  Placement p;
  p.id = AllocationId{next_id_++};
  for (const auto& c : choices) {
    TaskPlacement tp{c.slot, r.task.gpu_milli, {}};
    tp.devices.assign(c.devices.devices.begin(), c.devices.devices.begin() + c.devices.count);
    p.tasks.push_back(std::move(tp));
  }
  allocations_.emplace(p.id.value, Allocation{r.task, p});
  return p;
}

Result<Placement> Engine::Place(const Request& r) {
  if (Status s = Validate(r); !s.ok()) return Err(s);
  if (r.gang_size == 1) {
    auto c = Best(r.task, r.model_mask, nullptr);
    if (!c) return Err(Unplaceable(r));
    cluster_->Apply(c->slot, r.task, c->devices, +1);
    return Commit(r, {*c});
  }
  for (DomainId d : GangDomains(r)) {
    auto placed = PlaceTasks(r, &cluster_->DomainNodes(d));
    if (placed) return Commit(r, *placed);
  }
  if (!r.require_same_domain) {
    auto placed = PlaceTasks(r, nullptr);
    if (placed) return Commit(r, *placed);
  }
  return Err(Unplaceable(r));
}

Result<Placement> Engine::Restore(const Request& r, const std::vector<TaskPlacement>& tasks) {
  if (Status s = Validate(r); !s.ok()) return Err(s);
  if (static_cast<int>(tasks.size()) != r.gang_size)
    return Err(InvalidArgument("one placement per gang member"));
  std::vector<Choice> applied;
  auto undo = [&] {
    for (const auto& c : applied) cluster_->Apply(c.slot, r.task, c.devices, -1);
  };
  for (const auto& tp : tasks) {
    if (tp.node >= cluster_->slot_count() || !cluster_->node(tp.node).alive) {
      undo();
      return Err(FailedPrecondition("the node is gone"));
    }
    const Node& n = cluster_->node(tp.node);
    Choice c{tp.node, {}};
    c.devices.count = static_cast<int>(tp.devices.size());
    bool fits = n.cpu_free >= r.task.cpu_milli && n.mem_free >= r.task.memory_mib &&
                c.devices.count == (r.task.uses_gpu() ? r.task.gpu_count : 0);
    for (int i = 0; fits && i < c.devices.count; ++i) {
      uint8_t d = tp.devices[i];
      fits = d < n.gpu_count && n.gpu_free[d] >= r.task.gpu_milli;
      c.devices.devices[i] = d;
    }
    if (!fits) {
      undo();
      return Err(FailedPrecondition("the node no longer has room for the task"));
    }
    cluster_->Apply(c.slot, r.task, c.devices, +1);
    applied.push_back(c);
  }
  return Commit(r, applied);
}

Status Engine::Release(AllocationId id) {
  auto it = allocations_.find(id.value);
  if (it == allocations_.end()) return NotFound("no such allocation");
  for (const auto& tp : it->second.placement.tasks) {
    DeviceChoice c;
    c.count = static_cast<int>(tp.devices.size());
    std::copy(tp.devices.begin(), tp.devices.end(), c.devices.begin());
    cluster_->Apply(tp.node, it->second.task, c, -1);
  }
  allocations_.erase(it);
  return OkStatus();
}

std::vector<AllocationId> Engine::AllocationsOn(NodeSlot slot) const {
  std::vector<AllocationId> out;
  for (const auto& [id, a] : allocations_) {
    for (const auto& tp : a.placement.tasks) {
      if (tp.node == slot) {
        out.push_back(AllocationId{id});
        break;
      }
    }
  }
  return out;
}

const Placement* Engine::Find(AllocationId id) const {
  auto it = allocations_.find(id.value);
  return it == allocations_.end() ? nullptr : &it->second.placement;
}

}  // namespace suanli::sched
