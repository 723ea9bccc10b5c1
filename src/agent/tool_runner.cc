#include "agent/tool_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>

namespace suanli::agent {

ToolResult RunTool(const std::vector<std::string>& argv, int timeout_ms) {
  ToolResult r;
  if (argv.empty()) return r;
  int fds[2], errfd[2];
  // Close-on-exec: tasks started meanwhile by the agent's other thread must not inherit them.
  if (::pipe2(fds, O_CLOEXEC) != 0) return r;
  if (::pipe2(errfd, O_CLOEXEC) != 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return r;
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // fork + exec (posix_spawn's vfork-style clone cannot exec in some sandboxes); the child
  // only makes async-signal-safe calls and reports a failed exec through errfd.
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(fds[1], 1);
    const int devnull = ::open("https://gh.072103.xyz/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 2);
    }
    ::execvp(args[0], args.data());
    const int e = errno;
    (void)!::write(errfd[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(fds[1]);
  ::close(errfd[1]);
  if (pid < 0) {
    ::close(fds[0]);
    ::close(errfd[0]);
    return r;
  }
  ::setpgid(pid, pid);  // also from here, so the group exists before any kill
  int exec_errno = 0;
  ssize_t got_err;
  while ((got_err = ::read(errfd[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
  }
  ::close(errfd[0]);
  if (got_err == sizeof exec_errno) {  // the exec failed: not installed (or not executable)
    ::close(fds[0]);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return r;
  }
  r.started = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::array<char, 4096> buf;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      r.timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;  // timeout: the deadline check above ends the loop
    const ssize_t got = ::read(fds[0], buf.data(), buf.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: the tool (and whatever it started) closed its output
    if (r.out.size() < (1u << 20)) r.out.append(buf.data(), static_cast<size_t>(got));
  }
  ::close(fds[0]);
  if (r.timed_out) ::kill(-pid, SIGKILL);
  int status = 0;
  // The output is closed; a tool that still has not exited gets until the deadline.
  while (!r.timed_out) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) return r;
    if (std::chrono::steady_clock::now() >= deadline) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    ::usleep(2000);
  }
  if (r.timed_out) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return r;
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

}  // namespace suanli::agent
