#include "agent/agent.h"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace suanli::agent {
namespace fs = std::filesystem;

namespace {

constexpr int64_t kMaxChunk = 64 * 1024;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Log(const std::string& msg) {
  std::fprintf(stderr, "suanli agent: %s\n", msg.c_str());
  std::fflush(stderr);
}

// "job-abc.2.1" -> key.
std::optional<exec::TaskKey> ParseDirName(const std::string& name) {
  auto b = name.rfind('.');
  if (b == std::string::npos || b == 0) return std::nullopt;
  auto a = name.rfind('.', b - 1);
  if (a == std::string::npos || a == 0) return std::nullopt;
  try {
    return exec::TaskKey{name.substr(0, a), std::stoi(name.substr(a + 1, b - a - 1)),
                         std::stoi(name.substr(b + 1))};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Output bytes as JSON-safe text of the same length: bytes of broken UTF-8 become '?', and an
// incomplete sequence at the end is held back for the next chunk (unless `final`).
std::string SafeUtf8(std::string s, bool final) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0) {
      s[i++] = '?';
      continue;
    }
    if (i + len > s.size()) {
      if (!final) {
        s.resize(i);
        break;
      }
      for (; i < s.size(); ++i) s[i] = '?';
      break;
    }
    bool ok = true;
    for (size_t k = 1; k < len; ++k)
      ok = ok && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (!ok) {
      s[i++] = '?';
      continue;
    }
    i += len;
  }
  return s;
}

Status StatusFromReply(const client::HttpResponse& r) {
  std::string msg = "HTTP " + std::to_string(r.status);
  std::string field;
  try {
    auto j = exec::Json::parse(r.body);
    msg = j["error"].value("message", msg);
    field = j["error"].value("field", "");
  } catch (const std::exception&) {
  }
  switch (r.status) {
    case 400: return InvalidArgument(msg, field);
    case 401: return Unauthenticated(msg);
    case 403: return PermissionDenied(msg);
    case 404: return NotFound(msg, field);
    case 409: return FailedPrecondition(msg, field);
    default: return Unavailable(msg);
  }
}

bool Fatal(const Status& s) {
  return s.code() == StatusCode::kUnauthenticated || s.code() == StatusCode::kPermissionDenied ||
         s.code() == StatusCode::kInvalidArgument;
}

}  // namespace

Agent::Agent(AgentOptions o) : o_(std::move(o)) {
  // Tasks run in their checkpoint directory: every path handed to them must be absolute.
  std::error_code ec;
  o_.work_dir = fs::absolute(o_.work_dir, ec).lexically_normal().string();
  if (!o_.checkpoint_root.empty())
    o_.checkpoint_root = fs::absolute(o_.checkpoint_root, ec).lexically_normal().string();
  if (o_.checkpoint_root.empty()) o_.checkpoint_root = o_.work_dir + "/checkpoints";
  if (o_.fault_file.empty()) o_.fault_file = o_.work_dir + "/inject-faults";
}

Status Agent::Run(const std::atomic<bool>& stop) {
  std::error_code ec;
  fs::create_directories(o_.work_dir + "/tasks", ec);
  if (ec) return InvalidArgument("cannot create " + o_.work_dir + ": " + ec.message(), "work-dir");
  auto http = client::HttpClient::Create(o_.server, o_.token);
  if (!http) return http.error();
  http_ = std::move(*http);
  http_->set_timeout_ms(o_.wait_ms + 15000);
  Recover();
  while (!stop.load()) {
    if (node_id_.empty()) {
      Status s = Register();
      if (!s.ok()) {
        if (Fatal(s)) return s;
        Log("cannot register yet: " + s.ToString());
        std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
    }
    Observe();
    auto reply = SyncOnce();
    if (!reply) {
      const Status& s = reply.error();
      if (s.code() == StatusCode::kNotFound || s.code() == StatusCode::kFailedPrecondition) {
        Log("the server no longer knows this node; registering again");
        node_id_.clear();
        continue;
      }
      if (s.code() == StatusCode::kUnauthenticated || s.code() == StatusCode::kPermissionDenied)
        return s;
      Log("sync failed: " + s.ToString());
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    Apply(*reply);
  }
  return OkStatus();
}

Status Agent::Register() {
  DetectedDevices devices;
  auto inv = DetectInventory(o_.inventory, &devices);
  if (!inv) return inv.error();
  exec::RegisterRequest req{o_.pool_id, *inv};
  auto r = http_->Post("/api/v1/agent/register", exec::ToJson(req).dump());
  if (!r) return r.error();
  if (r->status != 200) return StatusFromReply(*r);
  try {
    auto reply = exec::RegisterReplyFromJson(exec::Json::parse(r->body));
    if (!reply) return reply.error();
    node_id_ = reply->node_id;
  } catch (const std::exception& e) {
    return Unavailable(std::string("bad register reply: ") + e.what());
  }
  std::string listed;
  for (const auto& a : inv->accelerators) listed += " " + std::to_string(a.count) + "x" + a.model;
  Log("registered " + inv->name + " as node " + node_id_ + " (" + std::to_string(inv->cpu_cores) +
      " cores, " + std::to_string(inv->memory_gib) + " GiB" + listed + ")");
  if (!health_ && devices.tool && o_.health.interval_ms > 0) {
    health_ = std::make_unique<HealthPoller>(*devices.tool, devices.program, devices.devices,
                                             o_.health, RunTool, Log);
    health_->Start();
    Log("polling " + devices.program + " for device health every " +
        std::to_string(o_.health.interval_ms) + " ms");
  }
  return OkStatus();
}

// Finds the tasks of an earlier run of the agent in the work directory.
void Agent::Recover() {
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(o_.work_dir + "/tasks", ec)) {
    if (!d.is_directory() || fs::exists(d.path() / "done")) continue;
    auto key = ParseDirName(d.path().filename().string());
    if (!key) continue;
    TaskPaths p = TaskPaths::For(o_.work_dir, *key);
    Task t;
    t.key = *key;
    std::ifstream pid(p.pid);
    pid >> t.pid;
    if (auto code = ReadExitCode(p)) {
      t.state = *code == 0 ? "succeeded" : "failed";
      t.exit_code = *code;
    } else if (!Alive(t.pid)) {
      t.state = "failed";
      t.exit_code = -1;
      t.message = "lost: its supervisor ended without an exit code";
    }
    Log("recovered task " + key->Str() + " (" + t.state + ")");
    tasks_[*key] = t;
  }
}

void Agent::Observe() {
  const int64_t now = NowMs();
  for (auto& [key, t] : tasks_) {
    if (t.state != "running") continue;
    if (t.kill_at_ms > 0 && now >= t.kill_at_ms) {
      SignalGroup(t.pid, SIGKILL);
      t.kill_at_ms = 0;
    }
    if (Alive(t.pid)) continue;
    TaskPaths p = TaskPaths::For(o_.work_dir, key);
    if (auto code = ReadExitCode(p)) {
      t.state = *code == 0 ? "succeeded" : "failed";
      t.exit_code = *code;
      if (*code > 128) t.message = "killed by signal " + std::to_string(*code - 128);
    } else {
      t.state = "failed";
      t.exit_code = 137;
      t.message = "killed";
    }
    Log("task " + key.Str() + " " + t.state + " (exit " + std::to_string(t.exit_code) + ")");
  }
}

std::vector<exec::DeviceFault> Agent::TakeInjectedFaults() {
  std::vector<exec::DeviceFault> out;
  std::ifstream in(o_.fault_file);
  if (!in) return out;
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    exec::DeviceFault f;
    if (!(ss >> f.device >> f.kind)) continue;
    std::getline(ss, f.detail);
    while (!f.detail.empty() && f.detail[0] == ' ') f.detail.erase(0, 1);
    out.push_back(f);
  }
  in.close();
  std::error_code ec;
  fs::remove(o_.fault_file, ec);
  for (const auto& f : out) Log("device " + std::to_string(f.device) + " fault: " + f.kind + " " + f.detail);
  return out;
}

Result<exec::SyncReply> Agent::SyncOnce() {
  exec::SyncRequest req;
  req.node_id = node_id_;
  req.wait_ms = o_.wait_ms;
  for (auto& f : TakeInjectedFaults()) pending_faults_.push_back(std::move(f));
  if (health_)
    for (auto& f : health_->Take()) pending_faults_.push_back(std::move(f));
  req.faults = pending_faults_;
  std::vector<exec::TaskKey> finals;
  for (const auto& [key, t] : tasks_) {
    exec::TaskReport report;
    report.key = key;
    report.state = t.state;
    report.exit_code = t.exit_code;
    report.message = t.message;
    report.checkpoint_at_ms =
        exec::NewestFileMs(o_.checkpoint_root + "/" + key.job_id + "/" + std::to_string(key.task));
    req.tasks.push_back(std::move(report));
    if (t.state != "running") finals.push_back(key);
    TaskPaths p = TaskPaths::For(o_.work_dir, key);
    std::error_code ec;
    const auto size = static_cast<int64_t>(fs::file_size(p.output, ec));
    if (ec || size <= t.sent) continue;
    std::ifstream in(p.output, std::ios::binary);
    in.seekg(t.sent);
    std::string data(static_cast<size_t>(std::min(kMaxChunk, size - t.sent)), '\0');
    in.read(data.data(), static_cast<std::streamsize>(data.size()));
    data.resize(static_cast<size_t>(in.gcount()));
    const bool at_end = t.sent + static_cast<int64_t>(data.size()) >= size && t.state != "running";
    data = SafeUtf8(std::move(data), at_end);
    if (!data.empty()) req.logs.push_back({key, t.sent, std::move(data)});
  }
  if (!req.faults.empty()) req.wait_ms = 0;
  auto r = http_->Post("/api/v1/agent/sync", exec::ToJson(req).dump());
  if (!r) return Err(r.error());
  if (r->status != 200) return Err(StatusFromReply(*r));
  pending_faults_.clear();
  for (const auto& k : finals) tasks_[k].report_final = true;
  try {
    return exec::SyncReplyFromJson(exec::Json::parse(r->body));
  } catch (const std::exception& e) {
    return Err(Unavailable(std::string("bad sync reply: ") + e.what()));
  }
}

void Agent::Apply(const exec::SyncReply& reply) {
  for (auto& [key, t] : tasks_) {
    auto it = reply.log_offsets.find(key.Str());
    if (it != reply.log_offsets.end()) t.sent = it->second;
  }
  for (const auto& k : reply.kill) {
    auto it = tasks_.find(k);
    if (it == tasks_.end() || it->second.state != "running" || it->second.kill_at_ms) continue;
    Log("killing task " + k.Str() + " (the server no longer wants it)");
    SignalGroup(it->second.pid, SIGTERM);
    it->second.kill_at_ms = NowMs() + o_.kill_grace_ms;
  }
  for (const auto& a : reply.assign) {
    if (tasks_.count(a.key)) continue;
    Task t;
    t.key = a.key;
    if (a.command.empty()) {
      t.state = "failed";
      t.exit_code = -1;
      t.message = "the job has no command for ecosystem " + a.ecosystem;
    } else {
      auto pid = Launch(a, {o_.work_dir, o_.checkpoint_root, o_.use_cgroups});
      if (pid) {
        t.pid = *pid;
        Log("started task " + a.key.Str() + " (pid " + std::to_string(*pid) + "): " + a.command);
      } else {
        t.state = "failed";
        t.exit_code = -1;
        t.message = "could not start: " + pid.error().message();
      }
    }
    tasks_[a.key] = t;
  }
  // Tasks whose end the server has durably recorded, with all their output sent, are done.
  std::vector<exec::TaskKey> done;
  for (const auto& [key, t] : tasks_) {
    if (!t.report_final) continue;
    std::error_code ec;
    const auto size = fs::file_size(TaskPaths::For(o_.work_dir, key).output, ec);
    if (ec || t.sent >= static_cast<int64_t>(size)) done.push_back(key);
  }
  for (const auto& k : done) Forget(k);
}

void Agent::Forget(const exec::TaskKey& key) {
  TaskPaths p = TaskPaths::For(o_.work_dir, key);
  std::ofstream(p.dir + "/done") << "reported\n";
  std::error_code ec;
  fs::remove("/sys/fs/cgroup/suanli/" + key.job_id + "." + std::to_string(key.task) + "." +
                 std::to_string(key.attempt),
             ec);
  tasks_.erase(key);
}

}  // namespace suanli::agent
