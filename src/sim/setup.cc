#include "sim/setup.h"

namespace suanli::sim {

Status AddNodes(const std::vector<sched::NodeSpec>& nodes, sched::Cluster* cluster) {
  for (const auto& n : nodes) {
    auto r = cluster->AddNode(n);
    if (!r) return r.error();
  }
  return OkStatus();
}

std::vector<sched::ModelMask> TaskMasks(const sched::Cluster& cluster,
                                        const std::vector<TraceTask>& tasks) {
  std::vector<sched::ModelMask> out;
  out.reserve(tasks.size());
  for (const auto& t : tasks) out.push_back(cluster.ResolveModels(SplitSpec(t.gpu_spec), {}));
  return out;
}

sched::WorkloadProfile TraceProfile(const std::vector<TraceTask>& tasks,
                                    const std::vector<sched::ModelMask>& masks,
                                    double coverage) {
  std::vector<sched::ShapeSample> samples;
  samples.reserve(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    samples.push_back({tasks[i].demand, masks[i], tasks[i].gpu_spec});
  }
  return sched::WorkloadProfile::FromSamples(samples, coverage);
}

double FragmentationRatePct(const sched::Cluster& cluster, const sched::WorkloadProfile& profile) {
  double frag = 0, idle = 0;
  for (sched::NodeSlot s = 0; s < cluster.slot_count(); ++s) {
    const auto& n = cluster.node(s);
    if (!n.alive || n.state != sched::NodeState::kUp) continue;
    frag += profile.Fragmentation(n.model, n.cpu_free, n.gpu_free.data(), n.gpu_count);
    idle += n.gpu_free_total;
  }
  return idle > 0 ? 100.0 * frag / idle : 0.0;
}

}  // namespace suanli::sim
