#include "market/from_records.h"

#include <algorithm>
#include <map>

namespace suanli::market {

int64_t UnitsHeld(const domain::Offer& o, const domain::Job& j) {
  int64_t per_unit = INT32_MAX;
  if (o.accelerator_count > 0) {
    const int64_t task_milli = j.accelerators.count > 0 ? j.accelerators.count * 1000LL
                                                        : std::max(j.accelerators.milli, 1);
    per_unit = o.accelerator_count * 1000LL / task_milli;
  }
  if (o.cpu_cores > 0 && j.cpu_cores > 0) per_unit = std::min<int64_t>(per_unit, o.cpu_cores / j.cpu_cores);
  if (o.memory_gib > 0 && j.memory_gib > 0) per_unit = std::min<int64_t>(per_unit, o.memory_gib / j.memory_gib);
  per_unit = std::max<int64_t>(per_unit, 1);
  return (std::max(j.tasks, 1) + per_unit - 1) / per_unit;
}

Supply SupplyFromRecords(const Records& r, Timestamp now) {
  Supply s;
  s.now = now;
  for (const auto& site : r.sites)
    s.sites.push_back({site.id, site.name, site.city, site.province, site.tier, site.latitude,
                       site.longitude});
  std::map<std::string, std::pair<int, int>> ready;  // pool -> (ready, all)
  for (const auto& n : r.nodes) {
    auto& [up, all] = ready[n.pool_id];
    up += n.state == "ready";
    ++all;
  }
  std::map<std::string, std::string> group_of;
  for (const auto& o : r.orgs) group_of[o.id] = o.group;
  std::map<std::string, std::vector<const domain::Job*>> jobs_of;
  for (const auto& j : r.jobs)
    if (!j.offer_id.empty() && !domain::JobFinished(j.state)) jobs_of[j.offer_id].push_back(&j);
  for (const auto& o : r.offers) {
    if (o.state != "active") continue;
    OfferInfo info;
    info.offer = o;
    info.supplier_group = group_of[o.org_id];
    auto rd = ready.find(o.pool_id);
    info.pool_ready = rd == ready.end() || rd->second.second == 0
                          ? 0.0
                          : static_cast<double>(rd->second.first) / rd->second.second;
    int64_t held = 0;
    for (const domain::Job* j : jobs_of[o.id]) {
      const int64_t units = UnitsHeld(o, *j);
      held += units;
      if (j->state == "pending") continue;  // queued ahead: holds units, no known end
      const Timestamp start = j->started_at.ms != 0 ? j->started_at : now;
      info.releases.push_back(
          {{std::max(now.ms, start.ms + j->duration_estimate_s * 1000)}, units});
    }
    info.free_units = std::max<int64_t>(0, o.quantity - held);
    s.offers.push_back(std::move(info));
  }
  return s;
}

}  // namespace suanli::market
