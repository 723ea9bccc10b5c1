// Runs one task as a real process and keeps enough on disk to find it again after the agent
// restarts.
//
// Each task gets a directory <work>/tasks/<job>.<task>.<attempt>/ holding:
//   spec.json   the assignment          output.log  stdout and stderr
//   pid         the shim's pid          exit_code   written by the shim when the task ends
// The agent forks a small shim that starts a new session (so the whole process tree can be
// signalled as one group), applies the limits (cgroup v2 when the agent may create cgroups,
// rlimits otherwise), forks the command under /bin/sh -c, waits for it and records its exit
// code. The shim outlives an agent restart; the restarted agent reads exit_code or, when the
// shim is gone without one, reports the task lost.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "core/status.h"
#include "exec/protocol.h"

namespace suanli::agent {

struct TaskPaths {
  std::string dir, spec, output, pid, exit_code;
  static TaskPaths For(const std::string& work_dir, const exec::TaskKey& key);
};

struct LaunchOptions {
  std::string work_dir;         // the agent's state directory
  std::string checkpoint_root;  // SUANLI_CHECKPOINT_DIR = <root>/<job>/<task>
  bool use_cgroups = true;      // try cgroup v2 limits first
};

// Starts the task; returns the shim's pid. The task's environment: the agent's, plus the
// assignment's env, SUANLI_CHECKPOINT_DIR, and the visible-devices variable of its ecosystem.
Result<pid_t> Launch(const exec::Assignment& a, const LaunchOptions& o);

// The exit code the shim recorded (128+signal for a signalled task), if it has.
std::optional<int> ReadExitCode(const TaskPaths& p);

// True while the shim (and so possibly the task) lives. Reaps it when it is our child.
bool Alive(pid_t pid);

// Sends `sig` to the task's whole process group (the shim's session).
void SignalGroup(pid_t pid, int sig);
// True while any process of the group lives.
bool GroupAlive(pid_t pid);

// Where the task's limits are enforced: "cgroup" or "rlimit" (reported in the task's log).
std::string LimitMechanism();

}  // namespace suanli::agent
