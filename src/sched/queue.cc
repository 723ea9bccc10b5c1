#include "sched/queue.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <set>
#include <string_view>
#include <tuple>

namespace suanli::sched {

namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

int64_t JobGpu(const Job& j) { return j.request.task.total_gpu_milli() * j.request.gang_size; }
int64_t JobCpu(const Job& j) { return j.request.task.cpu_milli * j.request.gang_size; }

// Whether a node of this size and model could ever hold the task, empty.
bool CouldEverHold(const Node& n, const Request& r) {
  const TaskDemand& t = r.task;
  if (!n.alive || n.state != NodeState::kUp) return false;
  if (n.cpu_total < t.cpu_milli || n.mem_total < t.memory_mib) return false;
  if (!t.uses_gpu()) return true;
  return (r.model_mask >> n.model & 1) && n.gpu_count >= t.gpu_count;
}

}  // namespace

QueueScheduler::Room QueueScheduler::Room::Of(const Node& n) {
  Room r;
  r.cpu_free = n.cpu_free;
  r.mem_free = n.mem_free;
  r.gpu_count = n.gpu_count;
  r.gpu_free = n.gpu_free;
  return r;
}

namespace {

// The task fits in a (hypothetical) room.
bool FitsOn(const QueueScheduler::Room& n, const Request& r) {
  const TaskDemand& t = r.task;
  if (n.cpu_free < t.cpu_milli || n.mem_free < t.memory_mib) return false;
  if (!t.uses_gpu()) return true;
  int ok = 0;
  for (int i = 0; i < n.gpu_count; ++i) ok += n.gpu_free[i] >= t.gpu_milli;
  return ok >= t.gpu_count;
}

// A failed shape within one Schedule call: the same request fails again until room is freed.
using Shape = std::tuple<int64_t, int64_t, int, int, ModelMask, int, bool,
                         std::vector<std::pair<int, ModelMask>>>;
Shape ShapeOf(const Job& j, bool off_reserved) {
  const Request& r = j.request;
  return {r.task.cpu_milli, r.task.memory_mib, r.task.gpu_count, r.task.gpu_milli, r.model_mask,
          r.gang_size, off_reserved, j.where};
}

}  // namespace

int QueueScheduler::AddPartition(Engine* engine, ReliabilityPolicy* reliability) {
  parts_.push_back({engine, reliability, {}});
  return static_cast<int>(parts_.size()) - 1;
}

double QueueScheduler::Partition::utilisation() const {
  const Cluster& c = engine->cluster();
  return c.total_gpu_milli() ? static_cast<double>(c.allocated_gpu_milli()) / c.total_gpu_milli()
                             : 0;
}

Request QueueScheduler::RequestIn(const Job& j, int part) {
  Request r = j.request;
  for (const auto& [p, mask] : j.where) {
    if (p == part) r.model_mask = mask;
  }
  return r;
}

std::vector<int> QueueScheduler::Candidates(const Job& j) const {
  std::vector<int> out;
  if (j.where.empty()) {
    for (size_t p = 0; p < parts_.size(); ++p) out.push_back(static_cast<int>(p));
  } else {
    for (const auto& w : j.where) {
      if (w.first >= 0 && static_cast<size_t>(w.first) < parts_.size()) out.push_back(w.first);
    }
  }
  if (out.size() > 1) {
    std::vector<double> util(parts_.size());
    for (int p : out) util[p] = parts_[p].utilisation();
    std::stable_sort(out.begin(), out.end(), [&](int a, int b) { return util[a] < util[b]; });
  }
  return out;
}

int QueueScheduler::partition_of(uint64_t id) const {
  auto it = running_.find(id);
  return it == running_.end() ? -1 : it->second.part;
}

bool QueueScheduler::CouldEverRun(const Job& j) const {
  for (int p : Candidates(j)) {
    if (parts_[p].engine->CouldEverPlace(RequestIn(j, p))) return true;
  }
  return false;
}

int64_t QueueScheduler::Running::expected_end() const {
  return job.expected_runtime_ms > 0 ? start_ms + job.expected_runtime_ms : kNever;
}

Status QueueScheduler::Submit(const Job& job) {
  if (queue_.count(job.id) || running_.count(job.id)) {
    return InvalidArgument("job id already known", "id");
  }
  if (job.request.gang_size < 1) return InvalidArgument("must be at least 1", "gang_size");
  queue_.emplace(job.id, job);
  return OkStatus();
}

Status QueueScheduler::Cancel(uint64_t id) {
  return queue_.erase(id) ? OkStatus() : NotFound("job not queued");
}


bool QueueScheduler::OverQuota(const Job& j) const {
  auto q = quota_.find(j.org);
  if (q == quota_.end() || q->second <= 0) return false;
  auto u = used_.find(j.org);
  int64_t used = u == used_.end() ? 0 : u->second.second;
  return used + JobGpu(j) > q->second;
}

void QueueScheduler::Account(const Job& j, int sign) {
  auto& u = used_[j.org];
  u.first += sign * JobCpu(j);
  u.second += sign * JobGpu(j);
}

// Class, then starved-first, then DRF share, then submit time, then id; as a min-heap, so that
// a pass pays O(queue) to build it and O(log queue) per job it actually looks at (a pass stops
// after max_backfill_tests behind the head), not a sort of the whole queue.
std::vector<QueueScheduler::OrderKey> QueueScheduler::OrderHeap(int64_t now_ms) const {
  // DRF: an organisation's dominant share is the larger of its CPU and GPU share of all
  // partitions together.
  int64_t cpu_total = 0, gpu_total = 0;
  for (const Partition& p : parts_) {
    cpu_total += p.engine->cluster().total_cpu_milli();
    gpu_total += p.engine->cluster().total_gpu_milli();
  }
  std::unordered_map<std::string_view, double> share;
  for (const auto& [org, u] : used_) {
    double cpu = cpu_total ? static_cast<double>(u.first) / cpu_total : 0;
    double gpu = gpu_total ? static_cast<double>(u.second) / gpu_total : 0;
    share[org] = std::max(cpu, gpu);
  }
  std::vector<OrderKey> keys;
  keys.reserve(queue_.size());
  for (const auto& [id, j] : queue_) {
    bool starved = now_ms - j.submit_ms > opts_.starvation_ms;
    auto it = share.find(j.org);
    keys.emplace_back(static_cast<int>(j.priority), starved ? 0 : 1,
                      it == share.end() ? 0.0 : it->second, j.submit_ms, id);
  }
  std::make_heap(keys.begin(), keys.end(), std::greater<>{});
  return keys;
}

bool QueueScheduler::TryStart(const Job& j, int64_t now_ms, ScheduleEvents* ev) {
  if (parts_.size() == 1 && j.where.empty()) return TryStartIn(j, 0, now_ms, ev);
  for (int part : Candidates(j)) {
    if (TryStartIn(j, part, now_ms, ev)) return true;
  }
  return false;
}

bool QueueScheduler::TryStartIn(const Job& j, int part, int64_t now_ms, ScheduleEvents* ev) {
  Partition& pt = parts_[part];
  if (pt.reliability) pt.reliability->SetCritical(j.critical);
  auto p = j.where.empty() ? pt.engine->Place(j.request) : pt.engine->Place(RequestIn(j, part));
  if (pt.reliability) pt.reliability->SetCritical(false);
  if (!p) return false;
  Track(j, part, *p, now_ms);
  ev->started.emplace_back(j.id, *p);
  return true;
}

void QueueScheduler::Track(const Job& j, int part, const Placement& p, int64_t start_ms) {
  Running r{j, part, p.id, start_ms, JobCpu(j), JobGpu(j), {}, p.tasks};
  spot_running_ += j.priority == PriorityClass::kSpot;
  for (const TaskPlacement& t : p.tasks) {
    if (std::find(r.nodes.begin(), r.nodes.end(), t.node) == r.nodes.end())
      r.nodes.push_back(t.node);
  }
  for (NodeSlot s : r.nodes) parts_[part].on_node[s].push_back(j.id);
  running_[j.id] = std::move(r);
  Account(j, +1);
  queue_.erase(j.id);
}

Result<Placement> QueueScheduler::Adopt(const Job& job, int part,
                                        const std::vector<TaskPlacement>& tasks,
                                        int64_t start_ms) {
  if (running_.count(job.id)) return Err(InvalidArgument("job already running", "id"));
  if (part < 0 || static_cast<size_t>(part) >= parts_.size()) {
    return Err(InvalidArgument("no such partition", "partition"));
  }
  auto p = parts_[part].engine->Restore(RequestIn(job, part), tasks);
  if (!p) return p;
  Track(job, part, *p, start_ms);
  return p;
}

void QueueScheduler::Stop(uint64_t id) {
  Running& r = running_.at(id);
  spot_running_ -= r.job.priority == PriorityClass::kSpot;
  Partition& pt = parts_[r.part];
  (void)pt.engine->Release(r.alloc);
  Account(r.job, -1);
  for (NodeSlot s : r.nodes) {
    auto& ids = pt.on_node[s];
    ids.erase(std::find(ids.begin(), ids.end(), id));
    if (ids.empty()) pt.on_node.erase(s);
  }
  running_.erase(id);
}

void QueueScheduler::Running::GiveBack(NodeSlot slot, Room* n) const {
  for (const TaskPlacement& t : tasks) {
    if (t.node != slot) continue;
    n->cpu_free += job.request.task.cpu_milli;
    n->mem_free += job.request.task.memory_mib;
    for (uint8_t d : t.devices) n->gpu_free[d] = static_cast<int16_t>(n->gpu_free[d] + t.gpu_milli);
  }
}

std::vector<std::tuple<int64_t, uint32_t, NodeSlot, std::vector<uint64_t>>>
QueueScheduler::EvictionOptions(const Job& j, int part, int64_t now_ms) const {
  const Cluster& c = parts_[part].engine->cluster();
  const Request request = RequestIn(j, part);
  // Per node that could hold one task: the spot jobs to evict there (newest first), fewest GPU.
  std::vector<std::tuple<int64_t, uint32_t, NodeSlot, std::vector<uint64_t>>> options;
  for (const auto& [slot, ids] : parts_[part].on_node) {
    const Node& n = c.node(slot);
    if (!CouldEverHold(n, request)) continue;
    std::vector<const Running*> spot;
    for (uint64_t id : ids) {
      const Running& r = running_.at(id);
      if (r.job.priority == PriorityClass::kSpot && now_ms - r.start_ms >= opts_.spot_exempt_ms) {
        spot.push_back(&r);
      }
    }
    if (spot.empty()) continue;
    std::sort(spot.begin(), spot.end(), [](const Running* a, const Running* b) {
      return std::tie(a->start_ms, a->job.id) > std::tie(b->start_ms, b->job.id);
    });
    std::vector<uint64_t> victims;
    int64_t gpu = 0;
    Room after = Room::Of(n);
    for (const Running* r : spot) {
      victims.push_back(r->job.id);
      gpu += r->gpu;
      r->GiveBack(slot, &after);
      if (FitsOn(after, request)) {
        options.emplace_back(gpu, n.rank, slot, victims);
        break;
      }
    }
  }
  return options;
}

bool QueueScheduler::PreemptFor(const Job& j, int64_t now_ms, ScheduleEvents* ev) {
  if (j.priority == PriorityClass::kSpot || spot_running_ == 0) return false;
  // A failed search is not repeated for the same job within preempt_retry_ms.
  if (no_preempt_.first == j.id && now_ms < no_preempt_.second) return false;
  const size_t need = static_cast<size_t>(j.request.gang_size);
  // The first partition (in the order jobs start in) where evicting makes room for the gang.
  for (int part : Candidates(j)) {
    auto options = EvictionOptions(j, part, now_ms);
    if (options.size() < need) continue;
    std::partial_sort(options.begin(), options.begin() + static_cast<std::ptrdiff_t>(need),
                      options.end());
    std::set<uint64_t> evict;
    for (size_t k = 0; k < need; ++k) evict.insert(std::get<3>(options[k]).begin(),
                                                   std::get<3>(options[k]).end());
    for (uint64_t v : evict) {
      Job job = running_.at(v).job;
      Stop(v);
      queue_.emplace(v, job);
      ev->preempted.push_back(v);
      ev->preemptor.push_back(j.id);
    }
    return TryStartIn(j, part, now_ms, ev);
  }
  no_preempt_ = {j.id, now_ms + opts_.preempt_retry_ms};
  return false;
}

int64_t QueueScheduler::Reserve(const Job& j, int64_t now_ms) {
  reserved_.clear();
  reserved_part_ = 0;
  if (parts_.size() == 1 && j.where.empty()) return ReserveIn(j, 0, now_ms, &reserved_);
  // The partition where the head will fit earliest (ties: the order it would start in).
  int64_t best = kNever;
  for (int part : Candidates(j)) {
    std::vector<NodeSlot> nodes;
    const int64_t shadow = ReserveIn(j, part, now_ms, &nodes);
    if (shadow < best) {
      best = shadow;
      reserved_ = std::move(nodes);
      reserved_part_ = part;
    }
  }
  return best;
}

int64_t QueueScheduler::ReserveIn(const Job& j, int part, int64_t now_ms,
                                  std::vector<NodeSlot>* nodes) const {
  const Cluster& c = parts_[part].engine->cluster();
  const Request request = RequestIn(j, part);
  const auto& on_node = parts_[part].on_node;
  std::vector<std::tuple<int64_t, uint32_t, NodeSlot>> when;  // (fit time, rank, node)
  for (NodeSlot slot = 0; slot < c.slot_count(); ++slot) {
    const Node& n = c.node(slot);
    if (!CouldEverHold(n, request)) continue;
    if (FitsOn(Room::Of(n), request)) {
      when.emplace_back(now_ms, n.rank, slot);
      continue;
    }
    auto it = on_node.find(slot);
    if (it == on_node.end()) continue;
    std::vector<std::pair<int64_t, uint64_t>> ends;
    for (uint64_t id : it->second) ends.emplace_back(running_.at(id).expected_end(), id);
    std::sort(ends.begin(), ends.end());
    Room after = Room::Of(n);
    for (const auto& [end, id] : ends) {
      if (end == kNever) break;
      running_.at(id).GiveBack(slot, &after);
      if (FitsOn(after, request)) {
        when.emplace_back(std::max(end, now_ms), n.rank, slot);
        break;
      }
    }
  }
  const size_t need = static_cast<size_t>(j.request.gang_size);
  if (when.size() < need) return kNever;
  std::partial_sort(when.begin(), when.begin() + static_cast<std::ptrdiff_t>(need), when.end());
  int64_t shadow = now_ms;
  for (size_t k = 0; k < need; ++k) {
    shadow = std::max(shadow, std::get<0>(when[k]));
    nodes->push_back(std::get<2>(when[k]));
  }
  return shadow;
}

void QueueScheduler::SetReservedCordoned(bool cordoned) {
  if (parts_.empty()) return;
  Cluster& c = parts_[reserved_part_].engine->cluster();
  if (cordoned) {
    for (NodeSlot s : reserved_) {
      if (c.node(s).alive && c.node(s).state == NodeState::kUp) {
        (void)c.SetNodeState(s, NodeState::kCordoned);
        held_.push_back(s);
      }
    }
  } else {
    for (NodeSlot s : held_) (void)c.SetNodeState(s, NodeState::kUp);
    held_.clear();
  }
}

ScheduleEvents QueueScheduler::Schedule(int64_t now_ms) {
  ScheduleEvents ev;
  // The reservation is kept while the same job heads the queue and its shadow time is ahead:
  // the head tries to start first on every call anyway, so a stale reservation only holds
  // nodes a little longer; recomputing it on every event would cost O(nodes) each time.
  const std::pair<uint64_t, int64_t> previous = reservation_;
  bool reserved = false;
  int64_t shadow = 0;
  int tests = 0;
  std::set<Shape> failed;  // shapes that found no room in this call
  for (std::vector<OrderKey> heap = OrderHeap(now_ms); !heap.empty();) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>{});
    const uint64_t id = std::get<4>(heap.back());
    heap.pop_back();
    if (opts_.max_starts > 0 && ev.started.size() >= static_cast<size_t>(opts_.max_starts)) {
      ev.truncated = true;
      break;
    }
    auto queued = queue_.find(id);
    if (queued == queue_.end()) continue;
    const Job j = queued->second;  // a copy: starting it removes it from the queue
    if (OverQuota(j)) continue;
    if (!reserved) {
      if (TryStart(j, now_ms, &ev)) continue;
      size_t before = ev.preempted.size();
      if (PreemptFor(j, now_ms, &ev)) continue;
      if (ev.preempted.size() > before) failed.clear();  // evicted, yet no fit: room changed
      reserved = true;
      if (previous.first == j.id && previous.second > now_ms && !reserved_.empty()) {
        shadow = previous.second;
      } else {
        shadow = Reserve(j, now_ms);
      }
      reservation_ = {j.id, shadow};
      if (shadow == kNever) reserved_.clear();
      SetReservedCordoned(true);
      continue;
    }
    if (++tests > opts_.max_backfill_tests) break;
    // Backfill: a job that ends by the shadow time may use any node; others only free ones.
    const bool ends_in_time = j.expected_runtime_ms > 0 && now_ms + j.expected_runtime_ms <= shadow;
    const Shape shape = ShapeOf(j, !ends_in_time);
    if (failed.count(shape)) continue;
    if (ends_in_time) SetReservedCordoned(false);
    bool started = TryStart(j, now_ms, &ev);
    if (ends_in_time) SetReservedCordoned(true);
    if (!started) failed.insert(shape);
  }
  if (reserved) {
    SetReservedCordoned(false);
  } else {
    reservation_ = {0, 0};
    reserved_.clear();
  }
  return ev;
}

Status QueueScheduler::Finish(uint64_t id) {
  if (!running_.count(id)) return NotFound("job not running");
  Stop(id);
  return OkStatus();
}

}  // namespace suanli::sched
