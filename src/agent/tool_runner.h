// Running a vendor tool (nvidia-smi, npu-smi, …) as a real process with a deadline: a hung tool
// (a wedged driver makes them block in the kernel) is killed, never waited for. The runner is a
// function object so tests can feed the parsers and the health poller with sample outputs.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace suanli::agent {

struct ToolResult {
  bool started = false;    // false when the tool is not installed (or could not be started)
  bool timed_out = false;  // killed at the deadline
  int exit_code = -1;      // when it exited by itself
  std::string out;         // its standard output (stderr is discarded)
  bool ok() const { return started && !timed_out && exit_code == 0; }
};

using ToolRunner = std::function<ToolResult(const std::vector<std::string>& argv, int timeout_ms)>;

// Runs argv[0] (looked up on PATH, no shell) in its own process group; at `timeout_ms` the
// whole group is killed with SIGKILL and the result says timed_out.
ToolResult RunTool(const std::vector<std::string>& argv, int timeout_ms);

}  // namespace suanli::agent
