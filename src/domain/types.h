// The platform's resources, as plain structs. Field meanings and validation live in the
// schemas (resources.cc); capacity arithmetic in capacity.h.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/clock.h"

namespace suanli::domain {

// Fields every stored resource has.
struct Meta {
  std::string id;
  std::string org_id;  // owning organisation ("" for platform-wide records like the catalog)
  int64_t version = 0;  // bumped on every change; clients send it back to detect conflicts
  Timestamp created_at;
  Timestamp updated_at;
};

inline const std::vector<std::string> kOrgRoles = {"supplier", "buyer", "operator", "regulator"};
inline const std::vector<std::string> kUserRoles = {"admin", "member", "viewer"};
inline const std::vector<std::string> kTiers = {"hub", "region", "edge"};
inline const std::vector<std::string> kKinds = {"general", "ai", "hpc"};
inline const std::vector<std::string> kDrivers = {"agent", "slurm"};
inline const std::vector<std::string> kNodeStates = {"ready", "draining", "cordoned", "down"};
// Who runs a node's tasks: nobody yet (placed work waits), the node agent, the site's Slurm,
// or the simulator (the demo fleet: tasks "run" for their duration estimate).
inline const std::vector<std::string> kExecutors = {"none", "agent", "slurm", "simulated"};
inline const std::vector<std::string> kTaskStates = {"assigned", "running", "succeeded", "failed"};
inline const std::vector<std::string> kBillingModes = {"on_demand", "reserved", "spot"};
inline const std::vector<std::string> kOfferStates = {"active", "paused", "withdrawn"};
inline const std::vector<std::string> kPriorities = {"high", "normal", "spot", "best_effort"};
inline const std::vector<std::string> kJobStates = {"pending",   "scheduled", "running",
                                                    "succeeded", "failed",    "cancelled"};
inline const std::vector<std::string> kEcosystems = {"CUDA", "CANN",  "DTK",  "ROCm",  "Neuware",
                                                     "XPU",  "MUSA",  "CPU",  "Other"};

struct Org : Meta {
  std::string name;          // short unique handle, e.g. "sugon-chengdu"
  std::string display_name;  // e.g. "中科曙光成都"
  std::vector<std::string> roles;
  std::string group;  // corporate group; orgs in the same group are related parties
  std::string contact_email;
  // GPU quota across all pools, in milli-devices (1000 = one whole accelerator); 0 = none. Set
  // by the platform operator; the server's queue holds back the organisation's jobs that would
  // take it over the quota (work already running is never stopped).
  int64_t gpu_quota_milli = 0;
};

struct User : Meta {
  std::string name;  // unique login name
  std::string display_name;
  std::string email;
  std::string role = "member";  // within the organisation: admin | member | viewer
  bool disabled = false;
};

struct Token : Meta {
  std::string user_id;
  std::string name;
  std::string prefix;  // the first characters of the secret, to recognise it in lists
  std::string hash;    // keyed BLAKE2b of the secret (hex); the secret itself is never stored
  std::string pool_id;  // when set, the token may act only for this pool (node agents)
  Timestamp expires_at;
};

struct Site : Meta {
  std::string name;
  std::string city;
  std::string province;
  double latitude = 0;
  double longitude = 0;
  std::string tier = "region";
  std::string description;
};

struct Pool : Meta {
  std::string site_id;
  std::string name;
  std::string kind = "ai";
  std::string driver = "agent";
  std::string slurm_partition;  // for driver == slurm
  std::string description;
};

struct NodeAccelerators {
  std::string model;  // catalog id, e.g. "nvidia-h100-sxm"
  int count = 0;
};

struct Node : Meta {
  std::string site_id;
  std::string pool_id;
  std::string name;
  int cpu_cores = 0;
  int64_t memory_gib = 0;
  std::string cpu_model;
  double cpu_fp64_tflops = 0;  // peak FP64 of the node's CPUs (counts toward HPC PFLOPS)
  std::vector<NodeAccelerators> accelerators;
  std::string supernode;  // high-bandwidth accelerator domain (超节点), empty when none
  std::map<std::string, std::string> labels;
  std::string state = "ready";
  std::string state_reason;
  std::string executor = "none";    // kExecutors
  std::vector<int> faulty_devices;  // device indexes the agent reported faulty
  int fault_count = 0;              // faults on record (devices, lost heartbeats)
  Timestamp last_fault_at;
  // Effective compute of attempts that were requeued or failed (their jobs no longer show
  // them): device-ms (core-ms for CPU-only work) they held, and how much of it was lost.
  int64_t requeued_unit_ms = 0;
  int64_t lost_unit_ms = 0;
  // The same per device (index → ms, device-share weighted), for per-device effective compute.
  std::vector<int64_t> device_requeued_ms;
  std::vector<int64_t> device_lost_ms;
};

struct FigureSource {
  std::string figures;  // which figures this source backs, e.g. "fp16, int8"
  std::string title;
  std::string url;
};

struct Accelerator : Meta {
  std::string vendor;     // NVIDIA, Huawei, Hygon, Cambricon, Kunlunxin, Moore Threads, ...
  std::string model;      // marketing model name: "H100 SXM5 80GB"
  std::string ecosystem;  // CUDA, CANN, DTK, Neuware, XPU, MUSA
  double memory_gib = 0;
  double fp64_tflops = 0;
  double fp32_tflops = 0;
  double fp16_tflops = 0;  // FP16/BF16 dense tensor
  double int8_tops = 0;
  std::string interconnect;
  std::vector<FigureSource> sources;
  std::string notes;
};

struct Offer : Meta {
  std::string pool_id;
  std::string site_id;  // from the pool
  std::string kind;     // from the pool
  std::string name;
  std::string accelerator_model;  // catalog id; empty for CPU / HPC offers
  int accelerator_count = 0;      // per unit
  int cpu_cores = 0;              // per unit
  int64_t memory_gib = 0;         // per unit
  int64_t quantity = 0;           // units offered
  int64_t price_fen_per_hour = 0;  // per unit-hour, in fen (分)
  std::string billing_mode = "on_demand";
  int reserved_term_days = 0;
  Timestamp available_from;
  Timestamp available_until;
  double sla_availability_pct = 99.0;
  double sla_credit_pct = 10.0;  // credit as % of the bill per SLA breach period
  std::string state = "active";
};

struct JobAccelerators {
  int count = 0;          // whole devices per task
  int milli = 0;          // a share of one device (1-999), when count == 0
  std::vector<std::string> any_of;  // allowed catalog ids; empty = any
  double min_memory_gib = 0;
};

struct Placement {
  std::string node_id;
  std::vector<int> devices;
  std::string state = "assigned";  // kTaskStates
  int exit_code = 0;
  Timestamp checkpoint_at;  // newest file in the task's checkpoint directory
};

// One failed attempt of a job (its gang was requeued, or the job failed), recorded when the
// failure is detected: what billing needs once the job has forgotten where it ran.
struct Interruption {
  int attempt = 0;        // the restart_count of the attempt that failed
  // node_lost | device_fault | task_lost (provider-side) | task_failed | preempted (the
  // attempt was evicted for higher-class work: charged up to the eviction, no SLA credit)
  std::string cause;
  Timestamp started_at;   // the attempt's start
  Timestamp failed_at;    // when the platform detected the failure
  Timestamp useful_until;  // the gang's oldest checkpoint (else started_at): work after it is lost
  std::string pool_id, supplier_org_id, node_id;  // where it ran (node of its first task)
  // Lost to the provider, not the job: a node or device failure the platform detected.
  bool provider_side() const { return cause != "task_failed" && cause != "preempted"; }
};

struct Job : Meta {
  std::string user_id;
  std::string name;
  int tasks = 1;  // gang size: all tasks start together or none
  int cpu_cores = 1;            // per task
  int64_t memory_gib = 1;       // per task
  JobAccelerators accelerators;  // per task
  std::map<std::string, std::string> commands;  // ecosystem -> command line
  int64_t duration_estimate_s = 3600;
  Timestamp deadline;
  int64_t budget_fen = 0;  // 0 = no budget limit
  std::string priority = "normal";
  std::string location_city;
  int latency_limit_ms = 0;  // 0 = no limit
  std::string offer_id;
  std::string pool_id;  // set when placed
  std::string supplier_org_id;  // owner of that pool: the supplier sees the job
  std::vector<Placement> placement;
  std::string state = "pending";
  std::string state_reason;
  Timestamp started_at;
  Timestamp finished_at;
  int restart_count = 0;  // times the gang was requeued after a failure
  int max_restarts = 3;   // requeues allowed before the job fails
  std::vector<Interruption> interruptions;  // failed attempts, oldest first
};

}  // namespace suanli::domain
