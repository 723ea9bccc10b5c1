// The one `suanli` binary: wires the commands together and nothing else.
//   suanli serve ...            the control plane (server/serve.h)
//   suanli simulate ...         trace simulator (sim/)
//   suanli bench sched ...      scheduler benchmark (sim/)
//   suanli ledger verify ...    check the journal's hash chain and invariants (ledger/)
//   suanli bench ledger ...     durable postings per second (ledger/)
//   suanli bench match ...      market search and match speed (market/)
//   suanli agent ...            the node agent (agent/)
//   suanli <resource> <verb>    the CLI over the REST API (cli/)
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <cstring>

#include "agent/agent_main.h"
#include "cli/cli.h"
#include "ledger/main_commands.h"
#include "market/bench_match.h"
#include "server/serve.h"
#include "sim/main_commands.h"

namespace {

int Serve(int argc, char** argv) {
  suanli::server::ServeConfig c;
  CLI::App app{"suanli serve: run the control plane", "suanli serve"};
  app.set_config("--config", "", "INI/TOML file with the options below");
  app.add_option("--db", c.db, "SQLite file or postgresql:// URL")->envname("SUANLI_DB");
  app.add_option("--listen", c.listen, "host:port to listen on")->envname("SUANLI_LISTEN");
  app.add_flag("--demo", c.demo, "seed the demo network on first start")->envname("SUANLI_DEMO");
  app.add_option("--threads", c.threads, "HTTP worker threads")
      ->envname("SUANLI_THREADS")->check(CLI::Range(1, 64));
  app.add_option("--rate-limit", c.rate_limit, "requests/s per token (0 = off)")
      ->envname("SUANLI_RATE_LIMIT")->check(CLI::Range(0.0, 1e9));
  app.add_option("--max-body", c.max_body_bytes, "request body limit in bytes")
      ->envname("SUANLI_MAX_BODY")->check(CLI::Range(1024, 1 << 30));
  app.add_option("--tokens-file", c.tokens_file, "where --demo writes its tokens");
  app.add_option("--policy", c.policy, "placement policy (suanli, fgd, bestfit, ...)")
      ->envname("SUANLI_POLICY");
  app.add_flag("!--no-scheduler", c.scheduler, "do not place pending jobs (API only)");
  app.add_option("--node-timeout-ms", c.node_timeout_ms,
                 "agent silence before its node is down and its work requeued")
      ->envname("SUANLI_NODE_TIMEOUT_MS")->check(CLI::Range(1000, 600000));
  app.add_option("--log-dir", c.log_dir, "where task output is kept (default DB.logs)")
      ->envname("SUANLI_LOG_DIR");
  app.add_flag("!--no-demo-agent", c.demo_agent, "with --demo: do not start a local agent");
  app.add_option("--simulated-speedup", c.simulated_speedup,
                 "simulated nodes run tasks this many times faster than their estimate")
      ->envname("SUANLI_SIMULATED_SPEEDUP")->check(CLI::Range(0.001, 1e6));
  app.add_option("--slurm-bin-dir", c.slurm_bin_dir, "directory of sbatch, squeue, ... (default: PATH)")
      ->envname("SUANLI_SLURM_BIN_DIR");
  app.add_option("--slurm-work-dir", c.slurm_work_dir,
                 "Slurm tasks' output files and working directories; shared with the Slurm "
                 "nodes (default DB.slurm)")
      ->envname("SUANLI_SLURM_WORK_DIR");
  app.add_option("--checkpoint-dir", c.checkpoint_dir,
                 "root of the Slurm tasks' SUANLI_CHECKPOINT_DIR; shared with the Slurm nodes "
                 "(default SLURM_WORK_DIR/checkpoints)")
      ->envname("SUANLI_SERVER_CHECKPOINT_DIR");
  app.add_option("--slurm-gpu-models", c.slurm_gpu_models,
                 "GRES GPU type -> catalog id for types the catalog does not know, "
                 "e.g. h100=nvidia-h100-sxm,a800=nvidia-a800-sxm")
      ->envname("SUANLI_SLURM_GPU_MODELS");
  app.add_option("--web-root", c.web_root, "directory of the built web console, served at / "
                 "(\"\" = none)")
      ->envname("SUANLI_WEB_ROOT")->capture_default_str();
  if (const char* t = std::getenv("SUANLI_BOOTSTRAP_TOKEN")) c.bootstrap_token = t;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "suanli serve: %s\n", e.what());
    return 2;
  }
  return suanli::server::RunServe(c);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "serve") == 0) return Serve(argc - 1, argv + 1);
  if (argc >= 2 && std::strcmp(argv[1], "simulate") == 0)
    return suanli::sim::SimulateMain(argc - 1, argv + 1);
  if (argc >= 3 && std::strcmp(argv[1], "bench") == 0 && std::strcmp(argv[2], "sched") == 0)
    return suanli::sim::BenchSchedMain(argc - 2, argv + 2);
  if (argc >= 2 && std::strcmp(argv[1], "ledger") == 0)
    return suanli::ledger::LedgerMain(argc - 1, argv + 1);
  if (argc >= 3 && std::strcmp(argv[1], "bench") == 0 && std::strcmp(argv[2], "ledger") == 0)
    return suanli::ledger::BenchLedgerMain(argc - 2, argv + 2);
  if (argc >= 3 && std::strcmp(argv[1], "bench") == 0 && std::strcmp(argv[2], "match") == 0)
    return suanli::market::BenchMatchMain(argc - 2, argv + 2);
  if (argc >= 2 && std::strcmp(argv[1], "agent") == 0)
    return suanli::agent::AgentMain(argc - 1, argv + 1);
  return suanli::cli::RunCli(argc, argv);
}
