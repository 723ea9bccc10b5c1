// Runs a program with an argv vector (never through a shell), feeds it stdin, captures stdout
// and stderr, and kills its process group when it overruns its timeout. The Slurm client runs
// every Slurm command through a CommandRunner, so tests can substitute a fake one.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace suanli::slurm {

struct ProcessSpec {
  // argv[0] is the program: an absolute path, or a name looked up in PATH (of `env` when it
  // sets PATH, else of this process).
  std::vector<std::string> argv;
  // The child's whole environment ("NAME=value"); nullopt inherits this process's environment.
  std::optional<std::vector<std::string>> env;
  std::string stdin_data;  // at most 64 KiB (written before the child starts)
  std::chrono::milliseconds timeout{30000};
};

struct ProcessResult {
  int exit_code = -1;  // exit status when the program exited, else -1
  int signal = 0;      // the signal that killed it, 0 if it exited
  bool timed_out = false;  // it was killed (SIGKILL to its process group) after `timeout`
  std::string out;
  std::string err;

  bool ok() const { return exit_code == 0 && !timed_out; }
  // "exit 1: <first line of stderr>", for error messages.
  std::string Describe() const;
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs the program to completion. An error only when it could not be started at all
  // (not found, fork failed); a non-zero exit is a result, not an error.
  virtual Result<ProcessResult> Run(const ProcessSpec& spec) = 0;
};

// The real thing: fork + execve. Safe to call from many threads at once; the child does only
// async-signal-safe work between fork and exec.
class SystemCommandRunner final : public CommandRunner {
 public:
  Result<ProcessResult> Run(const ProcessSpec& spec) override;
};

}  // namespace suanli::slurm
