#include "sched/clustering_policy.h"

#include <cmath>

#include "sched/devices.h"

namespace suanli::sched {

namespace {
// 2: the node's GPU tasks are all of the request's kind; 1: no GPU task yet; 0: mixed.
int Band(const Node& n, const TaskDemand& t) {
  if (n.sharing_tasks == 0 && n.whole_tasks == 0) return 1;
  if (!t.uses_gpu()) return 1;
  if (t.is_sharing()) return n.whole_tasks == 0 ? 2 : 0;
  bool same = n.sharing_tasks == 0 && n.whole_kinds == (1u << std::min(t.gpu_count, 31));
  return same ? 2 : 0;
}
}  // namespace

double ClusteringPolicy::Score(NodeSlot, const Node& n, const TaskDemand& t,
                               DeviceChoice* choice) {
  ChooseDefault(n, t, choice);
  double used = n.gpu_count == 0
                    ? 0.0
                    : 1.0 - n.gpu_free_total / (1000.0 * static_cast<double>(n.gpu_count));
  return 34.0 * Band(n, t) + std::floor(33.0 * used);
}

}  // namespace suanli::sched
