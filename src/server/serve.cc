#include "server/serve.h"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sys/stat.h>

#include "api/server.h"
#include "billing/demo_ledger.h"
#include "billing/metering.h"
#include "control/bootstrap.h"
#include "placement/placement_service.h"
#include "server/demo_seed.h"

namespace suanli::server {
namespace {

api::HttpServer* g_server = nullptr;

void OnSignal(int) {
  if (g_server) g_server->RequestStop();
}

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

}  // namespace

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
  placement::PlacementService placer(&registry, {.policy = config.policy});
  if (config.scheduler) placer.Start();
  api::Api api(&registry, &*hasher, options, ledger->get());
  api::HttpServer server(&api, config.threads);
  auto bound = server.Start(host, port);
  if (!bound) {
    std::fprintf(stderr, "suanli serve: %s\n", bound.error().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "suanli: serving %s store on http://%s:%d (ready)\n",
               (*store)->Backend().c_str(), host.c_str(), *bound);
  std::fflush(stderr);
  g_server = &server;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  server.Wait();
  server.Stop();
  placer.Stop();
  metering.Stop();
  registry.committer().Flush();
  g_server = nullptr;
  std::fprintf(stderr, "suanli: stopped\n");
  return 0;
}

}  // namespace suanli::server
