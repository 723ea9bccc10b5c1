// The ledger API end to end against a real demo server whose metering runs every 2 s.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "support/api_client.h"
#include "support/server_process.h"

namespace suanli::testing {
namespace {

struct Party {
  std::string org_id;
  std::string token;
  std::vector<std::string> roles;
};

class LedgerApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("suanli_ledger_api");
    // ledger_api_test runs on SQLite; ledger_api_test_pg (SUANLI_TEST_POSTGRES) on a fresh
    // schema of $SUANLI_TEST_PG_URL, skipped when it is unset.
#if defined(SUANLI_TEST_POSTGRES)
    auto db = TestDatabase::Create(StoreKind::kPostgres, dir_->path());
#else
    auto db = TestDatabase::Create(StoreKind::kSqlite, dir_->path());
#endif
    if (!db) GTEST_SKIP() << db.error().ToString();
    db_ = db->release();
    ServerOptions o;
    o.db = db_->url();
    o.dir = dir_->path();
    o.demo = true;
    o.env = {{"SUANLI_BILLING_INTERVAL_S", "2"}};
    auto s = ServerProcess::Start(o);
    ASSERT_TRUE(s) << s.error().ToString();
    server_ = s->release();
    auto tokens = server_->DemoTokens();
    ASSERT_TRUE(tokens);
    for (const DemoToken& t : *tokens) {
      ApiClient c(server_->url(), t.token);
      Reply me = c.Get("/api/v1/me");
      ASSERT_EQ(me.status, 200u) << me;
      parties_->push_back({me.body["org_id"], t.token, t.roles});
    }
  }
  // Without a database (PostgreSQL unset) the suite is skipped: each test too.
  void SetUp() override {
    if (!server_) GTEST_SKIP() << "no test database";
  }
  static void TearDownTestSuite() {
    delete server_;
    delete db_;
    delete dir_;
    server_ = nullptr;
    db_ = nullptr;
  }

  static const Party& With(const std::string& role, const std::string& without = {}) {
    for (const Party& p : *parties_) {
      auto has = [&](const std::string& r) {
        return std::find(p.roles.begin(), p.roles.end(), r) != p.roles.end();
      };
      if (has(role) && (without.empty() || !has(without))) return p;
    }
    static Party none;
    ADD_FAILURE() << "no demo org with role " << role;
    return none;
  }
  static const Party* ByOrg(const std::string& org_id) {
    for (const Party& p : *parties_) {
      if (p.org_id == org_id) return &p;
    }
    return nullptr;
  }
  ApiClient As(const Party& p) { return ApiClient(server_->url(), p.token); }

  // Polls `fn` (every 250 ms, up to 30 s) until it returns true.
  template <class F>
  static bool Eventually(F fn) {
    for (int i = 0; i < 120; ++i) {
      if (fn()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
  }

  static TempDir* dir_;
  static TestDatabase* db_;
  static ServerProcess* server_;
  static std::vector<Party>* parties_;
};

TempDir* LedgerApi::dir_ = nullptr;
TestDatabase* LedgerApi::db_ = nullptr;
ServerProcess* LedgerApi::server_ = nullptr;
std::vector<Party>* LedgerApi::parties_ = new std::vector<Party>;

Json Statement(ApiClient& c, const std::string& org) {
  Reply r = c.Get("/api/v1/ledger/statements?org_id=" + org);
  EXPECT_EQ(r.status, 200u) << r;
  return r.body;
}

int64_t CountKind(const Json& statement, const std::string& kind) {
  int64_t n = 0;
  for (const auto& l : statement["lines"]) n += l["kind"] == kind;
  return n;
}

TEST_F(LedgerApi, TheSubsidisedDemoBuyerGetsStatementsWithVouchers) {
  ApiClient reg = As(With("regulator"));
  Reply apps = reg.Get("/api/v1/vouchers/applications");
  ASSERT_EQ(apps.status, 200u) << apps;
  ASSERT_EQ(apps.body["items"].size(), 1u) << apps;
  EXPECT_EQ(apps.body["items"][0]["state"], "approved");
  const std::string buyer = apps.body["items"][0]["buyer"];
  const Party* b = ByOrg(buyer);
  ASSERT_NE(b, nullptr);
  ApiClient c = As(*b);
  Json s;
  ASSERT_TRUE(Eventually([&] {
    s = Statement(c, buyer);
    return CountKind(s, "usage") > 0 && CountKind(s, "voucher") > 0;
  })) << s.dump(1);
  const Json& inv = s["invoice"];
  EXPECT_GT(inv["usage_charges_fen"].get<int64_t>(), 0);
  EXPECT_GT(inv["voucher_covered_fen"].get<int64_t>(), 0);
  // The programme covers 30% of each bill (rounded half-even per entry): within a fen per entry.
  const int64_t usage = inv["usage_charges_fen"], covered = inv["voucher_covered_fen"];
  EXPECT_LE(std::abs(covered * 10 - usage * 3), CountKind(s, "voucher") * 10) << inv;
  EXPECT_EQ(inv["amount_due_fen"].get<int64_t>(),
            usage - covered - inv["sla_credits_fen"].get<int64_t>() +
                inv["reversals_fen"].get<int64_t>());
  bool has_job = false;
  for (const auto& l : s["lines"]) has_job = has_job || (l["kind"] == "usage" && l["job"] != "");
  EXPECT_TRUE(has_job);
  Reply csv = c.Get("/api/v1/ledger/statements?format=csv&period=day");
  EXPECT_EQ(csv.status, 200u);
  EXPECT_NE(csv.raw.find("usage"), std::string::npos) << csv.raw.substr(0, 400);
  Reply invoice = c.Get("/api/v1/ledger/invoices");
  ASSERT_EQ(invoice.status, 200u) << invoice;
  EXPECT_GT(invoice.body["invoice"]["usage_charges_fen"].get<int64_t>(), 0);
}

TEST_F(LedgerApi, OrganisationsSeeOnlyTheirOwnMoney) {
  const Party& b1 = With("buyer", "supplier");
  const Party* b2 = nullptr;
  for (const Party& p : *parties_) {
    if (p.org_id != b1.org_id && std::count(p.roles.begin(), p.roles.end(), "buyer") &&
        !std::count(p.roles.begin(), p.roles.end(), "regulator") &&
        !std::count(p.roles.begin(), p.roles.end(), "operator"))
      b2 = &p;
  }
  ASSERT_NE(b2, nullptr);
  ApiClient c = As(*b2);
  for (const std::string& target :
       {"/api/v1/ledger/statements?org_id=" + b1.org_id, "/api/v1/ledger/invoices?org_id=" + b1.org_id,
        "/api/v1/ledger/balances?org_id=" + b1.org_id,
        "/api/v1/ledger/entries?account=buyer:" + b1.org_id + ":balance",
        std::string("/api/v1/ledger/verify")}) {
    Reply r = c.Get(target);
    EXPECT_TRUE(r.status == 403u || r.status == 404u) << target << " " << r;
  }
  Reply mine = c.Get("/api/v1/ledger/balances");
  ASSERT_EQ(mine.status, 200u) << mine;
  for (const auto& a : mine.body["items"]) {
    EXPECT_NE(a["account"].get<std::string>().find(":" + b2->org_id + ":"), std::string::npos) << a;
  }
  Reply entries = c.Get("/api/v1/ledger/entries?limit=1000");
  ASSERT_EQ(entries.status, 200u);
  for (const auto& e : entries.body["items"]) {
    EXPECT_TRUE(e["attrs"].value("buyer", "") == b2->org_id ||
                e["attrs"].value("supplier", "") == b2->org_id) << e;
  }
  // Money moves only by the operator's entries; nobody edits or deletes history.
  Reply topup = c.Post("/api/v1/ledger/topups", {{"org_id", b2->org_id}, {"amount_fen", 100}});
  EXPECT_EQ(topup.status, 403u) << topup;
  EXPECT_EQ(c.Post("/api/v1/ledger/reversals", {{"seq", 1}, {"reason", "x"}}).status, 403u);
  ApiClient op(server_->url(), server_->admin_token());
  for (const char* m : {"PATCH", "DELETE"}) {
    Reply r = op.Send(m, "/api/v1/ledger/entries", "{}");
    EXPECT_TRUE(r.status == 404u || r.status == 405u) << m << " " << r;
  }
}

TEST_F(LedgerApi, ProgrammeApplicationApprovalAndTheVoucherOnTheNextBills) {
  ApiClient op(server_->url(), server_->admin_token());
  ApiClient reg = As(With("regulator"));
  Reply apps = reg.Get("/api/v1/vouchers/applications");
  ASSERT_EQ(apps.status, 200u);
  const std::string subsidised = apps.body["items"][0]["buyer"];
  // A buyer (not the subsidised one) whose running job is being metered now, not a related party.
  std::string buyer, supplier, job;
  Reply all = op.Get("/api/v1/ledger/entries?limit=1000");
  ASSERT_EQ(all.status, 200u);
  int64_t latest = 0;
  for (const auto& e : all.body["items"]) {
    if (e["kind"] != "usage") continue;
    const Json& a = e["attrs"];
    const std::string b = a["buyer"];
    if (b == subsidised || ByOrg(b) == nullptr || a["buyer"] == a["supplier"] ||
        (a["buyer_group"] != "" && a["buyer_group"] == a["supplier_group"]))
      continue;
    Reply j = op.Get("/api/v1/jobs/" + a["job"].get<std::string>());
    if (j.status != 200u || j.body["state"] != "running") continue;
    const int64_t to = std::stoll(a["to_ms"].get<std::string>());
    if (to > latest) latest = to, buyer = b, supplier = a["supplier"], job = a["job"];
  }
  ASSERT_FALSE(buyer.empty()) << "no metered running job of an unsubsidised buyer";
  ApiClient bc = As(*ByOrg(buyer));

  Json prog = {{"id", "test-prog"},          {"name", "测试算力券"},
               {"share_bps", 2000},          {"min_contract_fen", 500000},
               {"cap_per_company_fen", 100000000}, {"budget_fen", 500000000},
               {"valid_from", "2020-01-01T00:00:00Z"}, {"valid_until", "2099-01-01T00:00:00Z"}};
  EXPECT_EQ(bc.Post("/api/v1/vouchers/programmes", prog).status, 403u);  // buyers cannot
  Reply created = reg.Post("/api/v1/vouchers/programmes", prog);
  ASSERT_EQ(created.status, 201u) << created;
  EXPECT_EQ(created.body["budget_left_fen"], 500000000);
  EXPECT_EQ(reg.Post("/api/v1/vouchers/programmes", prog).status, 409u);
  Reply list = bc.Get("/api/v1/vouchers/programmes");
  ASSERT_EQ(list.status, 200u);
  EXPECT_GE(list.body["items"].size(), 2u);

  Reply low = bc.Post("/api/v1/vouchers/applications",
                      {{"programme", "test-prog"}, {"contract_fen", 1000}});
  EXPECT_EQ(low.status, 400u) << low;  // below the minimum contract
  Reply app = bc.Post("/api/v1/vouchers/applications",
                      {{"programme", "test-prog"}, {"contract_fen", 800000}});
  ASSERT_EQ(app.status, 201u) << app;
  EXPECT_EQ(app.body["state"], "pending");
  const std::string id = app.body["id"];
  EXPECT_EQ(bc.Post("/api/v1/vouchers/applications/" + id + "/approve", Json::object()).status,
            403u);
  Reply ok = reg.Post("/api/v1/vouchers/applications/" + id + "/approve", {{"reason", "contract seen"}});
  ASSERT_EQ(ok.status, 200u) << ok;
  EXPECT_EQ(ok.body["state"], "approved");
  EXPECT_EQ(reg.Post("/api/v1/vouchers/applications/" + id + "/reject", Json::object()).status,
            409u);  // decided once

  // The next bills of that buyer carry the voucher: 20% of each usage charge.
  Json vouchers;
  ASSERT_TRUE(Eventually([&] {
    Reply r = reg.Get("/api/v1/ledger/entries?account=voucher:test-prog:fund&limit=1000");
    vouchers = r.body["items"];
    return r.status == 200u && vouchers.size() >= 2;  // the programme entry and a voucher
  })) << vouchers.dump(1);
  const Json& v = vouchers[1];
  EXPECT_EQ(v["kind"], "voucher");
  EXPECT_EQ(v["attrs"]["buyer"], buyer);
  Reply usage = op.Get("/api/v1/ledger/entries?after_seq=" +
                       std::to_string(v["ref"].get<int64_t>() - 1) + "&limit=1");
  ASSERT_EQ(usage.status, 200u);
  const int64_t charge = std::stoll(usage.body["items"][0]["attrs"]["charge_fen"].get<std::string>());
  const int64_t cover = v["lines"][0]["amount_fen"];
  EXPECT_LE(std::abs(cover * 5 - charge), 3) << "cover " << cover << " of " << charge;
  Json s = Statement(bc, buyer);
  EXPECT_GT(s["invoice"]["voucher_covered_fen"].get<int64_t>(), 0) << s["invoice"];

  // The supplier's write-off report lists the redemption; the regulator may read it too.
  supplier = v["attrs"]["supplier"];
  Reply wo = reg.Get("/api/v1/vouchers/writeoffs?supplier_id=" + supplier);
  ASSERT_EQ(wo.status, 200u) << wo;
  bool found = false;
  for (const auto& r : wo.body["rows"]) found = found || r["programme"] == "test-prog";
  EXPECT_TRUE(found) << wo;
  EXPECT_EQ(bc.Get("/api/v1/vouchers/writeoffs?supplier_id=" + supplier).status, 403u);
}

TEST_F(LedgerApi, TopupReversalAndVerify) {
  ApiClient op(server_->url(), server_->admin_token());
  const Party& b = With("buyer", "supplier");
  Reply t = op.Post("/api/v1/ledger/topups",
                    {{"org_id", b.org_id}, {"amount_fen", 123456}, {"key", "t-1"}});
  ASSERT_EQ(t.status, 201u) << t;
  EXPECT_FALSE(t.body["attrs"]["actor_user"].get<std::string>().empty());
  Reply again = op.Post("/api/v1/ledger/topups",
                        {{"org_id", b.org_id}, {"amount_fen", 123456}, {"key", "t-1"}});
  EXPECT_EQ(again.status, 200u);
  EXPECT_EQ(again.body["duplicate"], true);
  const int64_t seq = t.body["seq"];
  Reply rev = op.Post("/api/v1/ledger/reversals", {{"seq", seq}, {"reason", "wrong amount"}});
  ASSERT_EQ(rev.status, 201u) << rev;
  EXPECT_EQ(rev.body["lines"][1]["amount_fen"], 123456);
  Reply twice = op.Post("/api/v1/ledger/reversals", {{"seq", seq}, {"reason", "again"}});
  EXPECT_EQ(twice.status, 200u);  // the same key: the original reversal, nothing new
  EXPECT_EQ(twice.body["duplicate"], true);
  EXPECT_EQ(op.Post("/api/v1/ledger/reversals", {{"seq", 99999999}, {"reason", "x"}}).status, 404u);

  Reply v = As(With("regulator")).Get("/api/v1/ledger/verify");
  ASSERT_EQ(v.status, 200u) << v;
  EXPECT_EQ(v.body["ok"], true) << v;
  EXPECT_GT(v.body["entries"].get<int64_t>(), 10);

  Reply doc = op.Get("/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200u);
  for (const char* path : {"/api/v1/ledger/statements", "/api/v1/vouchers/programmes",
                           "/api/v1/vouchers/applications/{id}/approve", "/api/v1/ledger/verify"})
    EXPECT_TRUE(doc.body["paths"].contains(path)) << path;

  // Stopped, the same database verifies from the command line.
  ASSERT_TRUE(server_->Stop().ok());
  const std::string cmd = std::string(std::getenv("SUANLI_BIN")) + " ledger verify --db '" +
                          server_->options().db + "' > " + dir_->path() + "/verify.out 2>&1";
  const int rc = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << ReadFile(dir_->path() + "/verify.out");
  ASSERT_TRUE(server_->Restart().ok());
}

}  // namespace
}  // namespace suanli::testing
