#include "api/api_fixture.h"

namespace suanli::testing {

::testing::AssertionResult IsError(const Reply& r, unsigned status, const std::string& code,
                                   const std::string& field) {
  if (r.status != status)
    return ::testing::AssertionFailure() << "want HTTP " << status << " " << code << ", got " << r;
  if (!r.body.is_object() || !r.body.contains("error") || !r.body["error"].is_object())
    return ::testing::AssertionFailure() << "no {\"error\":{...}} object: " << r;
  if (r.code() != code)
    return ::testing::AssertionFailure() << "want code " << code << ", got " << r;
  if (r.message().empty()) return ::testing::AssertionFailure() << "empty message: " << r;
  if (!field.empty() && r.field() != field)
    return ::testing::AssertionFailure() << "want field '" << field << "', got " << r;
  if (r.headers.count("content-type") == 0 ||
      r.headers.at("content-type").find("application/json") == std::string::npos)
    return ::testing::AssertionFailure() << "error is not application/json: " << r;
  return ::testing::AssertionSuccess();
}

void ServerTest::SetUp() {
  tmp_ = std::make_unique<TempDir>("suanli_api");
  auto db = TestDatabase::Create(GetParam(), tmp_->path());
  if (!db) {
    if (GetParam() == StoreKind::kPostgres && !PostgresConfigured())
      GTEST_SKIP() << db.error().ToString();
    FAIL() << db.error().ToString();
  }
  db_ = std::move(*db);
}

void ServerTest::TearDown() {
  if (server_) server_->Kill();
  server_.reset();
  db_.reset();
  tmp_.reset();
}

void ServerTest::StartServer(std::vector<std::string> args, bool demo,
                             const std::string& listen_host) {
  ServerOptions o;
  o.listen_host = listen_host;
  o.db = db_->url();
  o.dir = tmp_->path();
  o.args = std::move(args);
  o.demo = demo;
  auto s = ServerProcess::Start(std::move(o));
  ASSERT_TRUE(s.has_value()) << s.error().ToString();
  server_ = std::move(*s);
}

void WorldTest::SetUp() {
  ServerTest::SetUp();
  if (IsSkipped() || HasFatalFailure()) return;
  StartServer(ServerArgs());
  if (HasFatalFailure()) return;
  BuildWorld();
}

namespace {

// Creates an org with an admin user and a token for it, as the operator.
Who MakeOrg(ApiClient& op, const std::string& name, const std::vector<std::string>& roles,
            const std::string& user_role = "admin", const std::string& existing_org = {}) {
  Who who;
  who.org_name = name;
  if (existing_org.empty()) {
    Reply org = op.Post("/api/v1/orgs", {{"name", name}, {"roles", roles}});
    EXPECT_EQ(org.status, 201u) << org;
    who.org_id = org.body.value("id", "");
  } else {
    who.org_id = existing_org;
  }
  Reply user = op.Post("/api/v1/users", {{"name", user_role + "-" + name},
                                         {"org_id", who.org_id},
                                         {"role", user_role}});
  EXPECT_EQ(user.status, 201u) << user;
  who.user_id = user.body.value("id", "");
  Reply tok = op.Post("/api/v1/tokens", {{"name", "test"}, {"user_id", who.user_id}});
  EXPECT_EQ(tok.status, 201u) << tok;
  who.token = tok.body.value("secret", "");
  return who;
}

}  // namespace

void ServerTest::BuildWorld() {
  ApiClient op = Client(server_->admin_token());
  Reply me = op.Get("/api/v1/me");
  ASSERT_EQ(me.status, 200u) << me;
  w_.op = {me.body.value("org_id", ""), "platform", me.body.value("user_id", ""),
           server_->admin_token()};
  w_.sup_a = MakeOrg(op, "sup-a", {"supplier"});
  w_.sup_b = MakeOrg(op, "sup-b", {"supplier"});
  w_.buy_a = MakeOrg(op, "buy-a", {"buyer"});
  w_.buy_b = MakeOrg(op, "buy-b", {"buyer"});
  w_.reg = MakeOrg(op, "reg", {"regulator"});
  w_.viewer_a = MakeOrg(op, "sup-a", {}, "viewer", w_.sup_a.org_id);
  w_.member_a = MakeOrg(op, "sup-a", {}, "member", w_.sup_a.org_id);
  ASSERT_FALSE(HasFailure()) << "building the world failed";
}

Supply ServerTest::MakeSupply(const Who& owner, const std::string& name, int nodes) {
  ApiClient c = Client(owner);
  Supply s;
  Reply site = c.Post("/api/v1/sites", SiteBody(name));
  EXPECT_EQ(site.status, 201u) << site;
  s.site_id = site.body.value("id", "");
  Reply pool = c.Post("/api/v1/pools", PoolBody(s.site_id, name + "-pool"));
  EXPECT_EQ(pool.status, 201u) << pool;
  s.pool_id = pool.body.value("id", "");
  for (int i = 0; i < nodes; ++i) {
    Reply node = c.Post("/api/v1/nodes", NodeBody(s.pool_id, name + "-n" + std::to_string(i)));
    EXPECT_EQ(node.status, 201u) << node;
    s.node_ids.push_back(node.body.value("id", ""));
  }
  return s;
}

Json SiteBody(const std::string& name, const std::string& city, const std::string& province) {
  return {{"name", name},       {"city", city},        {"province", province},
          {"latitude", 30.57},  {"longitude", 104.06}, {"tier", "region"}};
}

Json PoolBody(const std::string& site_id, const std::string& name) {
  return {{"site_id", site_id}, {"name", name}, {"kind", "ai"}};
}

Json NodeBody(const std::string& pool_id, const std::string& name, int gpus) {
  Json n = {{"pool_id", pool_id}, {"name", name}, {"cpu_cores", 64}, {"memory_gib", 512}};
  if (gpus > 0) n["accelerators"] = Json::array({{{"model", kGpuModel}, {"count", gpus}}});
  return n;
}

Json JobBody(const std::string& name) {
  return {{"name", name}, {"cpu_cores", 1}, {"memory_gib", 1}, {"commands", {{"CPU", "true"}}}};
}

}  // namespace suanli::testing
