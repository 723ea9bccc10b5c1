#include "server/demo_seed.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "control/bootstrap.h"
#include "demo/demo_network.h"
#include "domain/capacity.h"

namespace suanli::server {

using namespace domain;

std::string DefaultTokensFile(const std::string& db) {
  if (db.rfind("postgres", 0) == 0) return "suanli-demo.tokens";
  return db + ".tokens";
}

Result<DemoSeedResult> SeedDemo(control::Registry& reg, const control::TokenHasher& hasher,
                                const std::string& tokens_file) {
  DemoSeedResult result;
  auto seeded = reg.store().GetMeta("demo_seeded");
  if (!seeded) return Err(seeded.error());
  if (seeded->has_value()) return result;

  demo::DemoNetwork net = demo::BuildDemoNetwork(20261123, reg.clock().Now());
  std::ostringstream tokens;
  tokens << "# suanli demo tokens: role org user token (keep secret)\n";
  control::Actor system{"system", "", "demo-seed"};
  Status s = reg.WriteSync(system, [&](control::Txn& txn) -> Status {
    for (const auto& o : net.orgs) txn.Put(o, "create");
    for (const auto& u : net.users) txn.Put(u, "create");
    for (const auto& x : net.sites) txn.Put(x, "create");
    for (const auto& x : net.pools) txn.Put(x, "create");
    for (const auto& x : net.nodes) txn.Put(x, "create");
    for (const auto& x : net.offers) txn.Put(x, "create");
    for (const auto& x : net.jobs) txn.Put(x, "create");
    for (const auto& u : net.users) {
      std::string secret = control::NewTokenSecret(txn.ids());
      SUANLI_RETURN_IF_ERROR(
          control::CreateTokenWithSecret(txn, hasher, u.id, "demo", secret));
      auto org = txn.Get<Org>(u.org_id);
      std::string roles;
      for (const auto& r : org->roles) roles += (roles.empty() ? "" : ",") + r;
      tokens << roles << ' ' << org->name << ' ' << u.name << ' ' << secret << '\n';
    }
    return OkStatus();
  });
  if (!s.ok()) return Err(s);
  {
    std::ofstream f(tokens_file, std::ios::trunc);
    if (!f) return Err(Unavailable("cannot write " + tokens_file));
    f << tokens.str();
  }
  ::chmod(tokens_file.c_str(), 0600);
  if (Status st = reg.store().SetMeta("demo_seeded", FormatTimestamp(reg.clock().Now())); !st.ok())
    return Err(st);
  result.seeded_now = true;
  result.orgs = static_cast<int>(net.orgs.size());
  result.sites = static_cast<int>(net.sites.size());
  result.pools = static_cast<int>(net.pools.size());
  result.nodes = static_cast<int>(net.nodes.size());
  result.offers = static_cast<int>(net.offers.size());
  result.jobs = static_cast<int>(net.jobs.size());
  return result;
}

void PrintDemoSummary(const control::Registry& reg, const std::string& tokens_file) {
  std::fprintf(stderr,
               "suanli demo network: %zu organisations, %zu sites, %zu pools, %zu nodes, "
               "%zu offers, %zu jobs\n",
               reg.Count<Org>(), reg.Count<Site>(), reg.Count<Pool>(), reg.Count<Node>(),
               reg.Count<Offer>(), reg.Count<Job>());
  std::ifstream f(tokens_file);
  if (!f) return;
  std::fprintf(stderr, "demo tokens (from %s):\n", tokens_file.c_str());
  std::string line;
  std::map<std::string, bool> shown;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string roles, org, user, token;
    in >> roles >> org >> user >> token;
    std::string role = roles.substr(0, roles.find(','));
    if (shown[role]) continue;
    shown[role] = true;
    std::fprintf(stderr, "  %-10s %-24s export SUANLI_TOKEN=%s\n", role.c_str(), org.c_str(),
                 token.c_str());
  }
}

}  // namespace suanli::server
