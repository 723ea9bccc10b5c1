// Routes: a method, a path pattern with {params}, a handler, and what the OpenAPI document
// says about it. The router is the single list of endpoints: the server dispatches from it and
// openapi.json is generated from it, so the two cannot disagree.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/http.h"

namespace suanli::api {

struct RouteDoc {
  std::string summary;
  std::string tag;
  Json request_schema;                    // null when no body
  Json response_schema;                   // schema of the success body
  unsigned success_status = 200;
  std::vector<std::pair<std::string, Json>> query;  // name -> parameter schema
};

struct Route {
  Verb method;
  std::string pattern;  // "/api/v1/nodes/{id}"
  bool authenticated = true;
  Handler handler;
  RouteDoc doc;
  std::vector<std::string> segments;  // split pattern
  size_t index = 0;                   // position in the table (for metrics)
};

class Router {
 public:
  void Add(Verb method, std::string pattern, bool authenticated, Handler handler, RouteDoc doc);

  // The route for method and path, filling `params`; nullptr with *path_known true when the
  // path exists for another method (405), false when unknown (404).
  const Route* Match(Verb method, std::string_view path, std::map<std::string, std::string>* params,
                     bool* path_known) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace suanli::api
