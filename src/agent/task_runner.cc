#include "agent/task_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

extern char** environ;

namespace suanli::agent {
namespace fs = std::filesystem;

namespace {

constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

bool WriteFile(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  return ok;
}

// Writes without allocating (used between fork and exec).
bool WriteRaw(const char* path, const char* text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, text, std::strlen(text)) == static_cast<ssize_t>(std::strlen(text));
  ::close(fd);
  return ok;
}

// The cgroup of a task with its limits, or "" when cgroups cannot be used here. Runs in the
// agent before fork, so it may allocate.
std::string PrepareCgroup(const exec::Assignment& a) {
  std::error_code ec;
  if (!fs::exists(std::string(kCgroupRoot) + "/cgroup.controllers", ec)) return "";
  const std::string parent = std::string(kCgroupRoot) + "/suanli";
  fs::create_directories(parent, ec);
  if (ec) return "";
  // Delegate the controllers down to the task cgroups (harmless when already enabled).
  WriteRaw((std::string(kCgroupRoot) + "/cgroup.subtree_control").c_str(), "+memory +cpu");
  WriteRaw((parent + "/cgroup.subtree_control").c_str(), "+memory +cpu");
  const std::string dir = parent + "/" + a.key.job_id + "." + std::to_string(a.key.task) + "." +
                          std::to_string(a.key.attempt);
  fs::create_directories(dir, ec);
  if (ec) return "";
  if (a.memory_gib > 0 &&
      !WriteRaw((dir + "/memory.max").c_str(), std::to_string(a.memory_gib << 30).c_str()))
    return "";
  if (a.cpu_cores > 0 &&
      !WriteRaw((dir + "/cpu.max").c_str(),
                (std::to_string(a.cpu_cores * 100000) + " 100000").c_str()))
    return "";
  return dir;
}

// Closes every descriptor from `first` up (between fork and exec: no allocation).
void CloseFrom(int first) {
  if (::close_range(static_cast<unsigned>(first), ~0U, 0) == 0) return;
  for (int fd = first; fd < 65536; ++fd) ::close(fd);
}

std::string Join(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

}  // namespace

TaskPaths TaskPaths::For(const std::string& work_dir, const exec::TaskKey& key) {
  TaskPaths p;
  p.dir = work_dir + "/tasks/" + key.job_id + "." + std::to_string(key.task) + "." +
          std::to_string(key.attempt);
  p.spec = p.dir + "/spec.json";
  p.output = p.dir + "/output.log";
  p.pid = p.dir + "/pid";
  p.exit_code = p.dir + "/exit_code";
  return p;
}

std::string LimitMechanism() {
  std::error_code ec;
  return fs::exists(std::string(kCgroupRoot) + "/cgroup.controllers", ec) ? "cgroup" : "rlimit";
}

Result<pid_t> Launch(const exec::Assignment& a, const LaunchOptions& o) {
  const TaskPaths p = TaskPaths::For(o.work_dir, a.key);
  std::error_code ec;
  fs::create_directories(p.dir, ec);
  if (ec) return Err(Internal("cannot create " + p.dir + ": " + ec.message()));
  const std::string ckpt = o.checkpoint_root + "/" + a.key.job_id + "/" + std::to_string(a.key.task);
  fs::create_directories(ckpt, ec);
  if (ec) return Err(Internal("cannot create " + ckpt + ": " + ec.message()));
  if (!WriteFile(p.spec, exec::ToJson(exec::SyncReply{{a}, {}, {}}).dump()))
    return Err(Internal("cannot write " + p.spec));

  // Everything the children need, prepared before fork.
  std::vector<std::string> env_strings;
  std::map<std::string, std::string> env(a.env.begin(), a.env.end());
  env["SUANLI_CHECKPOINT_DIR"] = ckpt;
  const std::string dev_var = exec::VisibleDevicesVar(a.ecosystem);
  if (!dev_var.empty()) env[dev_var] = Join(a.devices);
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos && !env.count(kv.substr(0, eq))) env_strings.push_back(kv);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string command = a.command;
  const std::string cgroup = o.use_cgroups ? PrepareCgroup(a) : "";
  const std::string cgroup_procs = cgroup.empty() ? "" : cgroup + "/cgroup.procs";
  const int64_t mem_bytes = a.memory_gib << 30;
  const std::string exit_tmp = p.exit_code + ".tmp";
  const std::string header = "[suanli-agent] task " + a.key.Str() + " on " + a.ecosystem +
                             (dev_var.empty() ? "" : " " + dev_var + "=" + Join(a.devices)) +
                             ", limits by " + (cgroup.empty() ? "rlimit" : "cgroup") + "\n";
  int out = ::open(p.output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) return Err(Internal("cannot open " + p.output));
  (void)!::write(out, header.data(), header.size());

  pid_t shim = ::fork();
  if (shim < 0) {
    ::close(out);
    return Err(Internal(std::string("fork: ") + std::strerror(errno)));
  }
  if (shim == 0) {
    ::setsid();
    if (!cgroup_procs.empty()) WriteRaw(cgroup_procs.c_str(), "0");
    pid_t child = ::fork();
    if (child == 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
      int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, 0);
      CloseFrom(3);  // the task gets nothing of the agent's (its server connection, pipes)
      if (cgroup_procs.empty() && mem_bytes > 0) {
        struct rlimit rl {static_cast<rlim_t>(mem_bytes), static_cast<rlim_t>(mem_bytes)};
        ::setrlimit(RLIMIT_AS, &rl);
      }
      if (::chdir(ckpt.c_str()) != 0) _exit(126);
      const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
      ::execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
      _exit(127);
    }
    // The shim holds nothing of the agent's either: a pipe the agent's caller reads (a test
    // runner, a terminal) must not stay open until the task ends.
    if (int null = ::open("/dev/null", O_RDWR); null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    CloseFrom(3);
    ::signal(SIGTERM, SIG_IGN);  // the shim outlives a polite stop to record the exit code
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGHUP, SIG_IGN);
    int status = 0;
    int code = 255;
    if (child > 0) {
      while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
      }
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    char buf[16];
    int n = std::snprintf(buf, sizeof buf, "%d\n", code);
    int fd = ::open(exit_tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      (void)!::write(fd, buf, static_cast<size_t>(n));
      ::fsync(fd);
      ::close(fd);
      ::rename(exit_tmp.c_str(), p.exit_code.c_str());
    }
    _exit(0);
  }
  ::close(out);
  if (!WriteFile(p.pid, std::to_string(shim) + "\n")) {
    SignalGroup(shim, SIGKILL);
    return Err(Internal("cannot write " + p.pid));
  }
  return shim;
}

std::optional<int> ReadExitCode(const TaskPaths& p) {
  std::ifstream in(p.exit_code);
  int code = 0;
  if (in >> code) return code;
  return std::nullopt;
}

bool Alive(pid_t pid) {
  if (pid <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == pid) return false;  // reaped now
  if (r == 0) return true;     // our child, still running
  return ::kill(pid, 0) == 0;  // not our child (adopted after a restart)
}

void SignalGroup(pid_t pid, int sig) {
  if (pid > 0) ::kill(-pid, sig);
}

bool GroupAlive(pid_t pid) { return pid > 0 && ::kill(-pid, 0) == 0; }

}  // namespace suanli::agent
