#include "server/serve.h"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <fstream>
#include <sys/stat.h>

#include "api/server.h"
#include "billing/demo_ledger.h"
#include "billing/metering.h"
#include "control/bootstrap.h"
#include "placement/placement_service.h"
#include "server/demo_agent.h"
#include "server/demo_seed.h"
#include "exec/execution_service.h"
#include "exec/slurm_executor.h"
#include "slurm/process.h"

namespace suanli::server {
namespace {

api::HttpServer* g_server = nullptr;

void OnSignal(int) {
  if (g_server) g_server->RequestStop();
}

bool IsPostgresUrl(const std::string& db) { return db.rfind("postgres", 0) == 0; }

bool SplitListen(const std::string& listen, std::string* host, int* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  *host = listen.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[') *host = host->substr(1, host->size() - 2);
  try {
    *port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return false;
  }
  return *port >= 0 && *port <= 65535 && !host->empty();
}

// "h100=nvidia-h100-sxm,a100=nvidia-a100-sxm" -> map.
Result<std::map<std::string, std::string>> ParseGpuModels(const std::string& spec) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t comma = spec.find(',', pos);
    if (comma == std::string::npos) comma = spec.size();
    const std::string item = spec.substr(pos, comma - pos);
    pos = comma + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      return Err(InvalidArgument("expected TYPE=CATALOG_ID, got '" + item + "'"));
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

}  // namespace

std::string DefaultWebRoot() {
#ifdef SUANLI_DEFAULT_WEB_ROOT
  return SUANLI_DEFAULT_WEB_ROOT;
#else
  return "";
#endif
}

int RunServe(const ServeConfig& config) {
  std::string host;
  int port = 0;
  if (!SplitListen(config.listen, &host, &port)) {
    std::fprintf(stderr, "suanli serve: --listen must be host:port, got '%s'\n",
                 config.listen.c_str());
    return 2;
  }
  auto store = store::OpenStore(config.db);
  if (!store) {
    std::fprintf(stderr, "suanli serve: cannot open store: %s\n", store.error().ToString().c_str());
    return 1;
  }
  SecureIdSource ids;
  control::Registry registry(store->get(), &SystemClock::Get(), &ids);
  if (Status s = registry.Load(); !s.ok()) {
    std::fprintf(stderr, "suanli serve: cannot load state: %s\n", s.ToString().c_str());
    return 1;
  }
  auto hasher = control::TokenHasher::Open(**store, ids);
  if (!hasher) {
    std::fprintf(stderr, "suanli serve: %s\n", hasher.error().ToString().c_str());
    return 1;
  }
  auto boot = control::Bootstrap(registry, *hasher, config.bootstrap_token);
  if (!boot) {
    std::fprintf(stderr, "suanli serve: bootstrap failed: %s\n", boot.error().ToString().c_str());
    return 1;
  }
  if (boot->created_admin && !boot->admin_token.empty())
    std::fprintf(stderr, "suanli: created operator admin 'admin'; its token (shown once): %s\n",
                 boot->admin_token.c_str());
  if (config.demo) {
    std::string tokens_file =
        config.tokens_file.empty() ? DefaultTokensFile(config.db) : config.tokens_file;
    auto seeded = SeedDemo(registry, *hasher, tokens_file);
    if (!seeded) {
      std::fprintf(stderr, "suanli serve: demo seeding failed: %s\n",
                   seeded.error().ToString().c_str());
      return 1;
    }
    PrintDemoSummary(registry, tokens_file);
  }

  // The money journal shares the database (tables prefixed ledger_); metering feeds it.
  auto ledger_store = ledger::OpenLedgerStore(config.db);
  auto ledger = ledger_store ? ledger::Ledger::Open(std::move(*ledger_store), SystemClock::Get())
                             : Result<std::unique_ptr<ledger::Ledger>>(Err(ledger_store.error()));
  if (!ledger) {
    std::fprintf(stderr, "suanli serve: cannot open ledger: %s\n", ledger.error().ToString().c_str());
    return 1;
  }
  if (config.demo) {
    auto money = billing::SeedDemoLedger(registry, **ledger, SystemClock::Get().Now());
    if (!money) std::fprintf(stderr, "suanli serve: demo ledger: %s\n", money.error().ToString().c_str());
  }
  billing::Metering metering(&registry, ledger->get(), &SystemClock::Get(),
                             billing::MeteringOptions::FromEnv());
  if (Status s = metering.Start(); !s.ok()) {
    std::fprintf(stderr, "suanli serve: metering: %s\n", s.ToString().c_str());
    return 1;
  }

  api::ApiOptions options;
  options.rate_per_token = config.rate_limit;
  options.burst_per_token = config.rate_limit * 2;
  options.max_body_bytes = config.max_body_bytes;
  options.web_root = config.web_root;
  placement::PlacementService placer(&registry, {.policy = config.policy, .queue = {}});
  if (config.scheduler) placer.Start();
  exec::ExecOptions exec_options;
  exec_options.node_timeout_ms = config.node_timeout_ms;
  exec_options.simulated_speedup = config.simulated_speedup;
  exec_options.log_dir = !config.log_dir.empty() ? config.log_dir
                         : IsPostgresUrl(config.db) ? std::string("suanli-logs")
                                                    : config.db + ".logs";
  exec::ExecutionService executor(&registry, &SystemClock::Get(), exec_options);
  executor.Start();
  // Slurm pools: picked up (and dropped) by the executor's own loop, so pools created through
  // the API run without a restart.
  slurm::SystemCommandRunner slurm_runner;
  exec::SlurmExecutorOptions slurm_options;
  slurm_options.bin_dir = config.slurm_bin_dir;
  slurm_options.work_dir = !config.slurm_work_dir.empty() ? config.slurm_work_dir
                           : IsPostgresUrl(config.db)   ? std::string("suanli-slurm")
                                                        : config.db + ".slurm";
  slurm_options.work_dir = std::filesystem::absolute(slurm_options.work_dir).string();
  slurm_options.checkpoint_root =
      std::filesystem::absolute(!config.checkpoint_dir.empty() ? config.checkpoint_dir
                                                               : slurm_options.work_dir + "/checkpoints")
          .string();
  auto gpu_models = ParseGpuModels(config.slurm_gpu_models);
  if (!gpu_models) {
    std::fprintf(stderr, "suanli serve: --slurm-gpu-models: %s\n", gpu_models.error().ToString().c_str());
    return 2;
  }
  slurm_options.gpu_models = std::move(*gpu_models);
  exec::SlurmExecutor slurm_executor(&registry, &executor, &slurm_runner, slurm_options);
  slurm_executor.Start();
  api::Api api(&registry, &*hasher, options, ledger->get());
  api.AttachExecution(&executor);
  api::HttpServer server(&api, config.threads);
  auto bound = server.Start(host, port);
  if (!bound) {
    std::fprintf(stderr, "suanli serve: %s\n", bound.error().ToString().c_str());
    return 1;
  }
  if (api.web().enabled())
    std::fprintf(stderr, "suanli: web console at http://%s:%d/ (from %s)\n", host.c_str(), *bound,
                 api.web().root().c_str());
  else if (!config.web_root.empty())
    std::fprintf(stderr, "suanli: no web console: %s has no index.html (npm run build in web/)\n",
                 config.web_root.c_str());
  std::fprintf(stderr, "suanli: serving %s store on http://%s:%d (ready)\n",
               (*store)->Backend().c_str(), host.c_str(), *bound);
  std::fflush(stderr);
  DemoAgent demo_agent(&registry, &*hasher);
  if (config.demo && config.demo_agent) {
    const std::string work = IsPostgresUrl(config.db) ? std::string("suanli-agent") : config.db + ".agent";
    if (Status st = demo_agent.Start("http://127.0.0.1:" + std::to_string(*bound), work); !st.ok())
      std::fprintf(stderr, "suanli serve: demo agent: %s\n", st.ToString().c_str());
  }
  g_server = &server;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  server.Wait();
  demo_agent.Stop();
  server.Stop();
  slurm_executor.Stop();
  executor.Stop();
  placer.Stop();
  metering.Stop();
  registry.committer().Flush();
  g_server = nullptr;
  std::fprintf(stderr, "suanli: stopped\n");
  return 0;
}

}  // namespace suanli::server
