#include "exec/protocol.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

// In the Result-returning parsers below: return the first field error.
#define TRY_FIELD(expr)                         \
  do {                                          \
    ::suanli::Status _st = (expr);              \
    if (!_st.ok()) return ::suanli::Err(_st);   \
  } while (0)

namespace suanli::exec {
namespace {

Status Bad(const std::string& path, const std::string& why) { return InvalidArgument(why, path); }

Status ReadString(const Json& j, const char* key, const std::string& path, bool required,
                  size_t max_len, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return Bad(path + key, "is required");
    return OkStatus();
  }
  if (!it->is_string()) return Bad(path + key, "must be a string");
  if (it->get_ref<const std::string&>().size() > max_len)
    return Bad(path + key, "longer than " + std::to_string(max_len) + " bytes");
  *out = it->get<std::string>();
  return OkStatus();
}

template <class I>
Status ReadInt(const Json& j, const char* key, const std::string& path, int64_t lo, int64_t hi,
               I* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return OkStatus();
  if (!it->is_number_integer()) return Bad(path + key, "must be an integer");
  int64_t v = it->get<int64_t>();
  if (v < lo || v > hi)
    return Bad(path + key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  *out = static_cast<I>(v);
  return OkStatus();
}

Status ReadArray(const Json& j, const char* key, const std::string& path, size_t max_items,
                 const Json** out) {
  auto it = j.find(key);
  *out = nullptr;
  if (it == j.end() || it->is_null()) return OkStatus();
  if (!it->is_array()) return Bad(path + key, "must be an array");
  if (it->size() > max_items)
    return Bad(path + key, "more than " + std::to_string(max_items) + " items");
  *out = &*it;
  return OkStatus();
}

Status ReadStringMap(const Json& j, const char* key, const std::string& path,
                     std::map<std::string, std::string>* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return OkStatus();
  if (!it->is_object() || it->size() > 64) return Bad(path + key, "must be an object of strings");
  for (auto e = it->begin(); e != it->end(); ++e) {
    if (!e.value().is_string()) return Bad(path + key + "." + e.key(), "must be a string");
    (*out)[e.key()] = e.value().get<std::string>();
  }
  return OkStatus();
}

Status RequireObject(const Json& j, const std::string& path) {
  if (!j.is_object()) return Bad(path.empty() ? "body" : path.substr(0, path.size() - 1),
                                 "must be a JSON object");
  return OkStatus();
}

std::string Item(const std::string& path, const char* key, size_t i) {
  return path + key + "[" + std::to_string(i) + "].";
}

Result<Inventory> InventoryFromJson(const Json& j, const std::string& path) {
  TRY_FIELD(RequireObject(j, path));
  Inventory inv;
  TRY_FIELD(ReadString(j, "name", path, true, 200, &inv.name));
  if (inv.name.empty()) return Err(Bad(path + "name", "must not be empty"));
  TRY_FIELD(ReadInt(j, "cpu_cores", path, 1, 4096, &inv.cpu_cores));
  TRY_FIELD(ReadInt(j, "memory_gib", path, 1, 65536, &inv.memory_gib));
  if (inv.cpu_cores == 0) return Err(Bad(path + "cpu_cores", "is required"));
  if (inv.memory_gib == 0) return Err(Bad(path + "memory_gib", "is required"));
  TRY_FIELD(ReadString(j, "cpu_model", path, false, 200, &inv.cpu_model));
  TRY_FIELD(ReadString(j, "supernode", path, false, 200, &inv.supernode));
  TRY_FIELD(ReadStringMap(j, "labels", path, &inv.labels));
  const Json* accs = nullptr;
  TRY_FIELD(ReadArray(j, "accelerators", path, 8, &accs));
  if (accs) {
    for (size_t i = 0; i < accs->size(); ++i) {
      const std::string p = Item(path, "accelerators", i);
      TRY_FIELD(RequireObject((*accs)[i], p));
      domain::NodeAccelerators a;
      TRY_FIELD(ReadString((*accs)[i], "model", p, true, 100, &a.model));
      TRY_FIELD(ReadInt((*accs)[i], "count", p, 1, 64, &a.count));
      if (a.count == 0) return Err(Bad(p + "count", "is required"));
      inv.accelerators.push_back(std::move(a));
    }
  }
  return inv;
}

Json InventoryJson(const Inventory& inv) {
  Json accs = Json::array();
  for (const auto& a : inv.accelerators) accs.push_back({{"model", a.model}, {"count", a.count}});
  Json j = {{"name", inv.name},           {"cpu_cores", inv.cpu_cores},
            {"memory_gib", inv.memory_gib}, {"cpu_model", inv.cpu_model},
            {"accelerators", accs},       {"supernode", inv.supernode}};
  if (!inv.labels.empty()) j["labels"] = inv.labels;
  return j;
}

}  // namespace

std::string TaskKey::Str() const {
  return job_id + "/" + std::to_string(task) + "/" + std::to_string(attempt);
}

int64_t NewestFileMs(const std::string& dir) {
  int64_t newest = 0;
  std::error_code ec;
  auto consider = [&](const std::filesystem::directory_entry& e) {
    if (!e.is_regular_file(ec)) return;
    auto t = std::filesystem::last_write_time(e.path(), ec);
    if (ec) return;
    auto sys = std::chrono::file_clock::to_sys(t);
    newest = std::max<int64_t>(
        newest, std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count());
  };
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    consider(e);
    if (e.is_directory(ec))
      for (const auto& f : std::filesystem::directory_iterator(e.path(), ec)) consider(f);
  }
  return newest;
}

std::string VisibleDevicesVar(const std::string& ecosystem) {
  if (ecosystem == "CUDA") return "CUDA_VISIBLE_DEVICES";
  if (ecosystem == "CANN") return "ASCEND_RT_VISIBLE_DEVICES";
  if (ecosystem == "DTK" || ecosystem == "ROCm") return "HIP_VISIBLE_DEVICES";
  if (ecosystem == "Neuware") return "MLU_VISIBLE_DEVICES";
  if (ecosystem == "XPU") return "XPU_VISIBLE_DEVICES";
  if (ecosystem == "MUSA") return "MUSA_VISIBLE_DEVICES";
  return "";
}

Json ToJson(const TaskKey& k) { return {{"job_id", k.job_id}, {"task", k.task}, {"attempt", k.attempt}}; }

Json ToJson(const RegisterRequest& r) {
  Json j = {{"inventory", InventoryJson(r.inventory)}};
  if (!r.pool_id.empty()) j["pool_id"] = r.pool_id;
  return j;
}

Json ToJson(const RegisterReply& r) {
  return {{"node_id", r.node_id},
          {"heartbeat_ms", r.heartbeat_ms},
          {"node_timeout_ms", r.node_timeout_ms}};
}

Json ToJson(const SyncRequest& r) {
  Json tasks = Json::array(), faults = Json::array(), logs = Json::array();
  for (const auto& t : r.tasks) {
    Json x = ToJson(t.key);
    x["state"] = t.state;
    x["exit_code"] = t.exit_code;
    if (!t.message.empty()) x["message"] = t.message;
    if (t.checkpoint_at_ms > 0) x["checkpoint_at_ms"] = t.checkpoint_at_ms;
    tasks.push_back(std::move(x));
  }
  for (const auto& f : r.faults)
    faults.push_back({{"device", f.device}, {"kind", f.kind}, {"detail", f.detail}});
  for (const auto& l : r.logs) {
    Json x = ToJson(l.key);
    x["offset"] = l.offset;
    x["data"] = l.data;
    logs.push_back(std::move(x));
  }
  return {{"node_id", r.node_id}, {"tasks", tasks},     {"faults", faults},
          {"logs", logs},         {"wait_ms", r.wait_ms}};
}

Json ToJson(const SyncReply& r) {
  Json assign = Json::array(), kill = Json::array();
  for (const auto& a : r.assign) {
    Json x = ToJson(a.key);
    x["tasks"] = a.tasks;
    x["command"] = a.command;
    x["ecosystem"] = a.ecosystem;
    x["cpu_cores"] = a.cpu_cores;
    x["memory_gib"] = a.memory_gib;
    x["devices"] = a.devices;
    x["env"] = a.env;
    assign.push_back(std::move(x));
  }
  for (const auto& k : r.kill) kill.push_back(ToJson(k));
  return {{"assign", assign}, {"kill", kill}, {"log_offsets", r.log_offsets}};
}

Result<TaskKey> TaskKeyFromJson(const Json& j, const std::string& path) {
  TRY_FIELD(RequireObject(j, path));
  TaskKey k;
  TRY_FIELD(ReadString(j, "job_id", path, true, 100, &k.job_id));
  TRY_FIELD(ReadInt(j, "task", path, 0, 100000, &k.task));
  TRY_FIELD(ReadInt(j, "attempt", path, 0, 1000000, &k.attempt));
  return k;
}

Result<RegisterRequest> RegisterRequestFromJson(const Json& j) {
  TRY_FIELD(RequireObject(j, ""));
  RegisterRequest r;
  TRY_FIELD(ReadString(j, "pool_id", "", false, 100, &r.pool_id));
  auto it = j.find("inventory");
  if (it == j.end()) return Err(Bad("inventory", "is required"));
  auto inv = InventoryFromJson(*it, "inventory.");
  if (!inv) return Err(inv.error());
  r.inventory = std::move(*inv);
  return r;
}

Result<RegisterReply> RegisterReplyFromJson(const Json& j) {
  TRY_FIELD(RequireObject(j, ""));
  RegisterReply r;
  TRY_FIELD(ReadString(j, "node_id", "", true, 100, &r.node_id));
  TRY_FIELD(ReadInt(j, "heartbeat_ms", "", 0, 3600000, &r.heartbeat_ms));
  TRY_FIELD(ReadInt(j, "node_timeout_ms", "", 0, 3600000, &r.node_timeout_ms));
  return r;
}

Result<SyncRequest> SyncRequestFromJson(const Json& j) {
  TRY_FIELD(RequireObject(j, ""));
  SyncRequest r;
  TRY_FIELD(ReadString(j, "node_id", "", true, 100, &r.node_id));
  TRY_FIELD(ReadInt(j, "wait_ms", "", 0, 60000, &r.wait_ms));
  const Json* a = nullptr;
  TRY_FIELD(ReadArray(j, "tasks", "", 4096, &a));
  for (size_t i = 0; a && i < a->size(); ++i) {
    const std::string p = Item("", "tasks", i);
    auto key = TaskKeyFromJson((*a)[i], p);
    if (!key) return Err(key.error());
    TaskReport t;
    t.key = *key;
    TRY_FIELD(ReadString((*a)[i], "state", p, true, 20, &t.state));
    if (t.state != "running" && t.state != "succeeded" && t.state != "failed")
      return Err(Bad(p + "state", "must be running, succeeded or failed"));
    TRY_FIELD(ReadInt((*a)[i], "exit_code", p, -1000, 1000, &t.exit_code));
    TRY_FIELD(ReadString((*a)[i], "message", p, false, 500, &t.message));
    TRY_FIELD(ReadInt((*a)[i], "checkpoint_at_ms", p, 0, INT64_MAX / 2, &t.checkpoint_at_ms));
    r.tasks.push_back(std::move(t));
  }
  TRY_FIELD(ReadArray(j, "faults", "", 64, &a));
  for (size_t i = 0; a && i < a->size(); ++i) {
    const std::string p = Item("", "faults", i);
    TRY_FIELD(RequireObject((*a)[i], p));
    DeviceFault f;
    TRY_FIELD(ReadInt((*a)[i], "device", p, 0, 63, &f.device));
    TRY_FIELD(ReadString((*a)[i], "kind", p, true, 20, &f.kind));
    TRY_FIELD(ReadString((*a)[i], "detail", p, false, 500, &f.detail));
    r.faults.push_back(std::move(f));
  }
  TRY_FIELD(ReadArray(j, "logs", "", 4096, &a));
  for (size_t i = 0; a && i < a->size(); ++i) {
    const std::string p = Item("", "logs", i);
    auto key = TaskKeyFromJson((*a)[i], p);
    if (!key) return Err(key.error());
    LogChunk l{*key, 0, ""};
    TRY_FIELD(ReadInt((*a)[i], "offset", p, 0, INT64_MAX / 2, &l.offset));
    TRY_FIELD(ReadString((*a)[i], "data", p, true, 256 * 1024, &l.data));
    r.logs.push_back(std::move(l));
  }
  return r;
}

Result<SyncReply> SyncReplyFromJson(const Json& j) {
  TRY_FIELD(RequireObject(j, ""));
  SyncReply r;
  const Json* a = nullptr;
  TRY_FIELD(ReadArray(j, "assign", "", 4096, &a));
  for (size_t i = 0; a && i < a->size(); ++i) {
    const std::string p = Item("", "assign", i);
    const Json& x = (*a)[i];
    auto key = TaskKeyFromJson(x, p);
    if (!key) return Err(key.error());
    Assignment as;
    as.key = *key;
    TRY_FIELD(ReadInt(x, "tasks", p, 1, 100000, &as.tasks));
    TRY_FIELD(ReadString(x, "command", p, true, 64 * 1024, &as.command));
    TRY_FIELD(ReadString(x, "ecosystem", p, false, 50, &as.ecosystem));
    TRY_FIELD(ReadInt(x, "cpu_cores", p, 0, 4096, &as.cpu_cores));
    TRY_FIELD(ReadInt(x, "memory_gib", p, 0, 65536, &as.memory_gib));
    TRY_FIELD(ReadStringMap(x, "env", p, &as.env));
    const Json* devs = nullptr;
    TRY_FIELD(ReadArray(x, "devices", p, 64, &devs));
    for (size_t d = 0; devs && d < devs->size(); ++d) {
      if (!(*devs)[d].is_number_integer()) return Err(Bad(p + "devices", "must be integers"));
      as.devices.push_back((*devs)[d].get<int>());
    }
    r.assign.push_back(std::move(as));
  }
  TRY_FIELD(ReadArray(j, "kill", "", 4096, &a));
  for (size_t i = 0; a && i < a->size(); ++i) {
    auto key = TaskKeyFromJson((*a)[i], Item("", "kill", i));
    if (!key) return Err(key.error());
    r.kill.push_back(*key);
  }
  auto it = j.find("log_offsets");
  if (it != j.end() && it->is_object())
    for (auto e = it->begin(); e != it->end(); ++e)
      if (e.value().is_number_integer()) r.log_offsets[e.key()] = e.value().get<int64_t>();
  return r;
}

}  // namespace suanli::exec
