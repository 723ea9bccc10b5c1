// The REST API: routing, authentication, rate limits and metrics around the route handlers.
// Transport-free: the HTTP server (server.h) feeds it parsed requests; tests can too.
#pragma once

#include <memory>

#include "api/context.h"
#include "api/metrics.h"
#include "api/rate_limit.h"
#include "api/router.h"
#include "api/static_files.h"

namespace suanli::api {

struct ApiOptions {
  double rate_per_token = 2000;  // requests/s per token; <= 0 disables
  double burst_per_token = 4000;
  double failed_auth_rate_per_ip = 10;  // 401s per second per remote address before 429
  size_t max_body_bytes = 1 << 20;
  std::string web_root;  // the built console served at / (see static_files.h); "" = none
};

class Api {
 public:
  Api(control::Registry* registry, const control::TokenHasher* hasher, ApiOptions options,
      ledger::Ledger* ledger = nullptr);

  // Routes, authenticates, rate-limits, runs the handler and records metrics. Never throws.
  asio::awaitable<Response> Handle(Request& req);

  // Routes of the agent protocol and job logs answer 503 until an execution service is set.
  void AttachExecution(exec::ExecutionService* exec) { ctx_.exec = exec; }

  const Router& router() const { return router_; }
  const ApiOptions& options() const { return options_; }
  // The web console served at / (disabled when options.web_root has no index.html).
  const StaticFiles& web() const { return web_; }
  // The OpenAPI 3 document for every route.
  const Json& OpenApi() const { return openapi_; }
  // Prometheus text: request metrics, capacity and job gauges.
  std::string Metrics() const;

 private:
  void AddRoutes();
  void AddPlatformRoutes();

  ApiContext ctx_;
  control::Authenticator authenticator_;
  ApiOptions options_;
  Router router_;
  Json openapi_;
  std::unique_ptr<RequestMetrics> metrics_;
  RateLimiter per_token_;
  RateLimiter failed_auth_;
  StaticFiles web_;  // GETs outside /api/ that no route answers
};

// Builds the OpenAPI document from the routes and the resource schemas.
Json BuildOpenApi(const Router& router);

}  // namespace suanli::api
