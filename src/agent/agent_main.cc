#include "agent/agent_main.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <sstream>

#include "agent/agent.h"

namespace suanli::agent {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

}  // namespace

int AgentMain(int argc, char** argv) {
  AgentOptions o;
  CLI::App app{"suanli agent: run this machine's share of placed work", "suanli agent"};
  app.add_option("--server", o.server, "API server URL")->envname("SUANLI_SERVER")->capture_default_str();
  app.add_option("--token", o.token, "API token, ideally scoped to the pool")
      ->envname("SUANLI_TOKEN")->required();
  app.add_option("--pool", o.pool_id, "pool to join (implied by a pool-scoped token)");
  app.add_option("--name", o.inventory.name, "node name (default: the host name)");
  app.add_option("--work-dir", o.work_dir, "state directory (tasks, output)")->capture_default_str();
  app.add_option("--checkpoint-root", o.checkpoint_root,
                 "where task checkpoint directories live (default WORK_DIR/checkpoints)");
  app.add_option("--simulate-devices", o.inventory.simulate_devices,
                 "pretend to have these accelerators, e.g. 8xH100 or 4xAscend910B");
  app.add_option("--cpu-cores", o.inventory.cpu_cores, "report this many cores (default: detect)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--memory-gib", o.inventory.memory_gib, "report this much memory (default: detect)")
      ->check(CLI::Range(1, 65536));
  app.add_option("--supernode", o.inventory.supernode, "high-bandwidth domain (超节点) of this node");
  app.add_option("--wait-ms", o.wait_ms, "long-poll hold per sync")->check(CLI::Range(0, 30000));
  app.add_option("--kill-grace-ms", o.kill_grace_ms, "SIGTERM to SIGKILL delay")
      ->check(CLI::Range(0, 600000));
  app.add_option("--fault-file", o.fault_file,
                 "file polled for injected device faults: lines \"DEVICE KIND DETAIL\"");
  app.add_option("--vendor-tools", o.inventory.vendor_tools,
                 "accelerator tools to try: auto, none, or a list of nvidia-smi,npu-smi,hy-smi,cnmon,rocm-smi")
      ->capture_default_str()
      ->check([](const std::string& v) -> std::string {
        if (v == "auto" || v == "none") return "";
        std::stringstream ss(v);
        std::string t;
        while (std::getline(ss, t, ','))
          if (!FindVendorTool(t)) return "unknown vendor tool " + t;
        return "";
      });
  double health_interval_s = 10;
  app.add_option("--health-interval", health_interval_s,
                 "seconds between device health polls of the vendor tool (0 = never)")
      ->capture_default_str()->check(CLI::Range(0.0, 3600.0));
  app.add_option("--kmsg", o.health.kmsg, "kernel log read for NVIDIA Xid events")->capture_default_str();
  bool no_cgroups = false;
  app.add_flag("--no-cgroups", no_cgroups, "enforce limits with rlimits only");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "suanli agent: %s\n", e.what());
    return 2;
  }
  o.use_cgroups = !no_cgroups;
  o.health.interval_ms = static_cast<int>(health_interval_s * 1000);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  Agent agent(o);
  Status s = agent.Run(g_stop);
  if (!s.ok()) {
    std::fprintf(stderr, "suanli agent: %s\n", s.ToString().c_str());
    return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::fprintf(stderr, "suanli agent: stopped (tasks keep running; a restarted agent finds them)\n");
  return 0;
}

}  // namespace suanli::agent
