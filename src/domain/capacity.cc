#include "domain/capacity.h"

namespace suanli::domain {

void Capacity::Add(const Capacity& o) {
  nodes += o.nodes;
  nodes_ready += o.nodes_ready;
  cpu_cores += o.cpu_cores;
  memory_gib += o.memory_gib;
  accelerators += o.accelerators;
  ai_pflops_fp16 += o.ai_pflops_fp16;
  hpc_pflops_fp64 += o.hpc_pflops_fp64;
  for (const auto& [v, n] : o.accelerators_by_vendor) accelerators_by_vendor[v] += n;
}

Capacity NodeCapacity(const Node& node, const std::string& pool_kind,
                      const AcceleratorLookup& lookup) {
  Capacity c;
  c.nodes = 1;
  c.nodes_ready = node.state == "ready" ? 1 : 0;
  c.cpu_cores = node.cpu_cores;
  c.memory_gib = node.memory_gib;
  if (pool_kind == "hpc") c.hpc_pflops_fp64 += node.cpu_fp64_tflops / 1000.0;
  for (const auto& a : node.accelerators) {
    c.accelerators += a.count;
    const Accelerator* spec = lookup ? lookup(a.model) : nullptr;
    c.accelerators_by_vendor[spec ? spec->vendor : "unknown"] += a.count;
    if (!spec) continue;
    if (pool_kind == "hpc") {
      c.hpc_pflops_fp64 += a.count * spec->fp64_tflops / 1000.0;
    } else if (pool_kind == "ai") {
      c.ai_pflops_fp16 += a.count * spec->fp16_tflops / 1000.0;
    }
  }
  return c;
}

}  // namespace suanli::domain
