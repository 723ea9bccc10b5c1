#include "sched/cluster.h"

#include <algorithm>

namespace suanli::sched {

Result<ModelId> Cluster::InternModel(std::string_view model, std::string_view ecosystem) {
  for (size_t i = 0; i < models_.size(); ++i) {
    if (models_[i].name == model) {
      if (models_[i].ecosystem.empty()) models_[i].ecosystem = std::string(ecosystem);
      return static_cast<ModelId>(i);
    }
  }
  if (models_.size() >= kMaxModels) return Err(ResourceExhausted("too many accelerator models"));
  models_.push_back({std::string(model), std::string(ecosystem)});
  buckets_.resize(models_.size() * kClasses);
  gap_count_.resize(models_.size() * (kMilliPerDevice + 1));
  idle_by_model_.resize(models_.size());
  return static_cast<ModelId>(models_.size() - 1);
}

ModelMask Cluster::ResolveModels(const std::vector<std::string>& models,
                                 const std::vector<std::string>& ecosystems) const {
  if (models.empty() && ecosystems.empty()) return kAnyModel;
  ModelMask mask = 0;
  for (size_t i = 0; i < models_.size(); ++i) {
    bool named = std::find(models.begin(), models.end(), models_[i].name) != models.end();
    bool eco = !models_[i].ecosystem.empty() &&
               std::find(ecosystems.begin(), ecosystems.end(), models_[i].ecosystem) !=
                   ecosystems.end();
    if (named || eco) mask |= ModelMask{1} << i;
  }
  return mask;
}

DomainId Cluster::InternDomain(const std::string& name, const std::string& node_name) {
  // A node without a domain is a domain of its own.
  std::string key = name.empty() ? "node:" + node_name : name;
  auto it = domain_by_name_.find(key);
  if (it != domain_by_name_.end()) return it->second;
  domains_.push_back({key, {}, 0});
  auto id = static_cast<DomainId>(domains_.size() - 1);
  domain_by_name_.emplace(std::move(key), id);
  return id;
}

Result<NodeSlot> Cluster::AddNode(const NodeSpec& spec) {
  if (spec.name.empty()) return Err(InvalidArgument("node name is empty", "name"));
  if (by_name_.count(spec.name)) return Err(AlreadyExists("node " + spec.name + " exists"));
  if (spec.cpu_milli < 0 || spec.memory_mib < 0 || spec.gpu_count < 0 ||
      spec.gpu_count > kMaxDevicesPerNode) {
    return Err(InvalidArgument("bad node resources", "gpu_count"));
  }
  auto model = InternModel(spec.model, spec.ecosystem);
  if (!model) return Err(model.error());
  NodeSlot slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<NodeSlot>(nodes_.size());
    nodes_.emplace_back();
  }
  Node& n = nodes_[slot];
  n = Node{};
  n.name = spec.name;
  n.model = *model;
  n.domain = InternDomain(spec.domain, spec.name);
  n.alive = true;
  n.cpu_total = n.cpu_free = spec.cpu_milli;
  n.mem_total = n.mem_free = spec.memory_mib;
  n.gpu_count = spec.gpu_count;
  for (int i = 0; i < n.gpu_count; ++i) n.gpu_free[i] = kMilliPerDevice;
  n.rank = slot;
  Recount(n);
  total_gpu_milli_ += int64_t{n.gpu_count} * kMilliPerDevice;
  total_cpu_milli_ += n.cpu_total;
  domains_[n.domain].nodes.push_back(slot);
  by_name_.emplace(spec.name, slot);
  Index(slot);
  return slot;
}

Status Cluster::RemoveNode(NodeSlot slot) {
  if (slot >= nodes_.size() || !nodes_[slot].alive) return NotFound("no such node");
  Node& n = nodes_[slot];
  if (n.tasks > 0) return FailedPrecondition("node " + n.name + " still runs tasks");
  Unindex(slot);
  auto& dn = domains_[n.domain].nodes;
  dn.erase(std::find(dn.begin(), dn.end(), slot));
  total_gpu_milli_ -= int64_t{n.gpu_count} * kMilliPerDevice;
  total_cpu_milli_ -= n.cpu_total;
  by_name_.erase(n.name);
  n.alive = false;
  ++n.version;
  free_slots_.push_back(slot);
  return OkStatus();
}

Status Cluster::SetNodeState(NodeSlot slot, NodeState state) {
  if (slot >= nodes_.size() || !nodes_[slot].alive) return NotFound("no such node");
  Unindex(slot);
  nodes_[slot].state = state;
  ++nodes_[slot].version;
  Index(slot);
  return OkStatus();
}

Result<NodeSlot> Cluster::FindNode(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  if (it == by_name_.end()) return Err(NotFound("no node " + std::string(name)));
  return it->second;
}

bool Cluster::Fits(const Node& n, const TaskDemand& t, ModelMask mask) {
  if (n.state != NodeState::kUp || n.cpu_free < t.cpu_milli || n.mem_free < t.memory_mib) {
    return false;
  }
  if (!t.uses_gpu()) return true;
  if (!(mask >> n.model & 1)) return false;
  if (t.gpu_milli >= kMilliPerDevice) return n.full_free >= t.gpu_count;
  if (t.gpu_count == 1) return n.full_free > 0 || n.max_partial >= t.gpu_milli;
  int ok = 0;
  for (int i = 0; i < n.gpu_count; ++i) ok += n.gpu_free[i] >= t.gpu_milli;
  return ok >= t.gpu_count;
}

void Cluster::Recount(Node& n) {
  n.full_free = 0;
  n.max_partial = 0;
  n.gpu_free_total = 0;
  for (int i = 0; i < n.gpu_count; ++i) {
    int f = n.gpu_free[i];
    n.gpu_free_total += f;
    if (f >= kMilliPerDevice) {
      ++n.full_free;
    } else if (f > n.max_partial) {
      n.max_partial = f;
    }
  }
}

void Cluster::Apply(NodeSlot slot, const TaskDemand& t, const DeviceChoice& d, int sign) {
  Unindex(slot);
  Node& n = nodes_[slot];
  n.cpu_free -= sign * t.cpu_milli;
  n.mem_free -= sign * t.memory_mib;
  for (int i = 0; i < d.count; ++i) n.gpu_free[d.devices[i]] -= sign * t.gpu_milli;
  allocated_gpu_milli_ += sign * int64_t{d.count} * t.gpu_milli;
  n.tasks += sign;
  if (t.uses_gpu()) {
    if (t.is_sharing()) {
      n.sharing_tasks += sign;
    } else {
      n.whole_tasks += sign;
      if (sign > 0) n.whole_kinds |= 1u << std::min(t.gpu_count, 31);
    }
    if (n.whole_tasks == 0) n.whole_kinds = 0;
  }
  Recount(n);
  ++n.version;
  Index(slot);
}

void Cluster::Unindex(NodeSlot slot) {
  Node& n = nodes_[slot];
  if (n.bucket < 0) return;
  for (ClusterWatcher* w : watchers_) w->Leave(slot, n);
  auto& b = buckets_[n.bucket];
  NodeSlot last = b.back();
  b[n.bucket_pos] = last;
  nodes_[last].bucket_pos = n.bucket_pos;
  b.pop_back();
  domains_[n.domain].full_free -= n.full_free;
  int32_t* gaps = &gap_count_[size_t{n.model} * (kMilliPerDevice + 1)];
  for (int i = 0; i < n.gpu_count; ++i) --gaps[n.gpu_free[i]];
  idle_by_model_[n.model] -= n.gpu_free_total;
  ++version_;
  n.bucket = -1;
}

void Cluster::Index(NodeSlot slot) {
  Node& n = nodes_[slot];
  if (!n.alive || n.state != NodeState::kUp) return;
  n.bucket = static_cast<int32_t>(size_t{n.model} * kClasses + ClassOf(n.full_free, n.max_partial));
  auto& b = buckets_[n.bucket];
  n.bucket_pos = static_cast<uint32_t>(b.size());
  b.push_back(slot);
  domains_[n.domain].full_free += n.full_free;
  int32_t* gaps = &gap_count_[size_t{n.model} * (kMilliPerDevice + 1)];
  for (int i = 0; i < n.gpu_count; ++i) ++gaps[n.gpu_free[i]];
  idle_by_model_[n.model] += n.gpu_free_total;
  ++version_;
  for (ClusterWatcher* w : watchers_) w->Enter(slot, n);
}

void Cluster::Watch(ClusterWatcher* w) const {
  watchers_.push_back(w);
  for (NodeSlot s = 0; s < nodes_.size(); ++s) {
    if (nodes_[s].bucket >= 0) w->Enter(s, nodes_[s]);
  }
}

void Cluster::Unwatch(ClusterWatcher* w) const {
  watchers_.erase(std::remove(watchers_.begin(), watchers_.end(), w), watchers_.end());
}

}  // namespace suanli::sched
