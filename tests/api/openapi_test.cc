// openapi.json against what the server really does: the document is OpenAPI 3 in shape; real
// responses of every resource fit their schemas (a small validator: type, enum, required,
// no undocumented properties); every documented route is answered and undocumented paths are
// not; and the router of an in-process api::Api and the served document list the same routes.
#include <set>

#include "api/api.h"
#include "api/api_fixture.h"
#include "control/auth.h"
#include "control/registry.h"
#include "core/clock.h"
#include "core/random.h"
#include "store/store.h"

namespace suanli::testing {
namespace {

// Resolves "#/components/schemas/x" references against the document.
const Json& Resolve(const Json& doc, const Json& schema) {
  if (schema.is_object() && schema.contains("$ref")) {
    std::string ref = schema["$ref"];
    const std::string prefix = "#/components/schemas/";
    if (ref.rfind(prefix, 0) == 0) {
      const Json& schemas = doc["components"]["schemas"];
      auto it = schemas.find(ref.substr(prefix.size()));
      if (it != schemas.end()) return *it;
    }
  }
  return schema;
}

bool TypeMatches(const Json& v, const std::string& type) {
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  if (type == "null") return v.is_null();
  return false;
}

// Checks `v` against `schema`: type (string or list), enum, required, and that an object with
// declared properties has no others. Recurses into properties and array items. Appends
// problems to `errors` with a JSON-path-like location.
void Validate(const Json& doc, const Json& schema_in, const Json& v, const std::string& at,
              std::vector<std::string>* errors) {
  const Json& schema = Resolve(doc, schema_in);
  if (!schema.is_object()) return;
  if (schema.contains("type")) {
    bool ok = false;
    if (schema["type"].is_array()) {
      for (const auto& t : schema["type"]) ok = ok || TypeMatches(v, t);
    } else {
      ok = TypeMatches(v, schema["type"]);
    }
    if (!ok) {
      errors->push_back(at + ": " + v.dump() + " is not " + schema["type"].dump());
      return;
    }
  }
  if (schema.contains("enum")) {
    bool found = false;
    for (const auto& e : schema["enum"]) found = found || e == v;
    if (!found) errors->push_back(at + ": " + v.dump() + " not in " + schema["enum"].dump());
  }
  if (v.is_object()) {
    if (schema.contains("required"))
      for (const auto& r : schema["required"])
        if (!v.contains(r)) errors->push_back(at + ": missing required " + r.dump());
    if (schema.contains("properties")) {
      const Json& props = schema["properties"];
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (props.contains(it.key()))
          Validate(doc, props[it.key()], it.value(), at + "." + it.key(), errors);
        else if (!schema.contains("additionalProperties") ||
                 schema["additionalProperties"] == false)
          errors->push_back(at + ": undocumented property " + it.key());
      }
    } else if (schema.contains("additionalProperties") &&
               schema["additionalProperties"].is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it)
        Validate(doc, schema["additionalProperties"], it.value(), at + "." + it.key(), errors);
    }
  }
  if (v.is_array() && schema.contains("items"))
    for (size_t i = 0; i < v.size(); ++i)
      Validate(doc, schema["items"], v[i], at + "[" + std::to_string(i) + "]", errors);
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += "\n  " + s;
  return out;
}

const std::vector<std::string> kKinds = {"org", "user", "token", "site", "pool",
                                         "node", "accelerator", "offer", "job"};

class OpenApiTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    StartServer();
    if (HasFatalFailure()) return;
    Reply r = Client("").Get("/api/v1/openapi.json");
    ASSERT_EQ(r.status, 200u) << r;
    doc_ = r.body;
  }
  // The success schema of an operation, or null.
  Json SuccessSchema(const std::string& path, const std::string& method, const std::string& code) {
    const Json& op = doc_["paths"][path][method];
    if (!op["responses"].contains(code)) return Json();
    const Json& content = op["responses"][code]["content"];
    if (!content.contains("application/json")) return Json();
    return content["application/json"]["schema"];
  }
  Json doc_;
};

TEST_P(OpenApiTest, DocumentIsOpenApi3) {
  EXPECT_EQ(doc_.value("openapi", "").substr(0, 2), "3.");
  ASSERT_TRUE(doc_["info"].is_object());
  EXPECT_FALSE(doc_["info"].value("title", "").empty());
  EXPECT_FALSE(doc_["info"].value("version", "").empty());
  ASSERT_TRUE(doc_["paths"].is_object());
  EXPECT_GT(doc_["paths"].size(), 15u);
  ASSERT_TRUE(doc_["components"]["schemas"].is_object());
  for (const auto& k : kKinds) {
    EXPECT_TRUE(doc_["components"]["schemas"].contains(k)) << k;
    EXPECT_TRUE(doc_["components"]["schemas"].contains(k + "_input")) << k;
  }
  EXPECT_TRUE(doc_["components"]["schemas"].contains("error"));
  EXPECT_TRUE(doc_["components"]["securitySchemes"].contains("bearer"));

  // Every operation is well formed and every reference resolves.
  const std::set<std::string> methods = {"get", "post", "patch", "put", "delete"};
  std::set<std::string> operation_ids;
  std::vector<std::string> errors;
  std::function<void(const Json&, const std::string&)> check_refs = [&](const Json& j,
                                                                        const std::string& at) {
    if (j.is_object()) {
      if (j.contains("$ref") && &Resolve(doc_, j) == &j)
        errors.push_back(at + ": unresolved " + j["$ref"].dump());
      for (auto it = j.begin(); it != j.end(); ++it) check_refs(it.value(), at + "/" + it.key());
    } else if (j.is_array()) {
      for (size_t i = 0; i < j.size(); ++i) check_refs(j[i], at + "/" + std::to_string(i));
    }
  };
  check_refs(doc_, "#");
  for (auto p = doc_["paths"].begin(); p != doc_["paths"].end(); ++p) {
    EXPECT_EQ(p.key().front(), '/') << p.key();
    for (auto m = p.value().begin(); m != p.value().end(); ++m) {
      const std::string where = m.key() + " " + p.key();
      EXPECT_TRUE(methods.count(m.key())) << where;
      const Json& op = m.value();
      EXPECT_FALSE(op.value("summary", "").empty()) << where;
      ASSERT_TRUE(op["responses"].is_object()) << where;
      bool has_success = false;
      for (auto r = op["responses"].begin(); r != op["responses"].end(); ++r) {
        EXPECT_FALSE(r.value().value("description", "").empty()) << where << " " << r.key();
        if (r.key()[0] == '2') has_success = true;
      }
      EXPECT_TRUE(has_success) << where;
      EXPECT_TRUE(operation_ids.insert(op.value("operationId", "")).second)
          << "duplicate operationId " << where;
      // Every {param} of the path is declared as a required path parameter.
      for (size_t i = p.key().find('{'); i != std::string::npos; i = p.key().find('{', i + 1)) {
        std::string name = p.key().substr(i + 1, p.key().find('}', i) - i - 1);
        bool declared = false;
        for (const auto& param : op.value("parameters", Json::array()))
          declared = declared || (param["name"] == name && param["in"] == "path" &&
                                  param["required"] == true);
        EXPECT_TRUE(declared) << where << " does not declare {" << name << "}";
      }
    }
  }
  EXPECT_TRUE(errors.empty()) << Join(errors);
}

// Real objects of every kind, listed and fetched, fit the documented schemas.
TEST_P(OpenApiTest, ResponsesMatchTheirSchemas) {
  BuildWorld();
  Supply s = MakeSupply(w_.sup_a, "oas", 2);
  ApiClient a = Client(w_.sup_a);
  Json offer = {{"pool_id", s.pool_id}, {"name", "o"}, {"accelerator_model", kGpuModel},
                {"accelerator_count", 8}, {"cpu_cores", 8}, {"memory_gib", 64},
                {"quantity", 1}, {"price_fen_per_hour", 100},
                {"available_from", "2026-01-01T00:00:00Z"}};
  ASSERT_EQ(a.Post("/api/v1/offers", offer).status, 201u);
  Json job = JobBody("oas-job");
  job["accelerators"] = {{"count", 1}, {"any_of", {kGpuModel}}, {"min_memory_gib", 40}};
  job["deadline"] = "2099-01-01T00:00:00Z";
  job["location_city"] = "成都市";
  ASSERT_EQ(Client(w_.buy_a).Post("/api/v1/jobs", job).status, 201u);
  Reply cancelled = Client(w_.buy_a).Post("/api/v1/jobs", JobBody("oas-cancelled"));
  ASSERT_EQ(Client(w_.buy_a).Delete("/api/v1/jobs/" + std::string(cancelled.body["id"])).status,
            200u);
  Json node = NodeBody(s.pool_id, "labelled");
  node["labels"] = {{"rack", "r1"}};
  node["supernode"] = "sn-1";
  node["cpu_fp64_tflops"] = 3.5;
  ASSERT_EQ(a.Post("/api/v1/nodes", node).status, 201u);

  ApiClient op = Client(w_.op);
  for (const auto& kind : kKinds) {
    const std::string plural = kind + "s";
    const std::string list_path = "/api/v1/" + plural;
    Reply list = op.Get(list_path + "?limit=1000");
    ASSERT_EQ(list.status, 200u) << list;
    ASSERT_FALSE(list.body["items"].empty()) << kind;
    std::vector<std::string> errors;
    Validate(doc_, SuccessSchema(list_path, "get", "200"), list.body, plural, &errors);
    EXPECT_TRUE(errors.empty()) << Join(errors);

    const std::string id = list.body["items"][0]["id"];
    Reply one = op.Get(list_path + "/" + client::UrlEncode(id));
    ASSERT_EQ(one.status, 200u) << one;
    errors.clear();
    Validate(doc_, SuccessSchema(list_path + "/{id}", "get", "200"), one.body, kind, &errors);
    EXPECT_TRUE(errors.empty()) << Join(errors);
  }

  // Non-resource responses too.
  std::vector<std::string> errors;
  Reply tok = a.Post("/api/v1/tokens", {{"name", "oas"}});
  ASSERT_EQ(tok.status, 201u);
  Validate(doc_, SuccessSchema("/api/v1/tokens", "post", "201"), tok.body, "token_created", &errors);
  Reply health = op.Get("/healthz");
  Validate(doc_, SuccessSchema("/healthz", "get", "200"), health.body, "healthz", &errors);
  for (const char* p : {"/api/v1/me", "/api/v1/capacity", "/api/v1/audit"})
    Validate(doc_, SuccessSchema(p, "get", "200"), op.Get(p).body, p, &errors);
  // Errors fit the error schema, as documented on every operation.
  for (const auto& bad : {op.Get("/api/v1/nodes?limit=0"), op.Get("/api/v1/nodes/none"),
                          Client("").Get("/api/v1/nodes"),
                          Client(w_.reg).Post("/api/v1/sites", SiteBody("x"))}) {
    EXPECT_GE(bad.status, 400u);
    Validate(doc_, doc_["paths"]["/api/v1/nodes"]["get"]["responses"]["400"]["content"]
                       ["application/json"]["schema"],
             bad.body, "error", &errors);
  }
  EXPECT_TRUE(errors.empty()) << Join(errors);
}

// What a client sends that the input schemas accept, the server accepts (and vice versa for
// additionalProperties: false).
TEST_P(OpenApiTest, InputSchemasMatchWhatTheServerRequires) {
  BuildWorld();
  const Json& schemas = doc_["components"]["schemas"];
  std::set<std::string> required;
  for (const auto& r : schemas["site_input"]["required"]) required.insert(r);
  EXPECT_EQ(required, (std::set<std::string>{"name", "city", "province", "latitude", "longitude",
                                             "tier"}));
  // Each required field of a site, left out, is the field the server names.
  ApiClient a = Client(w_.sup_a);
  for (const auto& f : required) {
    Json body = SiteBody("req");
    body.erase(f);
    EXPECT_ERROR(a.Post("/api/v1/sites", body), 400, "invalid_argument", f);
  }
  for (const auto& k : kKinds) {
    EXPECT_EQ(schemas[k + "_input"]["additionalProperties"], false) << k;
    for (auto it = schemas[k + "_input"]["properties"].begin();
         it != schemas[k + "_input"]["properties"].end(); ++it)
      EXPECT_FALSE(it.value().value("readOnly", false)) << k << "." << it.key();
  }
}

// Replaces {params} with a value that exists nowhere.
std::string Concrete(const std::string& pattern) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      out += "zz_absent";
      i = pattern.find('}', i);
    } else {
      out += pattern[i];
    }
  }
  return out;
}

bool NoSuchEndpoint(const Reply& r) {
  return r.status == 404 && r.message().find("no such endpoint") != std::string::npos;
}

TEST_P(OpenApiTest, EveryDocumentedRouteIsAnsweredAndNothingElse) {
  ApiClient op = Client(server_->admin_token());
  int probed = 0;
  for (auto p = doc_["paths"].begin(); p != doc_["paths"].end(); ++p) {
    for (auto m = p.value().begin(); m != p.value().end(); ++m) {
      std::string method = m.key();
      for (auto& c : method) c = static_cast<char>(std::toupper(c));
      // Bodies that no handler accepts: nothing changes, but the route must be found.
      Reply r = op.Send(method, Concrete(p.key()), method == "GET" ? "" : "{\"zz\":1}");
      EXPECT_NE(r.status, 0u) << r;
      EXPECT_FALSE(NoSuchEndpoint(r)) << method << " " << p.key() << ": " << r;
      EXPECT_NE(r.status, 405u) << method << " " << p.key() << ": " << r;
      ++probed;
    }
  }
  EXPECT_GT(probed, 40);
  for (const char* path : {"/", "/api", "/api/v1", "/api/v1/", "/api/v1/widgets",
                           "/api/v1/nodes/a/b", "/api/v1/jobs/x/restart", "/api/v2/nodes",
                           "/metrics/extra", "/api/v1/openapi.yaml"}) {
    EXPECT_TRUE(NoSuchEndpoint(op.Get(path))) << path;
    EXPECT_FALSE(doc_["paths"].contains(path)) << path;
  }
  // Documented paths with an undocumented method: 405, not 404.
  Reply put = op.Send("PUT", "/api/v1/nodes/x", "{}");
  EXPECT_EQ(put.status, 405u) << put;
  EXPECT_FALSE(doc_["paths"]["/api/v1/nodes/{id}"].contains("put"));
}

// The router of an api::Api built in-process over a temp SQLite store and the served
// document list exactly the same routes, and the served document is what BuildOpenApi makes.
TEST_P(OpenApiTest, RouterAndDocumentAgree) {
  auto store = store::OpenStore(tmp_->path() + "/inproc.db");
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  SecureIdSource ids;
  control::Registry registry(store->get(), &SystemClock::Get(), &ids);
  ASSERT_TRUE(registry.Load().ok());
  auto hasher = control::TokenHasher::Open(**store, ids);
  ASSERT_TRUE(hasher.has_value());
  api::Api api(&registry, &*hasher, api::ApiOptions{});

  std::set<std::string> routed, documented;
  for (const auto& r : api.router().routes()) {
    std::string m(boost::beast::http::to_string(r.method));
    for (auto& c : m) c = static_cast<char>(std::tolower(c));
    EXPECT_TRUE(routed.insert(m + " " + r.pattern).second) << "route twice: " << r.pattern;
  }
  for (auto p = doc_["paths"].begin(); p != doc_["paths"].end(); ++p)
    for (auto m = p.value().begin(); m != p.value().end(); ++m) documented.insert(m.key() + " " + p.key());
  for (const auto& r : routed) EXPECT_TRUE(documented.count(r)) << "undocumented route " << r;
  for (const auto& d : documented) EXPECT_TRUE(routed.count(d)) << "documented, not routed: " << d;
  // Every resource kind has its five routes (tokens are created by the platform route, jobs
  // "deleted" by cancelling).
  for (const auto& k : kKinds) {
    const std::string base = "/api/v1/" + k + "s";
    for (const auto& want : {"get " + base, "post " + base, "get " + base + "/{id}",
                             "patch " + base + "/{id}", "delete " + base + "/{id}"})
      EXPECT_TRUE(routed.count(want)) << want;
  }
  EXPECT_EQ(api.OpenApi(), doc_);
}

}  // namespace

SUANLI_INSTANTIATE_FOR_STORE(OpenApiTest);

}  // namespace suanli::testing
