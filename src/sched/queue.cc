#include "sched/queue.h"

#include <algorithm>
#include <limits>
#include <tuple>

namespace suanli::sched {

namespace {
int64_t JobGpu(const Job& j) { return j.request.task.total_gpu_milli() * j.request.gang_size; }
int64_t JobCpu(const Job& j) { return j.request.task.cpu_milli * j.request.gang_size; }
}  // namespace

Status QueueScheduler::Submit(const Job& job) {
  if (queue_.count(job.id) || running_.count(job.id)) {
    return InvalidArgument("job id already known", "id");
  }
  queue_.emplace(job.id, job);
  return OkStatus();
}

Status QueueScheduler::Cancel(uint64_t id) {
  return queue_.erase(id) ? OkStatus() : NotFound("job not queued");
}

double QueueScheduler::DominantShare(const std::string& org) const {
  auto it = used_.find(org);
  if (it == used_.end()) return 0;
  const Cluster& c = engine_->cluster();
  double cpu = c.total_cpu_milli() ? static_cast<double>(it->second.first) / c.total_cpu_milli() : 0;
  double gpu = c.total_gpu_milli() ? static_cast<double>(it->second.second) / c.total_gpu_milli() : 0;
  return std::max(cpu, gpu);
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

// Class, then starved-first, then DRF share, then submit time, then id.
std::vector<Job> QueueScheduler::Ordered(int64_t now_ms) const {
  std::vector<std::tuple<int, int, double, int64_t, uint64_t>> keys;
  for (const auto& [id, j] : queue_) {
    bool starved = now_ms - j.submit_ms > opts_.starvation_ms;
    keys.emplace_back(static_cast<int>(j.priority), starved ? 0 : 1, DominantShare(j.org),
                      j.submit_ms, id);
  }
  std::sort(keys.begin(), keys.end());
  std::vector<Job> out;
  for (const auto& k : keys) out.push_back(queue_.at(std::get<4>(k)));
  return out;
}

bool QueueScheduler::TryStart(const Job& j, int64_t now_ms, ScheduleEvents* ev) {
  auto p = engine_->Place(j.request);
  if (!p) return false;
  running_[j.id] = Running{j, p->id, now_ms, JobCpu(j), JobGpu(j)};
  Account(j, +1);
  queue_.erase(j.id);
  ev->started.emplace_back(j.id, *p);
  return true;
}

bool QueueScheduler::PreemptFor(const Job& j, int64_t now_ms, ScheduleEvents* ev) {
  if (j.priority == PriorityClass::kSpot) return false;
  std::vector<const Running*> spot;
  int64_t spot_gpu = 0;
  for (const auto& [id, r] : running_) {
    if (r.job.priority == PriorityClass::kSpot) {
      spot.push_back(&r);
      spot_gpu += r.gpu;
    }
  }
  const Cluster& c = engine_->cluster();
  if (spot_gpu + c.total_gpu_milli() - c.allocated_gpu_milli() < JobGpu(j)) return false;
  std::sort(spot.begin(), spot.end(), [](const Running* a, const Running* b) {
    return std::tie(a->start_ms, a->job.id) > std::tie(b->start_ms, b->job.id);
  });
  std::vector<uint64_t> victims;
  for (const Running* r : spot) victims.push_back(r->job.id);
  for (uint64_t v : victims) {
    Running r = running_.at(v);
    (void)engine_->Release(r.alloc);
    Account(r.job, -1);
    running_.erase(v);
    queue_.emplace(v, r.job);
    ev->preempted.push_back(v);
    if (TryStart(j, now_ms, ev)) return true;
  }
  return false;
}

int64_t QueueScheduler::ShadowTime(const Job& j, int64_t now_ms) const {
  std::vector<std::pair<int64_t, int64_t>> ends;  // (end, gpu)
  for (const auto& [id, r] : running_) {
    int64_t end = r.job.expected_runtime_ms > 0 ? r.start_ms + r.job.expected_runtime_ms
                                                : std::numeric_limits<int64_t>::max();
    ends.emplace_back(std::max(end, now_ms), r.gpu);
  }
  std::sort(ends.begin(), ends.end());
  const Cluster& c = engine_->cluster();
  int64_t free = c.total_gpu_milli() - c.allocated_gpu_milli();
  for (const auto& [end, gpu] : ends) {
    if (free >= JobGpu(j)) return now_ms;
    free += gpu;
    if (free >= JobGpu(j)) return end;
  }
  return std::numeric_limits<int64_t>::max();
}

ScheduleEvents QueueScheduler::Schedule(int64_t now_ms) {
  ScheduleEvents ev;
  reservation_ = {0, 0};
  bool reserved = false;
  int64_t shadow = 0;
  for (const Job& j : Ordered(now_ms)) {
    if (!queue_.count(j.id) || OverQuota(j)) continue;
    if (reserved) {  // backfill: only what ends before the head's reservation
      bool ends_in_time = j.expected_runtime_ms > 0 && now_ms + j.expected_runtime_ms <= shadow;
      if (ends_in_time) TryStart(j, now_ms, &ev);
      continue;
    }
    if (TryStart(j, now_ms, &ev) || PreemptFor(j, now_ms, &ev)) continue;
    reserved = true;
    shadow = ShadowTime(j, now_ms);
    reservation_ = {j.id, shadow};
  }
  return ev;
}

Status QueueScheduler::Finish(uint64_t id) {
  auto it = running_.find(id);
  if (it == running_.end()) return NotFound("job not running");
  Status s = engine_->Release(it->second.alloc);
  Account(it->second.job, -1);
  running_.erase(it);
  return s;
}

}  // namespace suanli::sched
