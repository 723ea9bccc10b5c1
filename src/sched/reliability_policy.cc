#include "sched/reliability_policy.h"

namespace suanli::sched {

void ReliabilityPolicy::SetSuspicion(NodeSlot slot, int level) {
  if (slot >= suspicion_.size()) {
    if (level == 0) return;
    suspicion_.resize(slot + 1, 0);
  }
  suspicion_[slot] = level;
}

double ReliabilityPolicy::Score(NodeSlot slot, const Node& node, const TaskDemand& task,
                                DeviceChoice* choice) {
  double s = inner_->Score(slot, node, task, choice);
  int level = Suspicion(slot);
  if (level == 0) return s;
  // Critical work: below every clean node. Other work: a tie with a clean node goes to the
  // suspect one (a fraction of one score step, so the inner policy's order is kept otherwise).
  return critical_ ? s - kPenalty * level : s + 0.25;
}

}  // namespace suanli::sched
