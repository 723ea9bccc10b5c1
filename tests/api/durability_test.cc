// Durability of the running server, over HTTP: a clean restart keeps everything, and a
// SIGKILL in the middle of a write storm loses nothing the server acknowledged (a 201 means
// durable). Run on SQLite (durability_test) and PostgreSQL (durability_test_pg).
//
// A SIGKILL keeps the OS page cache, so this proves "acknowledged only after commit", not
// fsync; the store's own fault-injection tests (src/store) cover lost unsynced writes.
#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "api/api_fixture.h"

namespace suanli::testing {
namespace {

class DurabilityTest : public ServerTest {};

// Every record of every kind the operator sees, by kind, as returned by the API.
std::map<std::string, Json> Snapshot(ApiClient& op) {
  std::map<std::string, Json> out;
  for (const char* kind : {"orgs", "users", "tokens", "sites", "pools", "nodes", "accelerators",
                           "offers", "jobs"}) {
    Json items = Json::array();
    for (size_t offset = 0;;) {
      Reply r = op.Get(std::string("/api/v1/") + kind + "?limit=1000&offset=" +
                       std::to_string(offset));
      EXPECT_EQ(r.status, 200u) << kind << " " << r;
      if (r.status != 200) break;
      for (const auto& x : r.body["items"]) items.push_back(x);
      if (r.body["next_offset"].is_null()) break;
      offset = r.body["next_offset"].get<size_t>();
    }
    out[kind] = std::move(items);
  }
  Reply audit = op.Get("/api/v1/audit?limit=1000");
  out["audit"] = audit.body["items"];
  return out;
}

TEST_P(DurabilityTest, CleanRestartKeepsEverything) {
  StartServer();
  BuildWorld();
  Supply s = MakeSupply(w_.sup_a, "dur", 2);
  ApiClient a = Client(w_.sup_a);
  ApiClient b = Client(w_.buy_a);
  ASSERT_EQ(a.Post("/api/v1/offers", {{"pool_id", s.pool_id}, {"name", "o"},
                                      {"accelerator_model", kGpuModel}, {"accelerator_count", 8},
                                      {"cpu_cores", 8}, {"memory_gib", 64}, {"quantity", 2},
                                      {"price_fen_per_hour", 100}}).status, 201u);
  ASSERT_EQ(a.Patch("/api/v1/nodes/" + s.node_ids[1], {{"state", "draining"}}).status, 200u);
  Reply j1 = b.Post("/api/v1/jobs", JobBody("keep"));
  Reply j2 = b.Post("/api/v1/jobs", JobBody("cancel"));
  ASSERT_EQ(j1.status, 201u);
  ASSERT_EQ(b.Post("/api/v1/jobs/" + std::string(j2.body["id"]) + "/cancel", Json::object()).status,
            200u);
  ASSERT_EQ(Client(w_.op).Delete("/api/v1/users/" + w_.member_a.user_id).status, 204u);

  ApiClient op = Client(w_.op);
  auto before = Snapshot(op);
  ASSERT_EQ(before["nodes"].size(), 2u);

  Status stopped = server_->Stop();
  ASSERT_TRUE(stopped.ok()) << stopped.ToString();
  EXPECT_NE(server_->Log().find("suanli: stopped"), std::string::npos);
  Status restarted = server_->Restart();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();

  ApiClient op2 = Client(w_.op);
  auto after = Snapshot(op2);
  // The server's own loops (scheduler, billing) may change records at any time, so: every
  // record is still there, unchanged unless its version moved on; the audit trail only grows.
  for (const auto& [kind, items] : before) {
    if (kind == "audit") continue;
    std::map<std::string, Json> now;
    for (const auto& x : after[kind]) now[x["id"]] = x;
    for (const auto& x : items) {
      auto it = now.find(x["id"]);
      ASSERT_NE(it, now.end()) << kind << " lost: " << x;
      if (it->second["version"] == x["version"])
        EXPECT_EQ(it->second, x) << kind;
      else
        EXPECT_GT(it->second["version"].get<int64_t>(), x["version"].get<int64_t>()) << kind;
    }
  }
  ASSERT_GE(after["audit"].size(), before["audit"].size());
  for (size_t i = 0; i < before["audit"].size(); ++i)
    EXPECT_EQ(after["audit"][i], before["audit"][i]) << "audit entry " << i;
  // Tokens minted before the restart still authenticate; the deleted user's do not.
  EXPECT_EQ(Client(w_.buy_a).Get("/api/v1/jobs/" + std::string(j1.body["id"])).status, 200u);
  EXPECT_EQ(Client(w_.reg).Get("/api/v1/me").status, 200u);
  EXPECT_ERROR(Client(w_.member_a).Get("/api/v1/me"), 401, "unauthenticated");
  // And the server takes writes again, with versions continuing.
  Reply p = Client(w_.sup_a).Patch("/api/v1/nodes/" + s.node_ids[1], {{"state", "ready"}});
  ASSERT_EQ(p.status, 200u) << p;
  EXPECT_EQ(p.body["version"], 3);
  // The bootstrap does not run twice: still one operator admin.
  EXPECT_EQ(op2.Total("users", "name=admin"), 1);
}

// Writers create jobs (as a buyer) and sites (as a supplier) as fast as they can and record
// every id whose 201 arrived; the server is SIGKILLed at a random moment, then restarted.
TEST_P(DurabilityTest, KillNineLosesNothingAcknowledged) {
  StartServer({"--rate-limit", "0"});
  BuildWorld();
  std::mt19937 rng(std::random_device{}());
  std::map<std::string, std::string> acked;  // id -> plural
  size_t acked_jobs = 0, acked_sites = 0;
  constexpr int kRounds = 5;
  constexpr int kWriters = 4;
  for (int round = 0; round < kRounds; ++round) {
    std::mutex mu;
    std::atomic<bool> stop{false};
    std::atomic<int> transport_errors{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < kWriters; ++t) {
      const bool sites = t == kWriters - 1;
      writers.emplace_back([&, t, sites] {
        ApiClient c(server_->url(), sites ? w_.sup_a.token : w_.buy_a.token);
        for (int i = 0; !stop.load(); ++i) {
          const std::string name = "r" + std::to_string(round) + "-t" + std::to_string(t) + "-" +
                                   std::to_string(i);
          Reply r = sites ? c.Post("/api/v1/sites", SiteBody(name)) : c.Post("/api/v1/jobs", JobBody(name));
          if (r.status == 201) {
            std::lock_guard lock(mu);
            acked[r.body["id"]] = sites ? "sites" : "jobs";
            (sites ? acked_sites : acked_jobs)++;
          } else if (r.status == 0) {
            ++transport_errors;
            break;  // the server is gone
          } else {
            ADD_FAILURE() << "unexpected reply while writing: " << r;
            break;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 500));
    server_->Kill();
    stop = true;
    for (auto& w : writers) w.join();
    ASSERT_FALSE(HasFailure());
    Status s = server_->Restart();
    ASSERT_TRUE(s.ok()) << s.ToString();

    ApiClient op = Client(w_.op);
    size_t missing = 0;
    for (const auto& [id, plural] : acked) {
      Reply g = op.Get("/api/v1/" + plural + "/" + id);
      if (g.status != 200) {
        ++missing;
        ADD_FAILURE() << "round " << round << ": acknowledged " << id << " lost: " << g;
        if (missing > 5) break;
      }
    }
    EXPECT_GE(op.Total("jobs"), static_cast<int64_t>(acked_jobs)) << "round " << round;
    EXPECT_GE(op.Total("sites"), static_cast<int64_t>(acked_sites)) << "round " << round;
    ASSERT_EQ(missing, 0u);
  }
  // The storm actually happened: many writes were acknowledged before the kills.
  EXPECT_GT(acked_jobs, 20u);
  EXPECT_GT(acked_sites, 5u);
  RecordProperty("acknowledged_jobs", static_cast<int>(acked_jobs));
  RecordProperty("acknowledged_sites", static_cast<int>(acked_sites));
}

// The demo network: seeded once, its per-org tokens work by role, and a restart neither loses
// nor re-seeds it.
TEST_P(DurabilityTest, DemoSeedSurvivesRestartOnce) {
  StartServer({"--no-demo-agent"}, /*demo=*/true);  // the local agent has its own test
  auto tokens = server_->DemoTokens();
  ASSERT_TRUE(tokens.has_value()) << tokens.error().ToString();
  EXPECT_GE(tokens->size(), 24u);
  auto op = server_->DemoTokenFor("operator");
  auto reg = server_->DemoTokenFor("regulator");
  auto buyer = server_->DemoTokenFor("buyer", "supplier");
  ASSERT_TRUE(op && reg && buyer);
  ApiClient o = Client(*op);
  EXPECT_EQ(o.Total("orgs"), 25);  // 24 demo orgs + "platform" of the bootstrap admin
  EXPECT_EQ(o.Total("nodes"), 3814);
  EXPECT_EQ(o.Total("pools"), 91);
  EXPECT_EQ(Client(*reg).Total("nodes"), 3814);
  EXPECT_EQ(Client(*reg).Get("/api/v1/me").body["org_roles"], Json::array({"regulator"}));
  EXPECT_EQ(Client(*buyer).Total("nodes"), 0);  // a buyer owns no machines
  Reply j = Client(*buyer).Post("/api/v1/jobs", JobBody("demo-job"));
  ASSERT_EQ(j.status, 201u) << j;
  const int64_t jobs = o.Total("jobs");
  ASSERT_TRUE(server_->Restart().ok());
  ApiClient o2 = Client(*op);
  EXPECT_EQ(o2.Total("orgs"), 25);
  EXPECT_EQ(o2.Total("nodes"), 3814);
  EXPECT_EQ(o2.Total("jobs"), jobs);
  EXPECT_EQ(Client(*buyer).Get("/api/v1/jobs/" + std::string(j.body["id"])).status, 200u);
}

}  // namespace

SUANLI_INSTANTIATE_FOR_STORE(DurabilityTest);

}  // namespace suanli::testing
