// The tables behind the demo network: providers, buyers, sites in real Chinese cities, pools and
// job templates. Internal to the demo module; demo_network.cc turns them into domain records.
#pragma once

#include <string>
#include <vector>

namespace suanli::demo::internal {

struct OrgSpec {
  const char* handle;
  const char* display_name;
  std::vector<std::string> roles;
  const char* group;  // corporate group; "" when none
};

struct SiteSpec {
  const char* code;  // hostname prefix, unique
  const char* org;   // owning provider handle
  const char* name;
  const char* province;
  const char* city;
  double latitude;
  double longitude;
  const char* tier;
  const char* description;
};

struct PoolSpec {
  const char* site;  // SiteSpec::code
  const char* tag;   // hostname part, unique within the site
  const char* name;
  const char* kind;  // general | ai | hpc
  const char* driver;
  const char* slurm_partition;
  const char* accelerator;  // catalog id, "" for CPU-only nodes
  int accelerators_per_node;
  int nodes;
  const char* cpu_model;
  int cpu_cores;
  int memory_gib;
  double cpu_fp64_tflops;  // set for HPC nodes only
  int supernode_size;      // nodes per super-node (0: none; 1: one domain per node)
  int list_price_fen;      // ai: per card-hour; general and hpc: per 100 core-hours
};

struct JobTemplate {
  const char* name;
  const char* kind;  // which pools can run it: general | ai | hpc
  int tasks;
  int cpu_cores;
  int memory_gib;
  int accelerators;  // whole devices per task
  int milli;         // device share per task when accelerators == 0
  std::vector<std::string> any_of;
  const char* script;       // "train" -> CUDA "python train.py", CANN "python train_npu.py", ...
  const char* cpu_command;  // for CPU-only jobs
  long duration_s;
  const char* priority;
  const char* location_city;
  int latency_limit_ms;
};

const std::vector<OrgSpec>& Providers();
const std::vector<OrgSpec>& Buyers();
const OrgSpec& OperatorOrg();
const OrgSpec& RegulatorOrg();
const std::vector<SiteSpec>& Sites();
const std::vector<PoolSpec>& Pools();
const std::vector<JobTemplate>& JobTemplates();

}  // namespace suanli::demo::internal
