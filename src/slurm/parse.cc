#include "slurm/parse.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace suanli::slurm {
namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  for (auto line : Split(text, '\n')) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

template <class T>
std::optional<T> ToNumber(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string Upper(std::string_view s) {
  std::string u(s);
  for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

bool IsNull(std::string_view v) { return v.empty() || v == "(null)" || v == "N/A" || v == "None"; }

std::string Get(const std::map<std::string, std::string>& kv, const std::string& key) {
  auto it = kv.find(key);
  return it == kv.end() ? std::string() : it->second;
}

// A token starts a new key when it looks like "Key=...": a capital first letter and only
// key characters before the first '='. Anything else continues the previous value.
std::optional<size_t> KeyLength(std::string_view token) {
  size_t eq = token.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  if (!std::isupper(static_cast<unsigned char>(token[0]))) return std::nullopt;
  for (size_t i = 0; i < eq; ++i) {
    char c = token[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':' && c != '/') {
      return std::nullopt;
    }
  }
  return eq;
}

}  // namespace

std::string_view TaskStateName(TaskState s) {
  switch (s) {
    case TaskState::kPending: return "pending";
    case TaskState::kRunning: return "running";
    case TaskState::kSucceeded: return "succeeded";
    case TaskState::kFailed: return "failed";
    case TaskState::kCancelled: return "cancelled";
  }
  return "unknown";
}

std::map<std::string, std::string> ParseKeyValues(std::string_view line) {
  std::map<std::string, std::string> kv;
  std::string* last = nullptr;
  for (auto token : Split(line, ' ')) {
    if (token.empty()) continue;
    if (auto n = KeyLength(token)) {
      last = &(kv[std::string(token.substr(0, *n))] = std::string(token.substr(*n + 1)));
    } else if (last != nullptr) {
      *last += ' ';
      *last += token;
    }
  }
  return kv;
}

std::vector<GpuGres> ParseGpuGres(std::string_view gres) {
  std::vector<GpuGres> gpus;
  if (IsNull(gres)) return gpus;
  // Split on commas outside parentheses: "gpu:a:2(S:0-1),gpu:b:1(S:0,1)".
  std::vector<std::string_view> entries;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= gres.size(); ++i) {
    if (i == gres.size() || (gres[i] == ',' && depth == 0)) {
      entries.push_back(gres.substr(start, i - start));
      start = i + 1;
    } else if (gres[i] == '(') {
      ++depth;
    } else if (gres[i] == ')') {
      --depth;
    }
  }
  for (auto entry : entries) {
    entry = entry.substr(0, entry.find('('));
    auto parts = Split(entry, ':');
    if (parts.empty() || parts[0] != "gpu") continue;
    GpuGres g;
    if (parts.size() == 2) {
      g.count = ToNumber<int>(parts[1]).value_or(0);
    } else if (parts.size() >= 3) {
      g.type = std::string(parts[1]);
      g.count = ToNumber<int>(parts[2]).value_or(0);
    } else {
      g.count = 1;  // "gpu" alone means one
    }
    if (g.count > 0) gpus.push_back(std::move(g));
  }
  return gpus;
}

int GpuCountFromTres(std::string_view tres) {
  for (auto item : Split(tres, ',')) {
    constexpr std::string_view kKey = "gres/gpu=";
    if (item.substr(0, kKey.size()) == kKey) {
      return ToNumber<int>(item.substr(kKey.size())).value_or(0);
    }
  }
  return 0;
}

std::string MapNodeState(std::string_view slurm_state) {
  std::string base;
  std::vector<std::string> flags;
  bool first = true;
  const std::string upper = Upper(slurm_state);
  for (auto part : Split(upper, '+')) {
    std::string p(part);
    // sinfo-style suffixes ("down*", "idle~") mean not responding / powered down.
    while (!p.empty() && std::string_view("*~#!%$@^-").find(p.back()) != std::string_view::npos) {
      flags.push_back(p.back() == '*' ? "NOT_RESPONDING" : p.back() == '~' ? "POWERED_DOWN" : "");
      p.pop_back();
    }
    if (first) {
      base = p;
      first = false;
    } else {
      flags.push_back(p);
    }
  }
  auto has = [&](std::string_view f) { return std::find(flags.begin(), flags.end(), f) != flags.end(); };
  if (base == "DOWN" || base == "FUTURE" || base == "UNKNOWN" || base == "INVAL" || base == "FAIL" ||
      base == "DRAINED" || has("NOT_RESPONDING") || has("POWERED_DOWN") || has("POWERING_DOWN") ||
      has("POWER_DOWN") || has("FAIL") || has("INVALID_REG")) {
    // DRAINED as a base state is sinfo's word for an idle drained node: cordoned, not down.
    if (base == "DRAINED" && !has("NOT_RESPONDING")) return "cordoned";
    return "down";
  }
  bool busy = base == "ALLOCATED" || base == "MIXED" || base == "COMPLETING" || has("COMPLETING");
  if (base == "DRAINING" || has("FAILING")) return "draining";
  if (has("DRAIN")) return busy ? "draining" : "cordoned";
  if (base == "MAINT" || has("MAINTENANCE") || has("MAINT") || has("REBOOT_REQUESTED") ||
      has("REBOOT_ISSUED")) {
    return "cordoned";
  }
  if (base == "IDLE" || base == "MIXED" || base == "ALLOCATED" || base == "COMPLETING" ||
      base == "PLANNED" || base == "RESERVED") {
    return "ready";
  }
  return "down";  // a state we do not know: do not place work there
}

Result<std::vector<SlurmNode>> ParseNodes(std::string_view output) {
  std::vector<SlurmNode> nodes;
  for (auto line : Lines(output)) {
    auto kv = ParseKeyValues(line);
    SlurmNode n;
    n.name = Get(kv, "NodeName");
    if (n.name.empty()) return Err(Internal("scontrol show node: line without NodeName"));
    n.cpus = ToNumber<int>(Get(kv, "CPUTot")).value_or(0);
    n.cpus_allocated = ToNumber<int>(Get(kv, "CPUAlloc")).value_or(0);
    n.memory_mib = ToNumber<int64_t>(Get(kv, "RealMemory")).value_or(0);
    n.memory_allocated_mib = ToNumber<int64_t>(Get(kv, "AllocMem")).value_or(0);
    n.gpus = ParseGpuGres(Get(kv, "Gres"));
    // GresUsed (scontrol --details) is always there; AllocTRES counts GPUs only when
    // gres/gpu is in AccountingStorageTRES (which needs slurmdbd).
    n.gpus_allocated = GpuCountFromTres(Get(kv, "AllocTRES"));
    if (n.gpus_allocated == 0) {
      for (const auto& g : ParseGpuGres(Get(kv, "GresUsed"))) n.gpus_allocated += g.count;
    }
    std::string partitions = Get(kv, "Partitions");
    if (!IsNull(partitions)) {
      for (auto p : Split(partitions, ',')) n.partitions.emplace_back(p);
    }
    n.slurm_state = Get(kv, "State");
    n.state = MapNodeState(n.slurm_state);
    std::string reason = Get(kv, "Reason");
    if (!IsNull(reason)) n.reason = reason;
    nodes.push_back(std::move(n));
  }
  return nodes;
}

std::optional<TaskState> MapJobState(std::string_view slurm_state) {
  // sacct says "CANCELLED by 0"; squeue may add a '+' suffix on some versions.
  std::string s = Upper(slurm_state.substr(0, slurm_state.find(' ')));
  while (!s.empty() && s.back() == '+') s.pop_back();
  if (s.empty()) return std::nullopt;
  if (s == "PENDING" || s == "REQUEUED" || s == "REQUEUE_HOLD" || s == "REQUEUE_FED" ||
      s == "RESV_DEL_HOLD" || s == "CONFIGURING") {
    return TaskState::kPending;
  }
  if (s == "RUNNING" || s == "COMPLETING" || s == "SUSPENDED" || s == "STOPPED" || s == "SIGNALING" ||
      s == "STAGE_OUT" || s == "RESIZING") {
    return TaskState::kRunning;
  }
  if (s == "COMPLETED") return TaskState::kSucceeded;
  if (s == "CANCELLED" || s == "REVOKED") return TaskState::kCancelled;
  return TaskState::kFailed;
}

std::optional<ExitStatus> ParseExitCode(std::string_view text) {
  auto parts = Split(text, ':');
  if (parts.size() != 2) return std::nullopt;
  auto code = ToNumber<int>(parts[0]);
  auto sig = ToNumber<int>(parts[1]);
  if (!code || !sig) return std::nullopt;
  return ExitStatus{*code, *sig};
}

namespace {

// One row of the squeue and sacct formats: id|name|partition|state|<extra>|nodes, where extra is
// squeue's reason or sacct's exit code. The job name may itself contain '|': the id is taken
// from the left, the last four fields from the right, the name is what is between.
Result<SlurmJob> ParseJobRow(std::string_view line, std::string_view command, std::string& extra) {
  auto f = Split(line, '|');
  if (f.size() < 6) {
    return Err(Internal(std::string(command) + ": unexpected line: " + std::string(line)));
  }
  SlurmJob j;
  size_t n = f.size();
  j.id = std::string(f[0]);
  j.nodes = std::string(f[n - 1]);
  extra = std::string(f[n - 2]);
  j.slurm_state = std::string(f[n - 3]);
  j.partition = std::string(f[n - 4]);
  for (size_t i = 1; i + 4 < n; ++i) {
    if (i > 1) j.name += '|';
    j.name += f[i];
  }
  if (IsNull(j.nodes)) j.nodes.clear();
  return j;
}

}  // namespace

Result<std::vector<SlurmJob>> ParseSqueue(std::string_view output) {
  std::vector<SlurmJob> jobs;
  for (auto line : Lines(output)) {
    std::string reason;
    auto j = ParseJobRow(line, "squeue", reason);
    if (!j) return Err(j.error());
    if (!IsNull(reason)) j->reason = std::move(reason);
    jobs.push_back(std::move(*j));
  }
  return jobs;
}

Result<std::vector<SlurmJob>> ParseSacct(std::string_view output) {
  std::vector<SlurmJob> jobs;
  std::map<std::string, size_t> index;
  for (auto line : Lines(output)) {
    std::string exit;
    auto j = ParseJobRow(line, "sacct", exit);
    if (!j) return Err(j.error());
    if (j->id.find('.') != std::string::npos) continue;  // a step ("4711.batch"), not the job
    if (auto e = ParseExitCode(exit)) {
      j->exit_code = e->code;
      j->signal = e->signal;
    }
    auto it = index.find(j->id);
    if (it == index.end()) {
      index[j->id] = jobs.size();
      jobs.push_back(std::move(*j));
    } else {
      jobs[it->second] = std::move(*j);  // a requeued job: the last row wins
    }
  }
  return jobs;
}

Result<SlurmJob> ParseScontrolJob(std::string_view output) {
  auto lines = Lines(output);
  if (lines.empty()) return Err(NotFound("scontrol show job: no output"));
  auto kv = ParseKeyValues(lines.front());
  SlurmJob j;
  j.id = Get(kv, "JobId");
  if (j.id.empty()) return Err(Internal("scontrol show job: no JobId"));
  j.name = Get(kv, "JobName");
  j.partition = Get(kv, "Partition");
  j.slurm_state = Get(kv, "JobState");
  j.reason = Get(kv, "Reason");
  if (IsNull(j.reason)) j.reason.clear();
  j.nodes = Get(kv, "NodeList");
  if (IsNull(j.nodes)) j.nodes.clear();
  auto state = MapJobState(j.slurm_state);
  if (state && IsTerminal(*state)) {
    if (auto e = ParseExitCode(Get(kv, "ExitCode"))) {
      j.exit_code = e->code;
      j.signal = e->signal;
    }
  }
  return j;
}

std::optional<TaskKey> ParseTaskJobName(std::string_view name, std::string_view prefix) {
  if (name.size() <= prefix.size() + 1 || name.substr(0, prefix.size()) != prefix ||
      name[prefix.size()] != '-') {
    return std::nullopt;
  }
  std::string_view rest = name.substr(prefix.size() + 1);
  size_t last = rest.rfind('-');
  if (last == std::string_view::npos) return std::nullopt;
  size_t mid = rest.rfind('-', last - 1);
  if (last == 0 || mid == std::string_view::npos || mid == 0) return std::nullopt;
  auto attempt = ToNumber<int>(rest.substr(last + 1));
  auto task = ToNumber<int>(rest.substr(mid + 1, last - mid - 1));
  if (!attempt || !task || *attempt < 0 || *task < 0) return std::nullopt;
  return TaskKey{std::string(rest.substr(0, mid)), *task, *attempt};
}

std::string TaskJobName(std::string_view prefix, const TaskKey& key) {
  return std::string(prefix) + "-" + key.job_id + "-" + std::to_string(key.task_index) + "-" +
         std::to_string(key.attempt);
}

Result<std::string> ParseSbatchJobId(std::string_view output) {
  auto lines = Lines(output);
  if (lines.empty()) return Err(Internal("sbatch printed no job id"));
  std::string_view id = lines.back();
  id = id.substr(0, id.find(';'));
  if (id.empty() || !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Err(Internal("sbatch printed no job id: " + std::string(lines.back())));
  }
  return std::string(id);
}

}  // namespace suanli::slurm
