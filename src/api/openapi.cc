// openapi.json is generated from the router's table and the resource schemas, so every route
// the server answers is documented and nothing documented is missing (openapi_test checks).
#include <boost/beast/http/verb.hpp>

#include "api/api.h"
#include "control/registry.h"

namespace suanli::api {

using namespace domain;

namespace {

template <class T>
void AddSchemas(Json& schemas) {
  const auto& s = control::SchemaOf<T>();
  schemas[s.kind] = OpenApiSchema(s, false);
  schemas[s.kind + "_input"] = OpenApiSchema(s, true);
}

Json ErrorSchema() {
  return {{"type", "object"},
          {"required", {"error"}},
          {"properties",
           {{"error",
             {{"type", "object"},
              {"required", {"code", "message"}},
              {"properties",
               {{"code", {{"type", "string"}}},
                {"message", {{"type", "string"}}},
                {"field", {{"type", "string"}, {"description", "the request field at fault"}}}}}}}}}};
}

}  // namespace

Json BuildOpenApi(const Router& router) {
  Json schemas = Json::object();
  AddSchemas<Org>(schemas);
  AddSchemas<User>(schemas);
  AddSchemas<Token>(schemas);
  AddSchemas<Site>(schemas);
  AddSchemas<Pool>(schemas);
  AddSchemas<Node>(schemas);
  AddSchemas<Accelerator>(schemas);
  AddSchemas<Offer>(schemas);
  AddSchemas<Job>(schemas);
  schemas["error"] = ErrorSchema();

  const Json error_ref = {{"$ref", "#/components/schemas/error"}};
  auto error_response = [&](const char* what) {
    return Json{{"description", what}, {"content", {{"application/json", {{"schema", error_ref}}}}}};
  };
  Json paths = Json::object();
  for (const auto& r : router.routes()) {
    std::string method(boost::beast::http::to_string(r.method));
    for (auto& c : method) c = static_cast<char>(std::tolower(c));
    Json op = {{"summary", r.doc.summary}, {"tags", {r.doc.tag}},
               {"operationId", method + r.pattern}};
    Json params = Json::array();
    for (const auto& seg : r.segments)
      if (seg.front() == '{')
        params.push_back({{"name", seg.substr(1, seg.size() - 2)},
                          {"in", "path"},
                          {"required", true},
                          {"schema", {{"type", "string"}}}});
    for (const auto& [name, schema] : r.doc.query)
      params.push_back({{"name", name}, {"in", "query"}, {"required", false}, {"schema", schema}});
    if (!params.empty()) op["parameters"] = params;
    if (!r.doc.request_schema.is_null())
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", r.doc.request_schema}}}}}};
    Json responses = Json::object();
    Json ok = {{"description", "success"}};
    if (!r.doc.response_schema.is_null()) {
      const char* type = r.pattern == "/metrics" ? "text/plain" : "application/json";
      ok["content"] = {{type, {{"schema", r.doc.response_schema}}}};
    }
    responses[std::to_string(r.doc.success_status)] = ok;
    responses["400"] = error_response("bad input: the error names the field");
    if (r.authenticated) {
      responses["401"] = error_response("missing, invalid or expired token");
      responses["403"] = error_response("the caller's organisation or role may not do this");
      responses["429"] = error_response("rate limit exceeded");
    }
    if (r.pattern.find('{') != std::string::npos) responses["404"] = error_response("not found");
    if (r.method != Verb::get) responses["409"] = error_response("conflict with the current state");
    op["responses"] = responses;
    if (r.authenticated) op["security"] = Json::array({{{"bearer", Json::array()}}});
    paths[r.pattern][method] = op;
  }
  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", "suanli compute-power network API"},
            {"version", "1.0.0"},
            {"description",
             "Resource pool, market, jobs and oversight of a compute-power network (算力网络)."}}},
          {"servers", {{{"url", "/"}}}},
          {"paths", paths},
          {"components",
           {{"schemas", schemas},
            {"securitySchemes",
             {{"bearer", {{"type", "http"}, {"scheme", "bearer"}, {"description", "API token sl_…"}}}}}}}};
}

}  // namespace suanli::api
