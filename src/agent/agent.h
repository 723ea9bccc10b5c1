// `suanli agent`: the node agent. Registers its machine into a pool, then syncs with the
// server in a loop (exec/protocol.h): it reports every task it knows, the new output of each,
// and device faults; it starts what the server assigns and kills what the server no longer
// wants. Tasks are real processes (task_runner.h) that survive an agent restart; the agent's
// state lives in its work directory, so a restarted agent finds its tasks again.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "agent/health_poller.h"
#include "agent/inventory.h"
#include "agent/task_runner.h"
#include "client/http_client.h"
#include "exec/protocol.h"

namespace suanli::agent {

struct AgentOptions {
  std::string server = "http://127.0.0.1:8080";
  std::string token;
  std::string pool_id;      // empty when the token is scoped to a pool
  std::string work_dir = "suanli-agent";
  std::string checkpoint_root;  // default <work_dir>/checkpoints (a shared mount in production)
  InventoryOptions inventory;
  int wait_ms = 1000;        // long-poll hold per sync
  int kill_grace_ms = 5000;  // SIGTERM, then SIGKILL after this
  bool use_cgroups = true;
  // A file the agent polls for injected device faults, one per line: "DEVICE KIND DETAIL…"
  // (simulated devices have no vendor tool to report Xid or ECC errors). Default
  // <work_dir>/inject-faults.
  std::string fault_file;
  // Polling the vendor tool (and the kernel log for NVIDIA Xids) for device faults; not done
  // for simulated devices or when interval_ms is 0.
  HealthOptions health;
};

class Agent {
 public:
  explicit Agent(AgentOptions o);
  // Runs until `stop` becomes true. Returns non-OK only for errors that retrying cannot fix
  // (bad token, bad inventory).
  Status Run(const std::atomic<bool>& stop);
  const std::string& node_id() const { return node_id_; }

 private:
  struct Task {
    exec::TaskKey key;
    pid_t pid = 0;
    std::string state = "running";  // running | succeeded | failed
    int exit_code = 0;
    std::string message;
    int64_t sent = 0;       // output bytes the server holds
    int64_t kill_at_ms = 0; // SIGKILL deadline after a SIGTERM (0 = not being killed)
    bool report_final = false;  // the final state was sent in a successful sync
  };
  Status Register();
  void Recover();
  void Observe();
  Result<exec::SyncReply> SyncOnce();
  void Apply(const exec::SyncReply& reply);
  void Forget(const exec::TaskKey& key);
  std::vector<exec::DeviceFault> TakeInjectedFaults();

  AgentOptions o_;
  std::unique_ptr<client::HttpClient> http_;
  std::string node_id_;
  std::map<exec::TaskKey, Task> tasks_;
  std::vector<exec::DeviceFault> pending_faults_;
  std::unique_ptr<HealthPoller> health_;
};

}  // namespace suanli::agent
