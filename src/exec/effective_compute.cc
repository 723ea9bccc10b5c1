#include "exec/effective_compute.h"

#include <algorithm>

namespace suanli::exec {

using domain::Job;
using domain::Node;

int64_t TaskUnitsMilli(const Job& j, const Node& n) {
  if (n.accelerators.empty()) return int64_t{j.cpu_cores} * 1000;
  if (j.accelerators.count > 0) return int64_t{j.accelerators.count} * 1000;
  return j.accelerators.milli;
}

int64_t NodeUnitsMilli(const Node& n) {
  int64_t devices = 0;
  for (const auto& a : n.accelerators) devices += a.count;
  return (devices > 0 ? devices : n.cpu_cores) * int64_t{1000};
}

Result<std::map<std::string, ComputeTime>> EffectiveCompute(
    const control::Registry& reg, Timestamp now, const std::string& group_by,
    const std::function<bool(const Node&)>& visible) {
  if (std::find(kComputeGroupBy.begin(), kComputeGroupBy.end(), group_by) == kComputeGroupBy.end())
    return Err(InvalidArgument("must be one of device, node, pool, site, org, vendor, province, tier",
                               "group_by"));
  constexpr double kMsPerHour = 3600.0 * 1000.0;
  // Holds per node from the jobs that show their placement: (start, end, units).
  struct Hold {
    int64_t start, end;
    std::shared_ptr<const Job> job;
    const domain::Placement* task;  // owned by `job`
  };
  std::map<std::string, std::vector<Hold>> holds;
  reg.ForEach<Job>([&](const control::Entry<Job>& e) {
    const Job& j = *e.obj;
    if (j.started_at.ms <= 0 || j.placement.empty()) return;
    if (j.state == "pending" || j.state == "scheduled") return;
    const int64_t end = j.finished_at.ms > 0 ? j.finished_at.ms : now.ms;
    for (const auto& p : j.placement) holds[p.node_id].push_back({j.started_at.ms, end, e.obj, &p});
  });
  std::map<std::string, std::string> site_province, site_tier;
  reg.ForEach<domain::Site>([&](const control::Entry<domain::Site>& e) {
    site_province[e.obj->id] = e.obj->province;
    site_tier[e.obj->id] = e.obj->tier;
  });
  std::map<std::string, std::string> vendor_of;
  reg.ForEach<domain::Accelerator>([&](const control::Entry<domain::Accelerator>& e) {
    vendor_of[e.obj->id] = e.obj->vendor;
  });
  std::map<std::string, ComputeTime> out;
  reg.ForEach<Node>([&](const control::Entry<Node>& e) {
    const Node& n = *e.obj;
    if (!visible(n)) return;
    const double alive_ms_all = static_cast<double>(std::max<int64_t>(0, now.ms - n.created_at.ms));
    if (group_by == "device") {  // one row per accelerator: "<node>/<index>"
      int devices = 0;
      for (const auto& a : n.accelerators) devices += a.count;
      for (int d = 0; d < devices; ++d) {
        ComputeTime& t = out[n.id + "/" + std::to_string(d)];
        double allocated = d < static_cast<int>(n.device_requeued_ms.size())
                               ? static_cast<double>(n.device_requeued_ms[d])
                               : 0.0;
        for (const Hold& h : holds[n.id]) {
          if (std::find(h.task->devices.begin(), h.task->devices.end(), d) == h.task->devices.end())
            continue;
          const double share =
              h.job->accelerators.count > 0 ? 1.0 : h.job->accelerators.milli / 1000.0;
          allocated += share * static_cast<double>(std::max<int64_t>(
                                   0, h.end - std::max(h.start, n.created_at.ms)));
        }
        allocated = std::min(allocated, alive_ms_all);
        const double lost =
            std::min(allocated, d < static_cast<int>(n.device_lost_ms.size())
                                    ? static_cast<double>(n.device_lost_ms[d])
                                    : 0.0);
        t.nodes = 1;
        t.units = 1;
        t.nominal_h = alive_ms_all / kMsPerHour;
        t.allocated_h = allocated / kMsPerHour;
        t.lost_h = lost / kMsPerHour;
        t.useful_h = (allocated - lost) / kMsPerHour;
      }
      return;
    }
    std::string key;
    if (group_by == "node") key = n.id;
    else if (group_by == "pool") key = n.pool_id;
    else if (group_by == "site") key = n.site_id;
    else if (group_by == "org") key = n.org_id;
    else if (group_by == "province") key = site_province[n.site_id];
    else if (group_by == "tier") key = site_tier[n.site_id];
    else if (group_by == "vendor") key = n.accelerators.empty() ? "CPU" : vendor_of[n.accelerators[0].model];
    ComputeTime& t = out[key];
    const double units = static_cast<double>(NodeUnitsMilli(n)) / 1000.0;
    const double alive_ms = static_cast<double>(std::max<int64_t>(0, now.ms - n.created_at.ms));
    double allocated = static_cast<double>(n.requeued_unit_ms);
    for (const Hold& h : holds[n.id])  // only while the node existed
      allocated += static_cast<double>(TaskUnitsMilli(*h.job, n)) / 1000.0 * static_cast<double>(
                                 std::max<int64_t>(0, h.end - std::max(h.start, n.created_at.ms)));
    allocated = std::min(allocated, units * alive_ms);
    const double lost = std::min(allocated, static_cast<double>(n.lost_unit_ms));
    t.nodes += 1;
    t.units += units;
    t.nominal_h += units * alive_ms / kMsPerHour;
    t.allocated_h += allocated / kMsPerHour;
    t.lost_h += lost / kMsPerHour;
    t.useful_h += (allocated - lost) / kMsPerHour;
  });
  return out;
}

}  // namespace suanli::exec
