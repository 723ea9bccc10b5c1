// What the node agent and the server say to each other over the authenticated HTTP API
// (POST /api/v1/agent/register, POST /api/v1/agent/sync). Both sides use these structs and
// their JSON forms, so the wire format is written once.
//
// A task is named by (job, task index, attempt): the attempt is the job's restart count, so a
// requeued gang's new tasks never collide with the old ones. The agent reports every task it
// knows in every sync (idempotent); the server answers with the tasks the node should run and
// the ones it should kill. Either side may restart at any time: the next sync reconciles.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "domain/types.h"

namespace suanli::exec {

using Json = nlohmann::json;

struct TaskKey {
  std::string job_id;
  int task = 0;
  int attempt = 0;
  std::string Str() const;  // "job-x/2/1"
  auto operator<=>(const TaskKey&) const = default;
};

struct TaskReport {
  TaskKey key;
  std::string state;  // running | succeeded | failed
  int exit_code = 0;
  std::string message;  // e.g. "killed by signal 9", "lost after agent restart"
  int64_t checkpoint_at_ms = 0;  // newest file in SUANLI_CHECKPOINT_DIR (Unix ms), 0 = none
};

struct LogChunk {
  TaskKey key;
  int64_t offset = 0;  // byte offset of `data` in the task's log
  std::string data;
};

struct DeviceFault {
  int device = 0;
  std::string kind;    // xid | ecc | health | lost
  std::string detail;  // "Xid 79: GPU has fallen off the bus"
};

struct Inventory {
  std::string name;  // host name, unique in the pool
  int cpu_cores = 0;
  int64_t memory_gib = 0;
  std::string cpu_model;
  std::vector<domain::NodeAccelerators> accelerators;  // catalog ids
  std::string supernode;
  std::map<std::string, std::string> labels;
};

struct RegisterRequest {
  std::string pool_id;  // may be empty when the token is scoped to a pool
  Inventory inventory;
};

struct RegisterReply {
  std::string node_id;
  int heartbeat_ms = 0;
  int node_timeout_ms = 0;
};

struct SyncRequest {
  std::string node_id;
  std::vector<TaskReport> tasks;
  std::vector<DeviceFault> faults;
  std::vector<LogChunk> logs;
  int wait_ms = 0;  // long poll: hold the answer up to this long while there is nothing to do
};

struct Assignment {
  TaskKey key;
  int tasks = 1;  // gang size
  std::string command;
  std::string ecosystem;
  int cpu_cores = 0;
  int64_t memory_gib = 0;
  std::vector<int> devices;
  std::map<std::string, std::string> env;
};

struct SyncReply {
  std::vector<Assignment> assign;
  std::vector<TaskKey> kill;
  std::map<std::string, int64_t> log_offsets;  // TaskKey::Str() -> bytes the server holds
};

// The environment variable that limits device visibility in an ecosystem
// (CUDA_VISIBLE_DEVICES, ASCEND_RT_VISIBLE_DEVICES, HIP_VISIBLE_DEVICES, ...).
std::string VisibleDevicesVar(const std::string& ecosystem);

// A task's checkpoint time (TaskReport::checkpoint_at_ms): the newest modification time, in Unix
// ms, of the regular files in `dir` and its direct subdirectories; 0 when there are none.
// The agent and the Slurm executor report it the same way.
int64_t NewestFileMs(const std::string& dir);

Json ToJson(const TaskKey& k);
Json ToJson(const RegisterRequest& r);
Json ToJson(const RegisterReply& r);
Json ToJson(const SyncRequest& r);
Json ToJson(const SyncReply& r);

// Parsers name the offending field in their InvalidArgument errors.
Result<TaskKey> TaskKeyFromJson(const Json& j, const std::string& path);
Result<RegisterRequest> RegisterRequestFromJson(const Json& j);
Result<RegisterReply> RegisterReplyFromJson(const Json& j);
Result<SyncRequest> SyncRequestFromJson(const Json& j);
Result<SyncReply> SyncReplyFromJson(const Json& j);

}  // namespace suanli::exec
