// `suanli serve`: opens the store, loads the registry, bootstraps, optionally seeds the demo
// network, and serves the API until SIGINT/SIGTERM.
#pragma once

#include <string>

namespace suanli::server {

// The web console built with this binary (web/dist of the source tree, set by CMake).
std::string DefaultWebRoot();

// Typed configuration of the server, with documented defaults. Loaded from a config file
// (--config, INI/TOML), then SUANLI_* environment variables, then flags.
struct ServeConfig {
  std::string db = "suanli.db";           // SQLite path or postgresql:// URL   (SUANLI_DB)
  std::string listen = "127.0.0.1:8080";  // host:port, port 0 = any free     (SUANLI_LISTEN)
  bool demo = false;                      // seed the demo network on first start
  int threads = 2;                        // HTTP worker threads               (SUANLI_THREADS)
  double rate_limit = 2000;               // requests/s per token, 0 = off     (SUANLI_RATE_LIMIT)
  size_t max_body_bytes = 1 << 20;        // request body limit                (SUANLI_MAX_BODY)
  std::string bootstrap_token;            // SUANLI_BOOTSTRAP_TOKEN
  std::string tokens_file;                // where the demo writes its role tokens
  std::string policy = "suanli";          // placement policy of the scheduler  (SUANLI_POLICY)
  bool scheduler = true;                  // place pending jobs (off: API only)
  int node_timeout_ms = 10000;            // agent silence before its node is down (SUANLI_NODE_TIMEOUT_MS)
  std::string log_dir;                    // task output; default "<db>.logs" or "suanli-logs"
  bool demo_agent = true;                 // with --demo: run a local agent on this machine
  double simulated_speedup = 1.0;         // simulated nodes run tasks this much faster
  // Slurm pools (docs/slurm.md). The two directories must be shared with the Slurm nodes.
  std::string slurm_bin_dir;              // sbatch, squeue, ... ("" = PATH)  (SUANLI_SLURM_BIN_DIR)
  std::string slurm_work_dir;             // task output and cwd; default "<db>.slurm" or "suanli-slurm"
  std::string checkpoint_dir;             // SUANLI_CHECKPOINT_DIR roots; default <slurm_work_dir>/checkpoints
  std::string slurm_gpu_models;           // GRES type -> catalog id: "h100=nvidia-h100-sxm,..."
  std::string web_root = DefaultWebRoot();  // the built console, served at /; "" = none
                                            //                                  (SUANLI_WEB_ROOT)
};

int RunServe(const ServeConfig& config);

}  // namespace suanli::server
