// Capacity adds up the way the platforms report it: CPU cores, AI PFLOPS (FP16 dense, from the
// accelerators of AI pools) and HPC PFLOPS (FP64, from CPUs and accelerators of HPC pools).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "domain/types.h"

namespace suanli::domain {

struct Capacity {
  int64_t nodes = 0;
  int64_t nodes_ready = 0;
  int64_t cpu_cores = 0;
  int64_t memory_gib = 0;
  int64_t accelerators = 0;
  double ai_pflops_fp16 = 0;
  double hpc_pflops_fp64 = 0;
  std::map<std::string, int64_t> accelerators_by_vendor;

  void Add(const Capacity& o);
};

using AcceleratorLookup = std::function<const Accelerator*(const std::string& model)>;

// The capacity one node contributes, given its pool's kind. Nodes in state "down" count as
// nominal capacity but not as ready.
Capacity NodeCapacity(const Node& node, const std::string& pool_kind,
                      const AcceleratorLookup& lookup);

}  // namespace suanli::domain
