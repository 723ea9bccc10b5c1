// Seeds the demo network (demo/demo_network.h) into a fresh store, once, with a token per
// organisation's admin written to a tokens file (mode 0600) so a newcomer can log in at once.
#pragma once

#include <string>

#include "control/auth.h"
#include "control/registry.h"

namespace suanli::server {

struct DemoSeedResult {
  bool seeded_now = false;
  int orgs = 0, sites = 0, pools = 0, nodes = 0, offers = 0, jobs = 0;
};

// Seeds unless the store already holds the demo (meta key "demo_seeded").
Result<DemoSeedResult> SeedDemo(control::Registry& reg, const control::TokenHasher& hasher,
                                const std::string& tokens_file);

// "<db>.tokens" beside a SQLite file; "suanli-demo.tokens" for PostgreSQL.
std::string DefaultTokensFile(const std::string& db);

// Prints the network's size and the per-role tokens to stderr.
void PrintDemoSummary(const control::Registry& reg, const std::string& tokens_file);

}  // namespace suanli::server
