// The REST API over real HTTP against a real `suanli serve`, on SQLite (api_test) and on
// PostgreSQL (api_pg_test): every route, its success and its 400/401/403/404/409/413/429 cases,
// and that a failed request stores nothing.
#include <set>

#include "api/api_fixture.h"

namespace suanli::testing {
namespace {

class ApiTest : public WorldTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--max-body", "2048"}; }
};

// ---------------- platform routes ----------------

TEST_P(ApiTest, HealthMetricsAndOpenApiNeedNoToken) {
  ApiClient anon = Client("");
  Reply h = anon.Get("/healthz");
  EXPECT_EQ(h.status, 200u) << h;
  EXPECT_EQ(h.body.value("status", ""), "ok");
  EXPECT_FALSE(h.headers["x-request-id"].empty());
  Reply m = anon.Get("/metrics");
  EXPECT_EQ(m.status, 200u);
  EXPECT_NE(m.headers["content-type"].find("text/plain"), std::string::npos);
  Reply o = anon.Get("/api/v1/openapi.json");
  EXPECT_EQ(o.status, 200u);
  EXPECT_EQ(o.body.value("openapi", "").substr(0, 2), "3.");
}

TEST_P(ApiTest, UnknownEndpointIs404AndWrongMethodIs405) {
  ApiClient op = Client(w_.op);
  EXPECT_ERROR(op.Get("/api/v1/nothing"), 404, "not_found");
  EXPECT_ERROR(op.Get("/api/v2/nodes"), 404, "not_found");
  Reply r = op.Send("PUT", "/api/v1/nodes", "{}");
  EXPECT_EQ(r.status, 405u) << r;
  EXPECT_FALSE(r.code().empty()) << r;
  EXPECT_ERROR(op.Send("GET", "/api/v1/nodes/%zz"), 400, "invalid_argument");
}

TEST_P(ApiTest, MissingOrBadTokenIs401OnEveryAuthenticatedRoute) {
  ApiClient anon = Client("");
  ApiClient bad = Client("sl_not_a_real_token");
  for (const char* path : {"/api/v1/me", "/api/v1/orgs", "/api/v1/users", "/api/v1/tokens",
                           "/api/v1/sites", "/api/v1/pools", "/api/v1/nodes", "/api/v1/accelerators",
                           "/api/v1/offers", "/api/v1/jobs", "/api/v1/capacity", "/api/v1/audit"}) {
    Reply a = anon.Get(path);
    EXPECT_ERROR(a, 401, "unauthenticated") << path;
    EXPECT_NE(a.headers["www-authenticate"].find("Bearer"), std::string::npos) << path;
    EXPECT_ERROR(bad.Get(path), 401, "unauthenticated") << path;
  }
  const int64_t before = Client(w_.op).Total("sites");
  EXPECT_ERROR(anon.Post("/api/v1/sites", SiteBody("x")), 401, "unauthenticated");
  EXPECT_ERROR(bad.Post("/api/v1/sites", SiteBody("x")), 401, "unauthenticated");
  ApiClient basic = Client("");
  EXPECT_ERROR(basic.Send("GET", "/api/v1/me", {}, {{"Authorization", "Basic Zm9vOmJhcg=="}}), 401,
               "unauthenticated");
  EXPECT_EQ(Client(w_.op).Total("sites"), before);
}

TEST_P(ApiTest, MeDescribesTheCaller) {
  Reply me = Client(w_.sup_a).Get("/api/v1/me");
  ASSERT_EQ(me.status, 200u) << me;
  EXPECT_EQ(me.body["org_id"], w_.sup_a.org_id);
  EXPECT_EQ(me.body["user_id"], w_.sup_a.user_id);
  EXPECT_EQ(me.body["role"], "admin");
  EXPECT_EQ(me.body["org_roles"], Json::array({"supplier"}));
  Reply v = Client(w_.viewer_a).Get("/api/v1/me");
  EXPECT_EQ(v.body["role"], "viewer");
  Reply op = Client(w_.op).Get("/api/v1/me");
  EXPECT_EQ(op.body["org_roles"], Json::array({"operator"}));
}

// ---------------- orgs ----------------

TEST_P(ApiTest, OrgsCrud) {
  ApiClient op = Client(w_.op);
  Reply c = op.Post("/api/v1/orgs", {{"name", "newco"}, {"roles", {"buyer", "supplier"}},
                                     {"display_name", "新公司"}});
  ASSERT_EQ(c.status, 201u) << c;
  const std::string id = c.body["id"];
  EXPECT_EQ(c.body["version"], 1);
  EXPECT_EQ(c.body["org_id"], id);
  EXPECT_FALSE(c.body.value("created_at", "").empty());

  Reply g = op.Get("/api/v1/orgs/" + id);
  ASSERT_EQ(g.status, 200u) << g;
  EXPECT_EQ(g.body["display_name"], "新公司");

  Reply l = op.Get("/api/v1/orgs?roles=buyer&sort=name");
  ASSERT_EQ(l.status, 200u) << l;
  std::vector<std::string> names;
  for (const auto& o : l.body["items"]) names.push_back(o["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"buy-a", "buy-b", "newco"}));

  Reply p = op.Patch("/api/v1/orgs/" + id, {{"display_name", "改名"}, {"version", 1}});
  ASSERT_EQ(p.status, 200u) << p;
  EXPECT_EQ(p.body["version"], 2);
  EXPECT_EQ(p.body["display_name"], "改名");
  EXPECT_ERROR(op.Patch("/api/v1/orgs/" + id, {{"display_name", "x"}, {"version", 1}}), 409,
               "aborted");
  EXPECT_ERROR(op.Patch("/api/v1/orgs/" + id, {{"name", "sup-a"}}), 409, "already_exists", "name");
  EXPECT_ERROR(op.Post("/api/v1/orgs", {{"name", "newco"}, {"roles", {"buyer"}}}), 409,
               "already_exists", "name");
  EXPECT_ERROR(op.Post("/api/v1/orgs", {{"name", "x1"}, {"roles", {"pirate"}}}), 400,
               "invalid_argument", "roles[0]");
  EXPECT_ERROR(op.Post("/api/v1/orgs", {{"name", "x2"}, {"roles", Json::array()}}), 400,
               "invalid_argument", "roles");

  // Only the operator's admins create and delete organisations.
  EXPECT_ERROR(Client(w_.sup_a).Post("/api/v1/orgs", {{"name", "x3"}, {"roles", {"buyer"}}}), 403,
               "permission_denied");
  EXPECT_ERROR(Client(w_.reg).Delete("/api/v1/orgs/" + id), 403, "permission_denied");
  // An org admin may rename its org but not change its roles.
  EXPECT_EQ(Client(w_.sup_a).Patch("/api/v1/orgs/" + w_.sup_a.org_id,
                                   {{"display_name", "供应商A"}}).status, 200u);
  EXPECT_ERROR(Client(w_.sup_a).Patch("/api/v1/orgs/" + w_.sup_a.org_id,
                                      {{"roles", {"supplier", "operator"}}}), 403,
               "permission_denied");
  EXPECT_ERROR(Client(w_.sup_a).Patch("/api/v1/orgs/" + w_.sup_b.org_id,
                                      {{"display_name", "hijack"}}), 403, "permission_denied");
  // An org with users cannot go; the operator cannot delete its own.
  EXPECT_ERROR(op.Delete("/api/v1/orgs/" + w_.sup_b.org_id), 409, "failed_precondition");
  EXPECT_ERROR(op.Delete("/api/v1/orgs/" + w_.op.org_id), 409, "failed_precondition");

  Reply d = op.Delete("/api/v1/orgs/" + id);
  EXPECT_EQ(d.status, 204u) << d;
  EXPECT_TRUE(d.raw.empty());
  EXPECT_ERROR(op.Get("/api/v1/orgs/" + id), 404, "not_found");
  EXPECT_ERROR(op.Delete("/api/v1/orgs/" + id), 404, "not_found");
}

// ---------------- users ----------------

TEST_P(ApiTest, UsersCrudAndOrgAdmins) {
  ApiClient a = Client(w_.sup_a);
  Reply c = a.Post("/api/v1/users", {{"name", "alice"}, {"email", "alice@sup-a.cn"}});
  ASSERT_EQ(c.status, 201u) << c;
  const std::string id = c.body["id"];
  EXPECT_EQ(c.body["org_id"], w_.sup_a.org_id);  // defaults to the caller's org
  EXPECT_EQ(c.body["role"], "member");
  EXPECT_ERROR(a.Post("/api/v1/users", {{"name", "alice"}}), 409, "already_exists", "name");
  EXPECT_ERROR(a.Post("/api/v1/users", {{"name", "bob"}, {"org_id", w_.sup_b.org_id}}), 403,
               "permission_denied");
  EXPECT_ERROR(a.Post("/api/v1/users", {{"name", "bob"}, {"role", "king"}}), 400,
               "invalid_argument", "role");
  EXPECT_ERROR(Client(w_.member_a).Post("/api/v1/users", {{"name", "carol"}}), 403,
               "permission_denied");
  EXPECT_ERROR(Client(w_.viewer_a).Post("/api/v1/users", {{"name", "carol"}}), 403,
               "permission_denied");

  // Lists: an org admin sees its own users; the regulator and operator see all.
  Reply mine = a.Get("/api/v1/users");
  ASSERT_EQ(mine.status, 200u) << mine;
  for (const auto& u : mine.body["items"]) EXPECT_EQ(u["org_id"], w_.sup_a.org_id);
  EXPECT_EQ(mine.body["total"], 4);  // admin, viewer, member, alice
  EXPECT_EQ(Client(w_.reg).Total("users"), Client(w_.op).Total("users"));
  EXPECT_EQ(a.Total("users", "role=viewer"), 1);
  EXPECT_ERROR(Client(w_.sup_b).Get("/api/v1/users/" + id), 404, "not_found");

  EXPECT_EQ(a.Patch("/api/v1/users/" + id, {{"role", "viewer"}}).status, 200u);
  // A member may change its own display name, not its role.
  ApiClient m = Client(w_.member_a);
  EXPECT_EQ(m.Patch("/api/v1/users/" + w_.member_a.user_id, {{"display_name", "M"}}).status, 200u);
  EXPECT_ERROR(m.Patch("/api/v1/users/" + w_.member_a.user_id, {{"role", "admin"}}), 403,
               "permission_denied");
  EXPECT_ERROR(a.Patch("/api/v1/users/" + id, {{"org_id", w_.sup_b.org_id}}), 400,
               "invalid_argument", "org_id");
  EXPECT_ERROR(a.Patch("/api/v1/users/" + w_.sup_a.user_id, {{"disabled", true}}), 409,
               "failed_precondition", "disabled");
  EXPECT_ERROR(a.Delete("/api/v1/users/" + w_.sup_a.user_id), 409, "failed_precondition");

  // Disabling a user stops its tokens; deleting it removes them.
  EXPECT_EQ(a.Patch("/api/v1/users/" + w_.member_a.user_id, {{"disabled", true}}).status, 200u);
  EXPECT_ERROR(m.Get("/api/v1/me"), 401, "unauthenticated");
  const int64_t tokens = Client(w_.op).Total("tokens");
  Reply d = a.Delete("/api/v1/users/" + w_.member_a.user_id);
  EXPECT_EQ(d.status, 204u) << d;
  EXPECT_EQ(Client(w_.op).Total("tokens"), tokens - 1);
  EXPECT_ERROR(a.Get("/api/v1/users/" + w_.member_a.user_id), 404, "not_found");
  EXPECT_ERROR(Client(w_.sup_b).Delete("/api/v1/users/" + id), 404, "not_found");
}

// ---------------- tokens ----------------

TEST_P(ApiTest, TokenSecretWorksAndDeleteRevokesIt) {
  ApiClient a = Client(w_.sup_a);
  Reply c = a.Post("/api/v1/tokens", {{"name", "ci"}});
  ASSERT_EQ(c.status, 201u) << c;
  const std::string secret = c.body.value("secret", "");
  const std::string id = c.body["token"]["id"];
  ASSERT_EQ(secret.rfind("sl_", 0), 0u) << c;
  EXPECT_EQ(c.body["token"]["user_id"], w_.sup_a.user_id);
  EXPECT_EQ(c.body["token"]["prefix"], secret.substr(0, 8));
  EXPECT_FALSE(c.body["token"].contains("hash"));

  ApiClient t = Client(secret);
  Reply me = t.Get("/api/v1/me");
  ASSERT_EQ(me.status, 200u) << me;
  EXPECT_EQ(me.body["token_id"], id);

  Reply g = a.Get("/api/v1/tokens/" + id);
  ASSERT_EQ(g.status, 200u) << g;
  EXPECT_FALSE(g.body.contains("hash"));
  EXPECT_EQ(g.raw.find(secret), std::string::npos);
  Reply l = a.Get("/api/v1/tokens?user_id=" + w_.sup_a.user_id);
  ASSERT_EQ(l.status, 200u) << l;
  EXPECT_EQ(l.body["total"], 2);
  for (const auto& x : l.body["items"]) EXPECT_FALSE(x.contains("hash"));

  EXPECT_EQ(a.Patch("/api/v1/tokens/" + id, {{"name", "ci-2"}}).status, 200u);
  EXPECT_ERROR(a.Patch("/api/v1/tokens/" + id, {{"user_id", w_.op.user_id}}), 400,
               "invalid_argument", "user_id");
  EXPECT_ERROR(Client(w_.sup_b).Get("/api/v1/tokens/" + id), 404, "not_found");
  EXPECT_ERROR(Client(w_.sup_b).Delete("/api/v1/tokens/" + id), 404, "not_found");

  // Bad creations.
  EXPECT_ERROR(a.Post("/api/v1/tokens", {{"name", "x"}, {"user_id", "user_nope"}}), 400,
               "invalid_argument", "user_id");
  EXPECT_ERROR(a.Post("/api/v1/tokens", {{"name", "x"}, {"user_id", w_.sup_b.user_id}}), 403,
               "permission_denied");
  EXPECT_ERROR(a.Post("/api/v1/tokens", {{"name", "x"}, {"expires_at", "2001-01-01T00:00:00Z"}}),
               400, "invalid_argument", "expires_at");
  EXPECT_ERROR(a.Post("/api/v1/tokens", {{"name", "x"}, {"expires_at", "tomorrow"}}), 400,
               "invalid_argument", "expires_at");
  EXPECT_ERROR(a.Post("/api/v1/tokens", {{"name", "x"}, {"hash", "00"}}), 400, "invalid_argument",
               "hash");
  EXPECT_ERROR(a.Post("/api/v1/tokens", Json::object()), 400, "invalid_argument", "name");
  // An admin may mint a token for a member of its own org.
  Reply form = a.Post("/api/v1/tokens", {{"name", "for-m"}, {"user_id", w_.member_a.user_id}});
  EXPECT_EQ(form.status, 201u) << form;

  Reply d = a.Delete("/api/v1/tokens/" + id);
  EXPECT_EQ(d.status, 204u) << d;
  EXPECT_ERROR(t.Get("/api/v1/me"), 401, "unauthenticated");
  EXPECT_ERROR(a.Get("/api/v1/tokens/" + id), 404, "not_found");
}

// ---------------- sites: list queries ----------------

TEST_P(ApiTest, SitesFiltersSortingAndPagination) {
  ApiClient a = Client(w_.sup_a);
  const std::vector<std::pair<std::string, std::string>> sites = {
      {"s-e", "成都市"}, {"s-c", "贵阳市"}, {"s-a", "成都市"}, {"s-d", "重庆市"}, {"s-b", "成都市"}};
  std::vector<std::string> ids;
  for (const auto& [name, city] : sites) {
    Reply r = a.Post("/api/v1/sites", SiteBody(name, city));
    ASSERT_EQ(r.status, 201u) << r;
    EXPECT_EQ(r.body["org_id"], w_.sup_a.org_id);
    ids.push_back(r.body["id"]);
  }
  ApiClient anyone = Client(w_.buy_b);  // sites are public
  Reply all = anyone.Get("/api/v1/sites");
  ASSERT_EQ(all.status, 200u) << all;
  EXPECT_EQ(all.body["total"], 5);
  EXPECT_EQ(all.body["offset"], 0);
  EXPECT_EQ(all.body["limit"], 100);
  EXPECT_TRUE(all.body["next_offset"].is_null());
  // Default order: by id.
  std::vector<std::string> got;
  for (const auto& s : all.body["items"]) got.push_back(s["id"]);
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));

  auto names = [](const Reply& r) {
    std::vector<std::string> n;
    for (const auto& s : r.body["items"]) n.push_back(s["name"]);
    return n;
  };
  const std::string chengdu = client::UrlEncode("成都市");
  Reply f = anyone.Get("/api/v1/sites?city=" + chengdu + "&sort=name");
  ASSERT_EQ(f.status, 200u) << f;
  EXPECT_EQ(f.body["total"], 3);
  EXPECT_EQ(names(f), (std::vector<std::string>{"s-a", "s-b", "s-e"}));
  Reply fd = anyone.Get("/api/v1/sites?city=" + chengdu + "&sort=-name");
  EXPECT_EQ(names(fd), (std::vector<std::string>{"s-e", "s-b", "s-a"}));
  EXPECT_EQ(anyone.Total("sites", "org_id=" + w_.sup_a.org_id), 5);
  EXPECT_EQ(anyone.Total("sites", "org_id=" + w_.sup_b.org_id), 0);
  EXPECT_EQ(anyone.Total("sites", "name=s-c"), 1);
  EXPECT_EQ(anyone.Total("sites", "tier=hub"), 0);

  // Pages of 2 walk the whole sorted list exactly once.
  std::vector<std::string> walked;
  std::string next = "0";
  int pages = 0;
  while (pages++ < 10) {
    Reply p = anyone.Get("/api/v1/sites?sort=name&limit=2&offset=" + next);
    ASSERT_EQ(p.status, 200u) << p;
    EXPECT_EQ(p.body["total"], 5);
    EXPECT_LE(p.body["items"].size(), 2u);
    for (const auto& n : names(p)) walked.push_back(n);
    if (p.body["next_offset"].is_null()) break;
    next = std::to_string(p.body["next_offset"].get<int>());
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(walked, (std::vector<std::string>{"s-a", "s-b", "s-c", "s-d", "s-e"}));
  Reply past = anyone.Get("/api/v1/sites?offset=50");
  ASSERT_EQ(past.status, 200u) << past;
  EXPECT_TRUE(past.body["items"].empty());
  EXPECT_EQ(past.body["total"], 5);

  EXPECT_ERROR(anyone.Get("/api/v1/sites?limit=0"), 400, "invalid_argument", "limit");
  EXPECT_ERROR(anyone.Get("/api/v1/sites?limit=1001"), 400, "invalid_argument", "limit");
  EXPECT_ERROR(anyone.Get("/api/v1/sites?limit=abc"), 400, "invalid_argument", "limit");
  EXPECT_ERROR(anyone.Get("/api/v1/sites?limit=-1"), 400, "invalid_argument", "limit");
  EXPECT_ERROR(anyone.Get("/api/v1/sites?offset=x"), 400, "invalid_argument", "offset");
  EXPECT_ERROR(anyone.Get("/api/v1/sites?sort=latitude"), 400, "invalid_argument", "sort");
  EXPECT_ERROR(anyone.Get("/api/v1/sites?sort=bogus"), 400, "invalid_argument", "sort");
  EXPECT_ERROR(anyone.Get("/api/v1/sites?colour=red"), 400, "invalid_argument", "colour");
  EXPECT_ERROR(anyone.Get("/api/v1/sites?latitude=1"), 400, "invalid_argument", "latitude");

  // Site lifecycle.
  EXPECT_ERROR(a.Post("/api/v1/sites", SiteBody("s-a")), 409, "already_exists", "name");
  Reply p = a.Patch("/api/v1/sites/" + ids[0], {{"tier", "hub"}, {"description", "主枢纽"}});
  ASSERT_EQ(p.status, 200u) << p;
  EXPECT_EQ(p.body["tier"], "hub");
  EXPECT_EQ(anyone.Total("sites", "tier=hub"), 1);
  EXPECT_ERROR(a.Patch("/api/v1/sites/" + ids[0], {{"name", "s-b"}}), 409, "already_exists", "name");
  EXPECT_ERROR(a.Patch("/api/v1/sites/" + ids[0], {{"tier", "galactic"}}), 400, "invalid_argument",
               "tier");
  EXPECT_ERROR(a.Patch("/api/v1/sites/" + ids[0], {{"latitude", 91}}), 400, "invalid_argument",
               "latitude");
  EXPECT_ERROR(a.Patch("/api/v1/sites/" + ids[0], {{"org_id", w_.sup_b.org_id}}), 400,
               "invalid_argument", "org_id");
  EXPECT_EQ(a.Delete("/api/v1/sites/" + ids[1]).status, 204u);
  EXPECT_EQ(anyone.Total("sites"), 4);
  EXPECT_ERROR(a.Get("/api/v1/sites/" + ids[1]), 404, "not_found");
}

// ---------------- version checks ----------------

TEST_P(ApiTest, StaleVersionIs409InBodyAndIfMatch) {
  ApiClient a = Client(w_.sup_a);
  Reply s = a.Post("/api/v1/sites", SiteBody("v"));
  ASSERT_EQ(s.status, 201u) << s;
  const std::string path = "/api/v1/sites/" + std::string(s.body["id"]);
  EXPECT_EQ(a.Patch(path, {{"city", "绵阳市"}, {"version", 1}}).status, 200u);
  EXPECT_ERROR(a.Patch(path, {{"city", "德阳市"}, {"version", 1}}), 409, "aborted");
  EXPECT_ERROR(a.Patch(path, {{"city", "德阳市"}}, {{"If-Match", "\"1\""}}), 409, "aborted");
  EXPECT_ERROR(a.Patch(path, {{"city", "德阳市"}, {"version", "2"}}), 400, "invalid_argument",
               "version");
  Reply ok = a.Patch(path, {{"city", "德阳市"}}, {{"If-Match", "\"2\""}});
  ASSERT_EQ(ok.status, 200u) << ok;
  EXPECT_EQ(ok.body["version"], 3);
  Reply g = a.Get(path);
  EXPECT_EQ(g.body["city"], "德阳市");  // the stale patches changed nothing
  EXPECT_ERROR(a.Delete(path, {{"If-Match", "2"}}), 409, "aborted");
  EXPECT_EQ(a.Get(path).status, 200u);
  EXPECT_EQ(a.Delete(path, {{"If-Match", "3"}}).status, 204u);
}

// ---------------- malformed input: nothing partial is stored ----------------

TEST_P(ApiTest, MalformedRequestsAre400AndStoreNothing) {
  ApiClient a = Client(w_.sup_a);
  ApiClient op = Client(w_.op);
  const int64_t sites = op.Total("sites");
  auto post = [&](const std::string& body) { return a.Send("POST", "/api/v1/sites", body); };
  EXPECT_ERROR(post("{\"name\": \"x\", "), 400, "invalid_argument");
  EXPECT_ERROR(post("not json"), 400, "invalid_argument");
  EXPECT_ERROR(post(""), 400, "invalid_argument");
  EXPECT_ERROR(post("[1,2]"), 400, "invalid_argument");
  EXPECT_ERROR(post("\"site\""), 400, "invalid_argument");
  Json missing = SiteBody("m");
  missing.erase("city");
  EXPECT_ERROR(a.Post("/api/v1/sites", missing), 400, "invalid_argument", "city");
  Json wrong = SiteBody("w");
  wrong["latitude"] = "north";
  EXPECT_ERROR(a.Post("/api/v1/sites", wrong), 400, "invalid_argument", "latitude");
  Json wrong2 = SiteBody("w2");
  wrong2["name"] = 42;
  EXPECT_ERROR(a.Post("/api/v1/sites", wrong2), 400, "invalid_argument", "name");
  Json unknown = SiteBody("u");
  unknown["colour"] = "red";
  EXPECT_ERROR(a.Post("/api/v1/sites", unknown), 400, "invalid_argument", "colour");
  Json server_field = SiteBody("sf");
  server_field["id"] = "site_mine";
  EXPECT_ERROR(a.Post("/api/v1/sites", server_field), 400, "invalid_argument", "id");
  Json empty_name = SiteBody("");
  EXPECT_ERROR(a.Post("/api/v1/sites", empty_name), 400, "invalid_argument", "name");
  Json ctl = SiteBody(std::string("bad\x01name"));
  EXPECT_ERROR(a.Post("/api/v1/sites", ctl), 400, "invalid_argument", "name");
  Json huge_name = SiteBody(std::string(101, 'n'));
  EXPECT_ERROR(a.Post("/api/v1/sites", huge_name), 400, "invalid_argument", "name");
  EXPECT_EQ(op.Total("sites"), sites);

  // Nested field paths are named exactly.
  Supply s = MakeSupply(w_.sup_a, "nest", 0);
  const int64_t nodes = op.Total("nodes");
  Json n1 = NodeBody(s.pool_id, "n1");
  n1["accelerators"][0]["count"] = 0;
  EXPECT_ERROR(a.Post("/api/v1/nodes", n1), 400, "invalid_argument", "accelerators[0].count");
  Json n2 = NodeBody(s.pool_id, "n2");
  n2["accelerators"][0]["model"] = "no-such-gpu";
  EXPECT_ERROR(a.Post("/api/v1/nodes", n2), 400, "invalid_argument", "accelerators[0].model");
  Json n3 = NodeBody(s.pool_id, "n3");
  n3["accelerators"][0]["speed"] = 9;
  EXPECT_ERROR(a.Post("/api/v1/nodes", n3), 400, "invalid_argument", "accelerators[0].speed");
  Json n4 = NodeBody(s.pool_id, "n4");
  n4["cpu_cores"] = 1.5;
  EXPECT_ERROR(a.Post("/api/v1/nodes", n4), 400, "invalid_argument", "cpu_cores");
  Json n5 = NodeBody(s.pool_id, "n5");
  n5["labels"] = {{"rack", 7}};
  EXPECT_ERROR(a.Post("/api/v1/nodes", n5), 400, "invalid_argument", "labels.rack");
  EXPECT_EQ(op.Total("nodes"), nodes);

  // Patches with bad input leave the object as it was.
  Reply site = a.Get("/api/v1/sites/" + s.site_id);
  EXPECT_ERROR(a.Send("PATCH", "/api/v1/sites/" + s.site_id, "{oops"), 400, "invalid_argument");
  EXPECT_ERROR(a.Patch("/api/v1/sites/" + s.site_id, {{"city", "x"}, {"tier", "bad"}}), 400,
               "invalid_argument", "tier");
  EXPECT_EQ(a.Get("/api/v1/sites/" + s.site_id).body, site.body);
}

TEST_P(ApiTest, OversizeBodyIs413AndStoresNothing) {
  ApiClient a = Client(w_.sup_a);
  const int64_t sites = Client(w_.op).Total("sites");
  Json big = SiteBody("big");
  big["description"] = std::string(1990, 'x');  // a valid field, but the body passes 2048 bytes
  ASSERT_GT(big.dump().size(), 2048u);
  Reply r = a.Post("/api/v1/sites", big);
  EXPECT_ERROR(r, 413, "payload_too_large");
  Json fits = SiteBody("fits");
  fits["description"] = std::string(1500, 'x');
  EXPECT_EQ(Client(w_.sup_a).Post("/api/v1/sites", fits).status, 201u);
  EXPECT_EQ(Client(w_.op).Total("sites"), sites + 1);
  EXPECT_EQ(Client(w_.op).Total("sites", "name=big"), 0);
}

// ---------------- pools and nodes ----------------

TEST_P(ApiTest, PoolsAndNodesCrud) {
  ApiClient a = Client(w_.sup_a);
  ApiClient op = Client(w_.op);
  Reply site = a.Post("/api/v1/sites", SiteBody("pn"));
  ASSERT_EQ(site.status, 201u) << site;
  const std::string site_id = site.body["id"];

  // Pools.
  EXPECT_ERROR(a.Post("/api/v1/pools", PoolBody("site_nope", "p")), 400, "invalid_argument",
               "site_id");
  Reply pool = a.Post("/api/v1/pools", PoolBody(site_id, "p1"));
  ASSERT_EQ(pool.status, 201u) << pool;
  const std::string pool_id = pool.body["id"];
  EXPECT_EQ(pool.body["org_id"], w_.sup_a.org_id);
  EXPECT_EQ(pool.body["driver"], "agent");
  EXPECT_ERROR(a.Post("/api/v1/pools", PoolBody(site_id, "p1")), 409, "already_exists", "name");
  Json slurm = PoolBody(site_id, "p2");
  slurm["driver"] = "slurm";
  Reply p2 = a.Post("/api/v1/pools", slurm);
  ASSERT_EQ(p2.status, 201u) << p2;
  EXPECT_EQ(p2.body["slurm_partition"], "normal");
  EXPECT_EQ(op.Total("pools", "site_id=" + site_id), 2);
  EXPECT_EQ(op.Total("pools", "driver=slurm&site_id=" + site_id), 1);
  EXPECT_ERROR(a.Patch("/api/v1/pools/" + pool_id, {{"site_id", "x"}}), 400, "invalid_argument",
               "site_id");
  EXPECT_ERROR(a.Patch("/api/v1/pools/" + pool_id, {{"kind", "quantum"}}), 400, "invalid_argument",
               "kind");

  // Nodes.
  const int64_t nodes = op.Total("nodes");
  EXPECT_ERROR(a.Post("/api/v1/nodes", NodeBody("pool_nope", "n")), 400, "invalid_argument",
               "pool_id");
  EXPECT_EQ(op.Total("nodes"), nodes);
  Reply n1 = a.Post("/api/v1/nodes", NodeBody(pool_id, "gpu-1"));
  ASSERT_EQ(n1.status, 201u) << n1;
  const std::string n1_id = n1.body["id"];
  EXPECT_EQ(n1.body["site_id"], site_id);
  EXPECT_EQ(n1.body["org_id"], w_.sup_a.org_id);
  EXPECT_EQ(n1.body["state"], "ready");
  EXPECT_ERROR(a.Post("/api/v1/nodes", NodeBody(pool_id, "gpu-1")), 409, "already_exists", "name");
  Json twice = NodeBody(pool_id, "gpu-x");
  twice["accelerators"].push_back({{"model", kGpuModel}, {"count", 1}});
  EXPECT_ERROR(a.Post("/api/v1/nodes", twice), 400, "invalid_argument", "accelerators[1].model");
  Json cpu = NodeBody(pool_id, "cpu-1", 0);
  cpu["labels"] = {{"rack", "r7"}};
  cpu["cpu_model"] = "Kunpeng 920";
  Reply n2 = a.Post("/api/v1/nodes", cpu);
  ASSERT_EQ(n2.status, 201u) << n2;
  EXPECT_EQ(a.Total("nodes", "pool_id=" + pool_id), 2);
  EXPECT_EQ(a.Total("nodes", std::string("accelerators=") + kGpuModel + "&pool_id=" + pool_id), 1);
  EXPECT_EQ(a.Total("nodes", "labels=rack%3Dr7"), 1);
  EXPECT_EQ(a.Total("nodes", "cpu_model=" + client::UrlEncode("Kunpeng 920")), 1);
  Reply by_cores = a.Get("/api/v1/nodes?sort=-cpu_cores&pool_id=" + pool_id);
  ASSERT_EQ(by_cores.status, 200u) << by_cores;

  Reply drain = a.Patch("/api/v1/nodes/" + n1_id, {{"state", "draining"},
                                                   {"state_reason", "maintenance"}});
  ASSERT_EQ(drain.status, 200u) << drain;
  EXPECT_EQ(drain.body["state"], "draining");
  EXPECT_EQ(a.Total("nodes", "state=draining"), 1);
  Reply ready = a.Patch("/api/v1/nodes/" + n1_id, {{"state", "ready"}});
  EXPECT_FALSE(ready.body.contains("state_reason")) << ready;  // cleared when ready again
  EXPECT_ERROR(a.Patch("/api/v1/nodes/" + n1_id, {{"state", "melted"}}), 400, "invalid_argument",
               "state");
  EXPECT_ERROR(a.Patch("/api/v1/nodes/" + n1_id, {{"pool_id", pool_id}}), 400, "invalid_argument",
               "pool_id");
  EXPECT_ERROR(a.Patch("/api/v1/nodes/" + n1_id, {{"accelerators", Json::array()}}), 400,
               "invalid_argument", "accelerators");

  // A pool with nodes (or a site with pools) cannot be deleted.
  EXPECT_ERROR(a.Delete("/api/v1/pools/" + pool_id), 409, "failed_precondition");
  EXPECT_ERROR(a.Delete("/api/v1/sites/" + site_id), 409, "failed_precondition");
  EXPECT_EQ(a.Get("/api/v1/pools/" + pool_id).status, 200u);
  EXPECT_EQ(a.Delete("/api/v1/nodes/" + n1_id).status, 204u);
  EXPECT_EQ(a.Delete("/api/v1/nodes/" + std::string(n2.body["id"])).status, 204u);
  EXPECT_ERROR(a.Get("/api/v1/nodes/" + n1_id), 404, "not_found");
  EXPECT_EQ(a.Delete("/api/v1/pools/" + pool_id).status, 204u);
  EXPECT_EQ(a.Delete("/api/v1/pools/" + std::string(p2.body["id"])).status, 204u);
  EXPECT_EQ(a.Delete("/api/v1/sites/" + site_id).status, 204u);
  EXPECT_EQ(op.Total("nodes"), nodes);
}

// ---------------- accelerators ----------------

TEST_P(ApiTest, AcceleratorCatalog) {
  ApiClient op = Client(w_.op);
  ApiClient a = Client(w_.sup_a);
  const int64_t n = a.Total("accelerators");
  EXPECT_GT(n, 10);
  Reply h100 = a.Get(std::string("/api/v1/accelerators/") + kGpuModel);
  ASSERT_EQ(h100.status, 200u) << h100;
  EXPECT_EQ(h100.body["vendor"], "NVIDIA");
  EXPECT_GT(h100.body["fp16_tflops"].get<double>(), 100);
  EXPECT_FALSE(h100.body["sources"].empty());
  EXPECT_GT(a.Total("accelerators", "vendor=NVIDIA"), 1);
  EXPECT_GT(a.Total("accelerators", "ecosystem=CANN"), 0);

  Json acc = {{"id", "test-npu-1"}, {"vendor", "TestCo"}, {"model", "NPU 1"},
              {"ecosystem", "Other"}, {"memory_gib", 64}, {"fp16_tflops", 100},
              {"sources", {{{"title", "datasheet"}}}}};
  EXPECT_ERROR(a.Post("/api/v1/accelerators", acc), 403, "permission_denied");
  EXPECT_ERROR(Client(w_.reg).Post("/api/v1/accelerators", acc), 403, "permission_denied");
  Reply c = op.Post("/api/v1/accelerators", acc);
  ASSERT_EQ(c.status, 201u) << c;
  EXPECT_EQ(c.body["id"], "test-npu-1");
  EXPECT_ERROR(op.Post("/api/v1/accelerators", acc), 409, "already_exists", "id");
  Json bad_id = acc;
  bad_id["id"] = "Has Spaces";
  EXPECT_ERROR(op.Post("/api/v1/accelerators", bad_id), 400, "invalid_argument", "id");
  Json no_src = acc;
  no_src["id"] = "test-npu-2";
  no_src["sources"] = Json::array();
  EXPECT_ERROR(op.Post("/api/v1/accelerators", no_src), 400, "invalid_argument", "sources");
  Json bad_eco = acc;
  bad_eco["id"] = "test-npu-3";
  bad_eco["ecosystem"] = "Glide";
  EXPECT_ERROR(op.Post("/api/v1/accelerators", bad_eco), 400, "invalid_argument", "ecosystem");
  EXPECT_EQ(a.Total("accelerators"), n + 1);

  EXPECT_EQ(op.Patch("/api/v1/accelerators/test-npu-1", {{"fp16_tflops", 120}}).status, 200u);
  EXPECT_ERROR(a.Patch("/api/v1/accelerators/test-npu-1", {{"fp16_tflops", 1}}), 403,
               "permission_denied");
  EXPECT_ERROR(op.Patch("/api/v1/accelerators/test-npu-1", {{"id", "other"}}), 400,
               "invalid_argument", "id");
  // In use by a node: cannot be deleted.
  Supply s = MakeSupply(w_.sup_a, "acc", 0);
  Json node = NodeBody(s.pool_id, "npu-node", 0);
  node["accelerators"] = Json::array({{{"model", "test-npu-1"}, {"count", 4}}});
  Reply nr = a.Post("/api/v1/nodes", node);
  ASSERT_EQ(nr.status, 201u) << nr;
  EXPECT_ERROR(op.Delete("/api/v1/accelerators/test-npu-1"), 409, "failed_precondition");
  EXPECT_EQ(a.Delete("/api/v1/nodes/" + std::string(nr.body["id"])).status, 204u);
  EXPECT_ERROR(a.Delete("/api/v1/accelerators/test-npu-1"), 403, "permission_denied");
  EXPECT_EQ(op.Delete("/api/v1/accelerators/test-npu-1").status, 204u);
  EXPECT_ERROR(op.Get("/api/v1/accelerators/test-npu-1"), 404, "not_found");
}

// ---------------- offers ----------------

TEST_P(ApiTest, OffersNeverSellMoreThanThePoolHas) {
  Supply s = MakeSupply(w_.sup_a, "mkt", 2);  // 2 nodes × 8 GPUs = 16 devices
  ApiClient a = Client(w_.sup_a);
  ApiClient op = Client(w_.op);
  auto offer = [&](const std::string& name, int quantity, int per_unit) {
    return Json{{"pool_id", s.pool_id},     {"name", name},
                {"accelerator_model", kGpuModel}, {"accelerator_count", per_unit},
                {"cpu_cores", 8},           {"memory_gib", 64},
                {"quantity", quantity},     {"price_fen_per_hour", 2500}};
  };
  Reply o1 = a.Post("/api/v1/offers", offer("h100x8", 1, 8));
  ASSERT_EQ(o1.status, 201u) << o1;
  const std::string o1_id = o1.body["id"];
  EXPECT_EQ(o1.body["kind"], "ai");
  EXPECT_EQ(o1.body["site_id"], s.site_id);
  EXPECT_EQ(o1.body["state"], "active");
  EXPECT_EQ(o1.body["billing_mode"], "on_demand");

  const int64_t offers = op.Total("offers");
  // 8 sold + 2 × 8 = 24 > 16.
  EXPECT_ERROR(a.Post("/api/v1/offers", offer("too-many", 2, 8)), 429, "resource_exhausted",
               "quantity");
  EXPECT_ERROR(a.Post("/api/v1/offers", offer("too-big", 1, 9)), 400, "invalid_argument",
               "accelerator_model");  // no node holds 9
  Json no_model = offer("cpu?", 1, 1);
  no_model.erase("accelerator_model");
  EXPECT_ERROR(a.Post("/api/v1/offers", no_model), 400, "invalid_argument", "accelerator_model");
  Json reserved = offer("res", 1, 1);
  reserved["billing_mode"] = "reserved";
  EXPECT_ERROR(a.Post("/api/v1/offers", reserved), 400, "invalid_argument", "reserved_term_days");
  EXPECT_ERROR(a.Post("/api/v1/offers", offer("zero", 0, 1)), 400, "invalid_argument", "quantity");
  Json unknown_pool = offer("ghost", 1, 1);
  unknown_pool["pool_id"] = "pool_nope";
  EXPECT_ERROR(a.Post("/api/v1/offers", unknown_pool), 400, "invalid_argument", "pool_id");
  EXPECT_ERROR(Client(w_.sup_b).Post("/api/v1/offers", offer("theirs", 1, 1)), 403,
               "permission_denied");
  EXPECT_ERROR(Client(w_.buy_a).Post("/api/v1/offers", offer("buyer", 1, 1)), 403,
               "permission_denied");
  EXPECT_EQ(op.Total("offers"), offers);

  // Exactly the rest fits; one more unit does not, by patch either.
  Reply o2 = a.Post("/api/v1/offers", offer("h100x1", 8, 1));
  ASSERT_EQ(o2.status, 201u) << o2;
  const std::string o2_id = o2.body["id"];
  EXPECT_ERROR(a.Patch("/api/v1/offers/" + o2_id, {{"quantity", 9}}), 429, "resource_exhausted",
               "quantity");
  EXPECT_EQ(a.Get("/api/v1/offers/" + o2_id).body["quantity"], 8);
  // Pausing one frees its supply for the other.
  EXPECT_EQ(a.Patch("/api/v1/offers/" + o1_id, {{"state", "paused"}}).status, 200u);
  Reply grow = a.Patch("/api/v1/offers/" + o2_id, {{"quantity", 16}});
  EXPECT_EQ(grow.status, 200u) << grow;
  EXPECT_ERROR(a.Patch("/api/v1/offers/" + o1_id, {{"state", "active"}}), 429,
               "resource_exhausted", "quantity");
  EXPECT_ERROR(a.Patch("/api/v1/offers/" + o1_id, {{"accelerator_count", 1}}), 400,
               "invalid_argument", "accelerator_count");

  // Public listing with filters and sorting.
  ApiClient buyer = Client(w_.buy_a);
  EXPECT_EQ(buyer.Total("offers", "pool_id=" + s.pool_id), 2);
  EXPECT_EQ(buyer.Total("offers", "state=paused&pool_id=" + s.pool_id), 1);
  Reply sorted = buyer.Get("/api/v1/offers?sort=-quantity&pool_id=" + s.pool_id);
  ASSERT_EQ(sorted.status, 200u) << sorted;
  EXPECT_EQ(sorted.body["items"][0]["id"], o2_id);

  // Nodes cannot leave while offers would oversell? Deleting the pool needs offers gone first.
  EXPECT_ERROR(a.Delete("/api/v1/pools/" + s.pool_id), 409, "failed_precondition");
  EXPECT_ERROR(Client(w_.sup_b).Delete("/api/v1/offers/" + o1_id), 403, "permission_denied");
  EXPECT_EQ(a.Delete("/api/v1/offers/" + o1_id).status, 204u);
  EXPECT_ERROR(a.Get("/api/v1/offers/" + o1_id), 404, "not_found");
}

// The supply rule holds from the other side too: a node whose devices active offers sell
// cannot leave the pool (else the pool is oversold).
TEST_P(ApiTest, DeletingANodeCannotOversellThePool) {
  Supply s = MakeSupply(w_.sup_a, "oversell", 2);  // 16 devices
  ApiClient a = Client(w_.sup_a);
  Reply o = a.Post("/api/v1/offers", {{"pool_id", s.pool_id}, {"name", "all"},
                                      {"accelerator_model", kGpuModel}, {"accelerator_count", 8},
                                      {"cpu_cores", 8}, {"memory_gib", 64}, {"quantity", 2},
                                      {"price_fen_per_hour", 100}});
  ASSERT_EQ(o.status, 201u) << o;
  Reply d = a.Delete("/api/v1/nodes/" + s.node_ids[0]);
  EXPECT_ERROR(d, 409, "failed_precondition");
  EXPECT_EQ(a.Total("nodes", "pool_id=" + s.pool_id), 2);
  // Once the offer is paused the node may go.
  ASSERT_EQ(a.Patch("/api/v1/offers/" + std::string(o.body["id"]), {{"state", "paused"}}).status,
            200u);
  if (d.status != 204) {
    EXPECT_EQ(a.Delete("/api/v1/nodes/" + s.node_ids[0]).status, 204u);
  }
}

// ---------------- jobs ----------------

TEST_P(ApiTest, JobsLifecycleAndOwnership) {
  ApiClient b = Client(w_.buy_a);
  ApiClient other = Client(w_.buy_b);
  Reply j = b.Post("/api/v1/jobs", JobBody("train"));
  ASSERT_EQ(j.status, 201u) << j;
  const std::string id = j.body["id"];
  EXPECT_EQ(j.body["state"], "pending");
  EXPECT_EQ(j.body["org_id"], w_.buy_a.org_id);
  EXPECT_EQ(j.body["user_id"], w_.buy_a.user_id);
  EXPECT_EQ(j.body["priority"], "normal");
  EXPECT_EQ(j.body["tasks"], 1);

  // Another buyer neither sees nor touches it.
  EXPECT_ERROR(other.Get("/api/v1/jobs/" + id), 404, "not_found");
  EXPECT_ERROR(other.Patch("/api/v1/jobs/" + id, {{"name", "mine"}}), 404, "not_found");
  EXPECT_ERROR(other.Post("/api/v1/jobs/" + id + "/cancel", Json::object()), 404, "not_found");
  EXPECT_ERROR(other.Delete("/api/v1/jobs/" + id), 404, "not_found");
  EXPECT_EQ(other.Total("jobs"), 0);
  EXPECT_EQ(Client(w_.sup_a).Total("jobs"), 0);
  EXPECT_EQ(Client(w_.reg).Total("jobs"), 1);
  EXPECT_EQ(Client(w_.reg).Get("/api/v1/jobs/" + id).status, 200u);

  // Who may submit.
  EXPECT_ERROR(Client(w_.sup_a).Post("/api/v1/jobs", JobBody("s")), 403, "permission_denied");
  EXPECT_ERROR(Client(w_.reg).Post("/api/v1/jobs", JobBody("r")), 403, "permission_denied");
  Json bad = JobBody("bad");
  bad["commands"] = {{"Fortran", "./a.out"}};
  EXPECT_ERROR(b.Post("/api/v1/jobs", bad), 400, "invalid_argument", "commands.Fortran");
  Json none = JobBody("none");
  none["commands"] = Json::object();
  EXPECT_ERROR(b.Post("/api/v1/jobs", none), 400, "invalid_argument", "commands");
  Json gpus = JobBody("gpus");
  gpus["accelerators"] = {{"count", 1}, {"milli", 500}};
  EXPECT_ERROR(b.Post("/api/v1/jobs", gpus), 400, "invalid_argument", "accelerators.milli");
  Json any = JobBody("any");
  any["accelerators"] = {{"count", 1}, {"any_of", {"no-such-gpu"}}};
  EXPECT_ERROR(b.Post("/api/v1/jobs", any), 400, "invalid_argument", "accelerators.any_of[0]");
  Json offer = JobBody("offer");
  offer["offer_id"] = "offer_nope";
  EXPECT_ERROR(b.Post("/api/v1/jobs", offer), 400, "invalid_argument", "offer_id");
  Json late = JobBody("late");
  late["deadline"] = "2000-01-01T00:00:00Z";
  EXPECT_ERROR(b.Post("/api/v1/jobs", late), 400, "invalid_argument", "deadline");
  Json st = JobBody("st");
  st["state"] = "running";
  EXPECT_ERROR(b.Post("/api/v1/jobs", st), 400, "invalid_argument", "state");
  EXPECT_EQ(b.Total("jobs"), 1);

  // A pending job can be changed; immutable fields cannot.
  Reply p = b.Patch("/api/v1/jobs/" + id, {{"name", "train-2"}, {"priority", "high"}});
  ASSERT_EQ(p.status, 200u) << p;
  EXPECT_EQ(p.body["priority"], "high");
  EXPECT_EQ(b.Total("jobs", "priority=high"), 1);
  EXPECT_ERROR(b.Patch("/api/v1/jobs/" + id, {{"cpu_cores", 4}}), 400, "invalid_argument",
               "cpu_cores");
  EXPECT_ERROR(Client(w_.reg).Patch("/api/v1/jobs/" + id, {{"name", "x"}}), 403,
               "permission_denied");

  // Cancel: by route, then again is a conflict; DELETE cancels too.
  Reply c = b.Post("/api/v1/jobs/" + id + "/cancel", {{"reason", "changed my mind"}});
  ASSERT_EQ(c.status, 200u) << c;
  EXPECT_EQ(c.body["state"], "cancelled");
  EXPECT_EQ(c.body["state_reason"], "changed my mind");
  EXPECT_FALSE(c.body.value("finished_at", "").empty());
  EXPECT_ERROR(b.Post("/api/v1/jobs/" + id + "/cancel", Json::object()), 409,
               "failed_precondition", "state");
  EXPECT_ERROR(b.Patch("/api/v1/jobs/" + id, {{"name", "again"}}), 409, "failed_precondition",
               "state");
  EXPECT_ERROR(b.Post("/api/v1/jobs/" + id + "/cancel", {{"why", "x"}}), 400, "invalid_argument",
               "why");
  EXPECT_ERROR(b.Post("/api/v1/jobs/job_nope/cancel", Json::object()), 404, "not_found");

  Reply j2 = b.Post("/api/v1/jobs", JobBody("second"));
  ASSERT_EQ(j2.status, 201u) << j2;
  Reply d = b.Delete("/api/v1/jobs/" + std::string(j2.body["id"]));
  ASSERT_EQ(d.status, 200u) << d;
  EXPECT_EQ(d.body["state"], "cancelled");
  EXPECT_EQ(b.Get("/api/v1/jobs/" + std::string(j2.body["id"])).status, 200u);  // kept on record
  EXPECT_EQ(b.Total("jobs", "state=cancelled"), 2);
  EXPECT_EQ(b.Total("jobs", "state=pending"), 0);
  Reply sorted = b.Get("/api/v1/jobs?sort=-created_at");
  ASSERT_EQ(sorted.status, 200u) << sorted;
  EXPECT_EQ(sorted.body["total"], 2);
}

// ---------------- authorisation matrix ----------------

TEST_P(ApiTest, RolesAreEnforced) {
  Supply a_supply = MakeSupply(w_.sup_a, "authz", 1);
  ApiClient op = Client(w_.op);
  const int64_t sites = op.Total("sites"), pools = op.Total("pools"), nodes = op.Total("nodes");

  // The regulator reads everything and changes nothing.
  ApiClient reg = Client(w_.reg);
  EXPECT_ERROR(reg.Post("/api/v1/sites", SiteBody("reg-site")), 403, "permission_denied");
  EXPECT_ERROR(reg.Patch("/api/v1/sites/" + a_supply.site_id, {{"tier", "hub"}}), 403,
               "permission_denied");
  EXPECT_ERROR(reg.Delete("/api/v1/nodes/" + a_supply.node_ids[0]), 403, "permission_denied");
  EXPECT_EQ(reg.Get("/api/v1/nodes/" + a_supply.node_ids[0]).status, 200u);
  EXPECT_EQ(reg.Total("nodes"), nodes);

  // A buyer cannot create supply.
  ApiClient buyer = Client(w_.buy_a);
  EXPECT_ERROR(buyer.Post("/api/v1/nodes", NodeBody(a_supply.pool_id, "sneaky")), 403,
               "permission_denied");
  EXPECT_ERROR(buyer.Post("/api/v1/sites", SiteBody("buyer-site")), 403, "permission_denied");
  EXPECT_EQ(buyer.Total("nodes"), 0);  // and does not see a supplier's machines

  // Supplier B cannot change supplier A's things.
  ApiClient b = Client(w_.sup_b);
  EXPECT_ERROR(b.Patch("/api/v1/sites/" + a_supply.site_id, {{"tier", "edge"}}), 403,
               "permission_denied");
  EXPECT_ERROR(b.Delete("/api/v1/pools/" + a_supply.pool_id), 403, "permission_denied");
  EXPECT_ERROR(b.Post("/api/v1/pools", PoolBody(a_supply.site_id, "intruder")), 403,
               "permission_denied");
  EXPECT_ERROR(b.Post("/api/v1/nodes", NodeBody(a_supply.pool_id, "intruder")), 403,
               "permission_denied");
  EXPECT_ERROR(b.Post("/api/v1/sites", [&] {
                 Json s = SiteBody("theirs");
                 s["org_id"] = w_.sup_a.org_id;
                 return s;
               }()),
               403, "permission_denied");
  // Nodes are private to their org: another supplier gets 404, as for an unknown id.
  EXPECT_ERROR(b.Patch("/api/v1/nodes/" + a_supply.node_ids[0], {{"state", "down"}}), 404,
               "not_found");
  EXPECT_ERROR(b.Delete("/api/v1/nodes/" + a_supply.node_ids[0]), 404, "not_found");
  EXPECT_EQ(b.Total("nodes"), 0);

  // A viewer of supplier A reads but writes nothing.
  ApiClient v = Client(w_.viewer_a);
  EXPECT_EQ(v.Get("/api/v1/nodes/" + a_supply.node_ids[0]).status, 200u);
  EXPECT_ERROR(v.Post("/api/v1/sites", SiteBody("viewer-site")), 403, "permission_denied");
  EXPECT_ERROR(v.Patch("/api/v1/nodes/" + a_supply.node_ids[0], {{"state", "down"}}), 403,
               "permission_denied");
  EXPECT_ERROR(v.Delete("/api/v1/pools/" + a_supply.pool_id), 403, "permission_denied");
  EXPECT_ERROR(v.Post("/api/v1/tokens", {{"name", "v"}, {"user_id", w_.sup_a.user_id}}), 403,
               "permission_denied");
  // The member (not admin) of supplier A operates its supply.
  EXPECT_EQ(Client(w_.member_a).Patch("/api/v1/nodes/" + a_supply.node_ids[0],
                                      {{"state", "cordoned"}}).status, 200u);
  // The operator changes anything operational.
  EXPECT_EQ(op.Patch("/api/v1/nodes/" + a_supply.node_ids[0], {{"state", "ready"}}).status, 200u);

  EXPECT_EQ(op.Total("sites"), sites);
  EXPECT_EQ(op.Total("pools"), pools);
  EXPECT_EQ(op.Total("nodes"), nodes);
  EXPECT_EQ(op.Get("/api/v1/nodes/" + a_supply.node_ids[0]).body["state"], "ready");
}

TEST_P(ApiTest, PoolScopedTokens) {
  Supply s = MakeSupply(w_.sup_a, "scoped", 1);
  Supply s2 = MakeSupply(w_.sup_a, "scoped2", 0);
  ApiClient a = Client(w_.sup_a);
  Reply t = a.Post("/api/v1/tokens", {{"name", "agent"}, {"pool_id", s.pool_id}});
  ASSERT_EQ(t.status, 201u) << t;
  EXPECT_EQ(t.body["token"]["pool_id"], s.pool_id);
  ApiClient agent = Client(std::string(t.body["secret"]));
  EXPECT_EQ(agent.Post("/api/v1/nodes", NodeBody(s.pool_id, "agent-node")).status, 201u);
  EXPECT_ERROR(agent.Post("/api/v1/nodes", NodeBody(s2.pool_id, "elsewhere")), 403,
               "permission_denied");
  EXPECT_ERROR(agent.Post("/api/v1/tokens", {{"name", "more"}}), 403, "permission_denied");
  EXPECT_ERROR(agent.Post("/api/v1/jobs", JobBody("j")), 403, "permission_denied");
  EXPECT_ERROR(a.Post("/api/v1/tokens", {{"name", "x"}, {"pool_id", "pool_nope"}}), 400,
               "invalid_argument", "pool_id");
  Supply b = MakeSupply(w_.sup_b, "bscoped", 0);
  EXPECT_ERROR(a.Post("/api/v1/tokens", {{"name", "x"}, {"pool_id", b.pool_id}}), 403,
               "permission_denied");
}

// A pool-scoped token is for a node agent: it acts on its pool's nodes and nothing else, even
// when its user is the supplier's admin.
TEST_P(ApiTest, PoolScopedTokenCannotActOutsideItsPool) {
  Supply s = MakeSupply(w_.sup_a, "agentpool", 1);
  Supply other = MakeSupply(w_.sup_a, "otherpool", 0);
  Reply t = Client(w_.sup_a).Post("/api/v1/tokens", {{"name", "agent"}, {"pool_id", s.pool_id}});
  ASSERT_EQ(t.status, 201u) << t;
  ApiClient agent = Client(std::string(t.body["secret"]));
  ApiClient op = Client(w_.op);
  const int64_t sites = op.Total("sites"), users = op.Total("users"), offers = op.Total("offers");
  EXPECT_ERROR(agent.Post("/api/v1/sites", SiteBody("agent-site")), 403, "permission_denied");
  EXPECT_ERROR(agent.Delete("/api/v1/pools/" + other.pool_id), 403, "permission_denied");
  EXPECT_ERROR(agent.Patch("/api/v1/sites/" + s.site_id, {{"tier", "edge"}}), 403,
               "permission_denied");
  EXPECT_ERROR(agent.Post("/api/v1/offers", {{"pool_id", s.pool_id}, {"name", "agent-offer"},
                                             {"accelerator_model", kGpuModel},
                                             {"accelerator_count", 1}, {"quantity", 1},
                                             {"price_fen_per_hour", 1}}),
               403, "permission_denied");
  EXPECT_ERROR(agent.Post("/api/v1/users", {{"name", "agent-made-user"}}), 403,
               "permission_denied");
  EXPECT_EQ(op.Total("sites"), sites);
  EXPECT_EQ(op.Total("users"), users);
  EXPECT_EQ(op.Total("offers"), offers);
  EXPECT_EQ(op.Get("/api/v1/pools/" + other.pool_id).status, 200u);
}

// ---------------- 404 for unknown ids, every kind and verb ----------------

TEST_P(ApiTest, UnknownIdsAre404) {
  ApiClient op = Client(w_.op);
  for (const char* kind : {"orgs", "users", "tokens", "sites", "pools", "nodes", "accelerators",
                           "offers", "jobs"}) {
    const std::string path = std::string("/api/v1/") + kind + "/nope_0000";
    EXPECT_ERROR(op.Get(path), 404, "not_found") << path;
    EXPECT_ERROR(op.Patch(path, {{"name", "x"}}), 404, "not_found") << path;
    EXPECT_ERROR(op.Delete(path), 404, "not_found") << path;
  }
  EXPECT_ERROR(op.Post("/api/v1/jobs/nope_0000/cancel", Json::object()), 404, "not_found");
}

// ---------------- audit ----------------

TEST_P(ApiTest, AuditRecordsEveryMutationWithBeforeAndAfter) {
  ApiClient a = Client(w_.sup_a);
  Reply s = a.Post("/api/v1/sites", SiteBody("audited"));
  ASSERT_EQ(s.status, 201u) << s;
  const std::string id = s.body["id"];
  ASSERT_EQ(a.Patch("/api/v1/sites/" + id, {{"city", "乐山市"}}).status, 200u);
  ASSERT_EQ(a.Delete("/api/v1/sites/" + id).status, 204u);
  // A failed write leaves no audit entry.
  EXPECT_ERROR(a.Patch("/api/v1/sites/" + id, {{"city", "x"}}), 404, "not_found");

  Reply r = Client(w_.reg).Get("/api/v1/audit?kind=site&object_id=" + id);
  ASSERT_EQ(r.status, 200u) << r;
  const Json& items = r.body["items"];
  ASSERT_EQ(items.size(), 3u) << r;
  EXPECT_EQ(items[0]["action"], "create");
  EXPECT_TRUE(items[0]["before"].is_null());
  EXPECT_EQ(items[0]["after"]["city"], "成都市");
  EXPECT_EQ(items[1]["action"], "update");
  EXPECT_EQ(items[1]["before"]["city"], "成都市");
  EXPECT_EQ(items[1]["after"]["city"], "乐山市");
  EXPECT_EQ(items[1]["after"]["version"], 2);
  EXPECT_EQ(items[2]["action"], "delete");
  EXPECT_EQ(items[2]["before"]["city"], "乐山市");
  EXPECT_TRUE(items[2]["after"].is_null());
  for (const auto& e : items) {
    EXPECT_EQ(e["actor_user_id"], w_.sup_a.user_id);
    EXPECT_EQ(e["actor_org_id"], w_.sup_a.org_id);
    EXPECT_FALSE(e.value("request_id", "").empty());
    EXPECT_FALSE(e.value("at", "").empty());
  }
  EXPECT_LT(items[0]["seq"].get<int64_t>(), items[1]["seq"].get<int64_t>());

  // Tokens: the hash never reaches the audit trail.
  Reply tok = a.Post("/api/v1/tokens", {{"name", "audited"}});
  ASSERT_EQ(tok.status, 201u);
  Reply ta = Client(w_.op).Get("/api/v1/audit?kind=token&object_id=" +
                               std::string(tok.body["token"]["id"]));
  ASSERT_EQ(ta.status, 200u) << ta;
  ASSERT_EQ(ta.body["items"].size(), 1u);
  EXPECT_FALSE(ta.body["items"][0]["after"].contains("hash"));
  EXPECT_EQ(ta.raw.find(std::string(tok.body["secret"])), std::string::npos);

  // Paging by sequence.
  Reply p1 = Client(w_.op).Get("/api/v1/audit?limit=2");
  ASSERT_EQ(p1.status, 200u) << p1;
  ASSERT_EQ(p1.body["items"].size(), 2u);
  Reply p2 = Client(w_.op).Get("/api/v1/audit?limit=2&after_seq=" +
                               std::to_string(p1.body["next_after_seq"].get<int64_t>()));
  ASSERT_EQ(p2.status, 200u) << p2;
  EXPECT_GT(p2.body["items"][0]["seq"].get<int64_t>(), p1.body["items"][1]["seq"].get<int64_t>());

  // Who sees what.
  Reply mine = a.Get("/api/v1/audit");
  ASSERT_EQ(mine.status, 200u) << mine;
  for (const auto& e : mine.body["items"]) EXPECT_EQ(e["actor_org_id"], w_.sup_a.org_id) << e;
  EXPECT_ERROR(a.Get("/api/v1/audit?org_id=" + w_.sup_b.org_id), 403, "permission_denied");
  EXPECT_ERROR(Client(w_.member_a).Get("/api/v1/audit"), 403, "permission_denied");
  EXPECT_ERROR(a.Get("/api/v1/audit?verb=x"), 400, "invalid_argument", "verb");
  EXPECT_ERROR(a.Get("/api/v1/audit?limit=x"), 400, "invalid_argument", "limit");
}

// ---------------- capacity and metrics ----------------

TEST_P(ApiTest, CapacityRollsUpNodes) {
  MakeSupply(w_.sup_a, "cap-a", 2);
  MakeSupply(w_.sup_b, "cap-b", 1);
  ApiClient reg = Client(w_.reg);
  Reply c = reg.Get("/api/v1/capacity");
  ASSERT_EQ(c.status, 200u) << c;
  EXPECT_EQ(c.body["total"]["nodes"], 3);
  EXPECT_EQ(c.body["total"]["nodes_ready"], 3);
  EXPECT_EQ(c.body["total"]["accelerators"], 24);
  EXPECT_EQ(c.body["total"]["cpu_cores"], 192);
  EXPECT_GT(c.body["total"]["ai_pflops_fp16"].get<double>(), 0);
  Reply g = reg.Get("/api/v1/capacity?group_by=org");
  ASSERT_EQ(g.status, 200u) << g;
  EXPECT_EQ(g.body["group_by"], "org");
  ASSERT_EQ(g.body["groups"].size(), 2u);
  std::map<std::string, int> by_org;
  for (const auto& row : g.body["groups"]) by_org[row["key"]] = row["nodes"];
  EXPECT_EQ(by_org[w_.sup_a.org_id], 2);
  EXPECT_EQ(by_org[w_.sup_b.org_id], 1);
  for (const char* gb : {"province", "city", "tier", "kind", "vendor", "site", "pool"})
    EXPECT_EQ(reg.Get(std::string("/api/v1/capacity?group_by=") + gb).status, 200u) << gb;
  EXPECT_ERROR(reg.Get("/api/v1/capacity?group_by=colour"), 400, "invalid_argument", "group_by");
  EXPECT_ERROR(reg.Get("/api/v1/capacity?by=org"), 400, "invalid_argument", "by");
}

// The value of one Prometheus sample line ("name{labels} value"), -1 when absent.
double Sample(const std::string& text, const std::string& series) {
  size_t at = 0;
  while ((at = text.find(series, at)) != std::string::npos) {
    if ((at == 0 || text[at - 1] == '\n') && text.size() > at + series.size() &&
        text[at + series.size()] == ' ')
      return std::stod(text.substr(at + series.size() + 1));
    at += series.size();
  }
  return -1;
}

TEST_P(ApiTest, MetricsCountRequestsAndNodes) {
  Supply s = MakeSupply(w_.sup_a, "met", 3);
  ApiClient a = Client(w_.sup_a);
  ASSERT_EQ(a.Patch("/api/v1/nodes/" + s.node_ids[0], {{"state", "down"}}).status, 200u);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(a.Get("/api/v1/sites").status, 200u);
  EXPECT_ERROR(a.Get("/api/v1/sites?limit=0"), 400, "invalid_argument", "limit");
  ApiClient anon = Client("");
  EXPECT_ERROR(anon.Get("/api/v1/nothing-here"), 404, "not_found");

  Reply m = anon.Get("/metrics");
  ASSERT_EQ(m.status, 200u);
  const std::string& t = m.raw;
  EXPECT_EQ(Sample(t, "suanli_http_requests_total{route=\"GET /api/v1/sites\",code=\"2xx\"}"), 5)
      << t;
  EXPECT_EQ(Sample(t, "suanli_http_requests_total{route=\"GET /api/v1/sites\",code=\"4xx\"}"), 1);
  EXPECT_EQ(Sample(t, "suanli_http_requests_total{route=\"POST /api/v1/nodes\",code=\"2xx\"}"), 3);
  EXPECT_GE(Sample(t, "suanli_http_requests_total{route=\"unmatched\",code=\"4xx\"}"), 1);
  EXPECT_EQ(Sample(t, "suanli_nodes{state=\"ready\"}"), 2);
  EXPECT_EQ(Sample(t, "suanli_nodes{state=\"down\"}"), 1);
  EXPECT_EQ(Sample(t, "suanli_nodes{state=\"draining\"}"), 0);
  EXPECT_EQ(Sample(t, "suanli_jobs{state=\"pending\"}"), 0);
  EXPECT_EQ(Sample(t, "suanli_capacity_accelerators"), 24);
  EXPECT_EQ(Sample(t, "suanli_http_request_duration_seconds_count{route=\"GET /api/v1/sites\"}"),
            6);
  EXPECT_NE(t.find("# TYPE suanli_http_request_duration_seconds histogram"), std::string::npos);
  EXPECT_GT(Sample(t, "suanli_store_commits_total"), 0);
}

}  // namespace

SUANLI_INSTANTIATE_FOR_STORE(ApiTest);

}  // namespace suanli::testing
