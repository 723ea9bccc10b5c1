#include "demo/demo_network.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "catalog/catalog.h"
#include "domain/capacity.h"
#include "domain/resources.h"
#include "domain/schema.h"

namespace suanli::demo {
namespace {

constexpr Timestamp kNow{1'750'000'000'000};

const DemoNetwork& Net() {
  static const DemoNetwork n = BuildDemoNetwork(42, kNow);
  return n;
}

template <class T>
void ExpectMeta(const std::vector<T>& records, const std::string& prefix) {
  std::set<std::string> ids;
  for (const auto& r : records) {
    EXPECT_EQ(r.id.rfind(prefix + "-", 0), 0u) << r.id;
    EXPECT_TRUE(ids.insert(r.id).second) << r.id;
    EXPECT_EQ(r.version, 1);
    EXPECT_EQ(r.created_at, kNow);
    EXPECT_EQ(r.updated_at, kNow);
    EXPECT_FALSE(r.org_id.empty()) << r.id;
  }
}

// Every record survives the API's own schema: encode, then decode as if stored.
template <class T>
void ExpectSchemaValid(const domain::Schema<T>& schema, const std::vector<T>& records) {
  for (const auto& r : records) {
    T back;
    Status st =
        domain::Decode(schema, domain::Encode(schema, r), &back, domain::DecodeMode::kStored);
    EXPECT_TRUE(st.ok()) << r.id << ": " << st.ToString();
  }
}

TEST(DemoNetwork, CountsMeetTheMinimums) {
  const auto& n = Net();
  int suppliers = 0, buyers = 0, operators = 0, regulators = 0;
  for (const auto& o : n.orgs)
    for (const auto& r : o.roles) {
      suppliers += r == "supplier";
      buyers += r == "buyer";
      operators += r == "operator";
      regulators += r == "regulator";
    }
  EXPECT_GE(suppliers, 10);
  EXPECT_GE(buyers, 5);
  EXPECT_EQ(operators, 1);
  EXPECT_EQ(regulators, 1);
  EXPECT_EQ(n.users.size(), n.orgs.size());
  EXPECT_GE(n.sites.size(), 30u);
  EXPECT_GE(n.nodes.size(), 2000u);
  EXPECT_GE(n.jobs.size(), 45u);
  std::set<std::string> tiers, kinds, states;
  for (const auto& s : n.sites) tiers.insert(s.tier);
  for (const auto& p : n.pools) kinds.insert(p.kind);
  for (const auto& j : n.jobs) states.insert(j.state);
  EXPECT_EQ(tiers, (std::set<std::string>{"hub", "region", "edge"}));
  EXPECT_EQ(kinds, (std::set<std::string>{"general", "ai", "hpc"}));
  for (const char* s : {"pending", "running", "succeeded", "failed"}) EXPECT_TRUE(states.count(s));
}

TEST(DemoNetwork, RelatedPartiesExist) {
  std::map<std::string, std::set<std::string>> roles_by_group;
  for (const auto& o : Net().orgs)
    if (!o.group.empty()) roles_by_group[o.group].insert(o.roles.begin(), o.roles.end());
  bool found = false;
  for (const auto& [g, roles] : roles_by_group)
    found |= roles.count("supplier") && roles.count("buyer");
  EXPECT_TRUE(found);
}

TEST(DemoNetwork, RecordsAreWellFormed) {
  const auto& n = Net();
  ExpectMeta(n.orgs, "org");
  ExpectMeta(n.users, "user");
  ExpectMeta(n.sites, "site");
  ExpectMeta(n.pools, "pool");
  ExpectMeta(n.nodes, "node");
  ExpectMeta(n.offers, "offer");
  ExpectMeta(n.jobs, "job");
  ExpectSchemaValid(domain::OrgSchema(), n.orgs);
  ExpectSchemaValid(domain::UserSchema(), n.users);
  ExpectSchemaValid(domain::SiteSchema(), n.sites);
  ExpectSchemaValid(domain::PoolSchema(), n.pools);
  ExpectSchemaValid(domain::NodeSchema(), n.nodes);
  ExpectSchemaValid(domain::OfferSchema(), n.offers);
  ExpectSchemaValid(domain::JobSchema(), n.jobs);
  for (const auto& o : n.orgs) EXPECT_TRUE(domain::ValidateOrg(o).ok()) << o.name;
  for (const auto& x : n.nodes) EXPECT_TRUE(domain::ValidateNode(x).ok()) << x.name;
  for (const auto& o : n.offers) EXPECT_TRUE(domain::ValidateOffer(o).ok()) << o.name;
  for (const auto& j : n.jobs) EXPECT_TRUE(domain::ValidateJob(j).ok()) << j.name;
  std::set<std::string> names;
  for (const auto& x : n.nodes) EXPECT_TRUE(names.insert(x.name).second) << x.name;
  for (const auto& p : n.pools) EXPECT_TRUE(names.insert(p.name).second) << p.name;
  for (const auto& o : n.orgs) EXPECT_TRUE(names.insert(o.name).second) << o.name;
}

TEST(DemoNetwork, ReferencesAreConsistent) {
  const auto& n = Net();
  std::map<std::string, const domain::Org*> orgs;
  std::map<std::string, const domain::Site*> sites;
  std::map<std::string, const domain::Pool*> pools;
  std::map<std::string, const domain::Node*> nodes;
  std::map<std::string, const domain::User*> users;
  for (const auto& x : n.orgs) orgs[x.id] = &x;
  for (const auto& x : n.sites) sites[x.id] = &x;
  for (const auto& x : n.pools) pools[x.id] = &x;
  for (const auto& x : n.nodes) nodes[x.id] = &x;
  for (const auto& x : n.users) users[x.id] = &x;
  for (const auto& u : n.users) EXPECT_TRUE(orgs.count(u.org_id));
  for (const auto& s : n.sites) {
    ASSERT_TRUE(orgs.count(s.org_id));
    const auto& roles = orgs[s.org_id]->roles;
    EXPECT_NE(std::find(roles.begin(), roles.end(), "supplier"), roles.end());
  }
  for (const auto& p : n.pools) {
    ASSERT_TRUE(sites.count(p.site_id));
    EXPECT_EQ(p.org_id, sites[p.site_id]->org_id);
    if (p.kind == "hpc") {
      EXPECT_EQ(p.driver, "slurm");
    }
    if (p.driver == "slurm") {
      EXPECT_FALSE(p.slurm_partition.empty());
    }
  }
  for (const auto& x : n.nodes) {
    ASSERT_TRUE(pools.count(x.pool_id));
    EXPECT_EQ(x.site_id, pools[x.pool_id]->site_id);
    EXPECT_EQ(x.org_id, pools[x.pool_id]->org_id);
    for (const auto& a : x.accelerators) EXPECT_NE(catalog::FindBuiltin(a.model), nullptr);
    if (x.state != "ready") {
      EXPECT_FALSE(x.state_reason.empty());
    }
    if (pools[x.pool_id]->kind == "hpc") {
      EXPECT_GT(x.cpu_fp64_tflops, 0);
    }
  }
  for (const auto& o : n.offers) {
    ASSERT_TRUE(pools.count(o.pool_id));
    EXPECT_EQ(o.site_id, pools[o.pool_id]->site_id);
    EXPECT_EQ(o.org_id, pools[o.pool_id]->org_id);
    EXPECT_EQ(o.kind, pools[o.pool_id]->kind);
    EXPECT_GE(o.sla_availability_pct, 99.0);
    EXPECT_LE(o.sla_availability_pct, 99.95);
    EXPECT_GT(o.price_fen_per_hour, 0);
  }
  for (const auto& j : n.jobs) {
    ASSERT_TRUE(users.count(j.user_id));
    EXPECT_EQ(users[j.user_id]->org_id, j.org_id);
    for (const auto& m : j.accelerators.any_of) EXPECT_NE(catalog::FindBuiltin(m), nullptr);
    if (!j.pool_id.empty()) {
      EXPECT_TRUE(pools.count(j.pool_id));
    }
    if (j.state == "running") {
      EXPECT_EQ(j.placement.size(), static_cast<size_t>(j.tasks));
    }
    for (const auto& p : j.placement) {
      ASSERT_TRUE(nodes.count(p.node_id));
      EXPECT_EQ(nodes[p.node_id]->pool_id, j.pool_id);
      EXPECT_EQ(nodes[p.node_id]->state, "ready");
    }
  }
}

// Offers of a pool together never sell more devices or cores than its ready nodes have.
TEST(DemoNetwork, OffersWithinPoolCapacity) {
  const auto& n = Net();
  std::map<std::string, std::map<std::string, int64_t>> devices;  // pool -> model -> ready
  std::map<std::string, int64_t> cores;
  for (const auto& x : n.nodes) {
    if (x.state != "ready") continue;
    cores[x.pool_id] += x.cpu_cores;
    for (const auto& a : x.accelerators) devices[x.pool_id][a.model] += a.count;
  }
  std::map<std::string, std::map<std::string, int64_t>> sold_devices;
  std::map<std::string, int64_t> sold_cores;
  for (const auto& o : n.offers) {
    EXPECT_GT(o.quantity, 0);
    sold_cores[o.pool_id] += o.quantity * o.cpu_cores;
    if (o.accelerator_count > 0)
      sold_devices[o.pool_id][o.accelerator_model] += o.quantity * o.accelerator_count;
    if (o.billing_mode == "reserved") {
      EXPECT_GT(o.reserved_term_days, 0);
    }
  }
  for (const auto& [pool, c] : sold_cores) EXPECT_LE(c, cores[pool]) << pool;
  for (const auto& [pool, m] : sold_devices)
    for (const auto& [model, d] : m) EXPECT_LE(d, devices[pool][model]) << pool << " " << model;
}

TEST(DemoNetwork, CoordinatesInsideChina) {
  for (const auto& s : Net().sites) {
    EXPECT_GE(s.latitude, 18.0) << s.name;
    EXPECT_LE(s.latitude, 54.0) << s.name;
    EXPECT_GE(s.longitude, 73.0) << s.name;
    EXPECT_LE(s.longitude, 135.0) << s.name;
  }
}

TEST(DemoNetwork, DeterministicForASeed) {
  DemoNetwork a = BuildDemoNetwork(7, kNow), b = BuildDemoNetwork(7, kNow);
  DemoNetwork c = BuildDemoNetwork(8, kNow);
  auto dump = [](const DemoNetwork& n) {
    std::string s;
    for (const auto& x : n.nodes) s += domain::Encode(domain::NodeSchema(), x).dump();
    for (const auto& x : n.offers) s += domain::Encode(domain::OfferSchema(), x).dump();
    for (const auto& x : n.jobs) s += domain::Encode(domain::JobSchema(), x).dump();
    for (const auto& x : n.orgs) s += domain::Encode(domain::OrgSchema(), x).dump();
    return s;
  };
  EXPECT_EQ(dump(a), dump(b));
  EXPECT_NE(dump(a), dump(c));
  EXPECT_EQ(a.nodes.size(), c.nodes.size());  // the shape does not depend on the seed
}

TEST(DemoNetwork, CapacityAddsUp) {
  domain::Capacity total;
  std::map<std::string, std::string> kind;
  for (const auto& p : Net().pools) kind[p.id] = p.kind;
  auto lookup = [](const std::string& m) { return catalog::FindBuiltin(m); };
  for (const auto& x : Net().nodes) total.Add(domain::NodeCapacity(x, kind[x.pool_id], lookup));
  EXPECT_GT(total.ai_pflops_fp16, 1000);
  EXPECT_GT(total.hpc_pflops_fp64, 1);
  EXPECT_GE(total.accelerators_by_vendor.size(), 5u);
  std::printf("nodes %lld cores %lld accelerators %lld AI %.1f PFLOPS FP16 HPC %.2f PFLOPS FP64\n",
              static_cast<long long>(total.nodes), static_cast<long long>(total.cpu_cores),
              static_cast<long long>(total.accelerators), total.ai_pflops_fp16,
              total.hpc_pflops_fp64);
  for (const auto& [v, c] : total.accelerators_by_vendor)
    std::printf("  %s %lld\n", v.c_str(), static_cast<long long>(c));
}

}  // namespace
}  // namespace suanli::demo
