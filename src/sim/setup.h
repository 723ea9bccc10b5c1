// Turning a trace into scheduler inputs: the Cluster from the node list, each task's model mask,
// and the workload profile (typical shapes over the original tasks). Shared by both replay modes.
#pragma once

#include <vector>

#include "core/status.h"
#include "sched/cluster.h"
#include "sched/workload.h"
#include "sim/trace.h"

namespace suanli::sim {

Status AddNodes(const std::vector<sched::NodeSpec>& nodes, sched::Cluster* cluster);
// Model masks of the tasks, resolved against the cluster's models.
std::vector<sched::ModelMask> TaskMasks(const sched::Cluster& cluster,
                                        const std::vector<TraceTask>& tasks);
sched::WorkloadProfile TraceProfile(const std::vector<TraceTask>& tasks,
                                    const std::vector<sched::ModelMask>& masks,
                                    double coverage = 0.95);
// Σ_n F_n / Σ_n idle milli-GPU over up nodes, in percent (0 when nothing is idle).
double FragmentationRatePct(const sched::Cluster& cluster, const sched::WorkloadProfile& profile);

}  // namespace suanli::sim
