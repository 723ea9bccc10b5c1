// Reading the node list and task trace of the Alibaba GPU trace format (openb_*.csv). Columns are
// found by header name, so the variants with fewer columns (no times) load too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "sched/cluster.h"
#include "sched/types.h"

namespace suanli::sim {

struct TraceTask {
  std::string name;
  sched::TaskDemand demand;
  std::string gpu_spec;  // allowed models, '|'-separated, empty = any
  std::string qos;       // LS, BE, Burstable, Guaranteed (may be empty)
  int64_t creation_s = -1, deletion_s = -1, scheduled_s = -1;  // -1 = absent
};

Result<std::vector<sched::NodeSpec>> LoadNodes(const std::string& path);
Result<std::vector<TraceTask>> LoadTasks(const std::string& path);
// Parses CSV text (header line first); `what` names the source in errors.
Result<std::vector<sched::NodeSpec>> ParseNodes(const std::string& text, const std::string& what);
Result<std::vector<TraceTask>> ParseTasks(const std::string& text, const std::string& what);

// Splits a gpu_spec into model names.
std::vector<std::string> SplitSpec(const std::string& spec);

}  // namespace suanli::sim
