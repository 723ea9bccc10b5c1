#include "slurm/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace suanli::slurm {
namespace {

constexpr size_t kMaxStdin = 64 * 1024;  // a pipe's default capacity on Linux

// A file descriptor closed on scope exit.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

Status Errno(const std::string& what) {
  return Internal(what + ": " + std::strerror(errno));
}

Status MakePipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Errno("pipe2");
  // Keep pipes off 0-2 (a daemon may run with its standard streams closed), so that the
  // child's dup2 onto 0, 1 and 2 never clobbers another pipe.
  for (int& fd : fds) {
    if (fd < 3) {
      int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
      ::close(fd);
      fd = moved;
    }
  }
  read_end.Reset(fds[0]);
  write_end.Reset(fds[1]);
  if (fds[0] < 0 || fds[1] < 0) return Errno("fcntl F_DUPFD_CLOEXEC");
  return OkStatus();
}

bool IsExecutable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// argv[0] as an absolute path: resolved here, before fork, because execvpe would search the
// PATH of this process rather than the child's.
Result<std::string> ResolveProgram(const ProcessSpec& spec) {
  const std::string& name = spec.argv[0];
  if (name.find('/') != std::string::npos) return name;
  std::string path;
  bool found_path = false;
  if (spec.env) {
    for (const auto& kv : *spec.env) {
      if (kv.rfind("PATH=", 0) == 0) {
        path = kv.substr(5);
        found_path = true;
      }
    }
  }
  if (!found_path) {
    const char* p = std::getenv("PATH");
    path = p ? p : "/usr/local/bin:/usr/bin:/bin";
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    if (IsExecutable(candidate)) return candidate;
    start = end + 1;
  }
  return Err(NotFound("program not found in PATH: " + name));
}

}  // namespace

std::string ProcessResult::Describe() const {
  std::string s;
  if (timed_out) {
    s = "timed out";
  } else if (signal != 0) {
    s = "killed by signal " + std::to_string(signal);
  } else {
    s = "exit " + std::to_string(exit_code);
  }
  std::string first = err.substr(0, err.find('\n'));
  if (first.empty()) first = out.substr(0, out.find('\n'));
  if (!first.empty()) s += ": " + first;
  return s;
}

Result<ProcessResult> SystemCommandRunner::Run(const ProcessSpec& spec) {
  if (spec.argv.empty()) return Err(InvalidArgument("empty argv"));
  if (spec.stdin_data.size() > kMaxStdin) return Err(InvalidArgument("stdin data over 64 KiB"));
  auto program = ResolveProgram(spec);
  if (!program) return Err(program.error());

  // Everything the child needs is prepared before fork: after fork, in a possibly
  // multi-threaded parent, the child may call only async-signal-safe functions.
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  char** child_env = environ;
  if (spec.env) {
    for (const auto& e : *spec.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    child_env = envp.data();
  }

  Fd in_r, in_w, out_r, out_w, err_r, err_w, exec_r, exec_w;
  if (Status st = MakePipe(in_r, in_w); !st.ok()) return Err(st);
  if (Status st = MakePipe(out_r, out_w); !st.ok()) return Err(st);
  if (Status st = MakePipe(err_r, err_w); !st.ok()) return Err(st);
  if (Status st = MakePipe(exec_r, exec_w); !st.ok()) return Err(st);  // reports an exec failure's errno
  // stdin fits in the pipe buffer: write it all now, so that the parent never writes to a
  // pipe whose reader may have exited (no SIGPIPE).
  size_t written = 0;
  while (written < spec.stdin_data.size()) {
    ssize_t n = ::write(in_w.get(), spec.stdin_data.data() + written, spec.stdin_data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Err(Errno("write stdin"));
    written += static_cast<size_t>(n);
  }
  in_w.Close();

  const char* path = program->c_str();
  pid_t pid = ::fork();
  if (pid < 0) return Err(Errno("fork"));
  if (pid == 0) {
    // Child. Own process group, so that a timeout kills whatever it started too.
    ::setpgid(0, 0);
    ::dup2(in_r.get(), 0);
    ::dup2(out_w.get(), 1);
    ::dup2(err_w.get(), 2);
    // The pipes are O_CLOEXEC; dup2'd copies are not. Other inherited descriptors are
    // closed so that the server's sockets and files do not leak into Slurm commands.
    int keep = exec_w.get();
    if (keep > 3) ::close_range(3, static_cast<unsigned>(keep - 1), 0);
    ::close_range(static_cast<unsigned>(keep + 1), ~0U, 0);
    ::execve(path, argv.data(), child_env);
    int e = errno;
    ssize_t ignored = ::write(keep, &e, sizeof e);
    (void)ignored;
    ::_exit(127);
  }
  // Parent.
  ::setpgid(pid, pid);  // also here: no race with the kill below
  in_r.Close();
  out_w.Close();
  err_w.Close();
  exec_w.Close();

  ProcessResult result;
  auto deadline = std::chrono::steady_clock::now() + spec.timeout;
  bool out_open = true, err_open = true;
  char buf[16384];
  while (out_open || err_open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[2];
    int nfds = 0;
    if (out_open) fds[nfds++] = {out_r.get(), POLLIN, 0};
    if (err_open) fds[nfds++] = {err_r.get(), POLLIN, 0};
    int rc = ::poll(fds, static_cast<nfds_t>(nfds), static_cast<int>(left.count()));
    if (rc < 0) {
      if (errno == EINTR) continue;
      result.timed_out = true;  // cannot wait any more: treat as overrun and kill
      break;
    }
    for (int i = 0; i < nfds; ++i) {
      if (fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      bool is_out = fds[i].fd == out_r.get();
      if (n <= 0) {
        (is_out ? out_open : err_open) = false;
      } else {
        (is_out ? result.out : result.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  if (result.timed_out) ::kill(-pid, SIGKILL);

  // Both pipes are closed; the program may still run (it closed them, or it was killed).
  int status = 0;
  while (true) {
    pid_t w = ::waitpid(pid, &status, result.timed_out ? 0 : WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) return Err(Errno("waitpid"));
    if (w == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        result.timed_out = true;
        ::kill(-pid, SIGKILL);
      } else {
        ::usleep(2000);
      }
    }
  }
  int exec_errno = 0;
  if (::read(exec_r.get(), &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
    errno = exec_errno;
    return Err(Errno("exec " + *program));
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace suanli::slurm
