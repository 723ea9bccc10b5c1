#include "api/api.h"

#include "api/agent_routes.h"
#include "api/event_routes.h"
#include "api/ledger_routes.h"
#include "api/market_routes.h"
#include "api/resource_routes.h"
#include "core/clock.h"

namespace suanli::api {

using namespace domain;

Status CheckVersion(const Request& req, Json* body, int64_t current) {
  std::string expected = req.if_match;
  if (body->contains("version")) {
    const Json& v = (*body)["version"];
    if (!v.is_number_integer()) return InvalidArgument("must be an integer", "version");
    expected = std::to_string(v.get<int64_t>());
    body->erase("version");
  }
  if (!expected.empty() && expected != std::to_string(current))
    return Aborted("version is " + std::to_string(current) + ", not " + expected +
                   ": someone changed it since you read it; read it again");
  return OkStatus();
}

Api::Api(control::Registry* registry, const control::TokenHasher* hasher, ApiOptions options,
         ledger::Ledger* ledger)
    : ctx_{registry, hasher, ledger},
      authenticator_(registry, hasher),
      options_(options),
      per_token_(options.rate_per_token, options.burst_per_token),
      failed_auth_(options.failed_auth_rate_per_ip, options.failed_auth_rate_per_ip * 5),
      web_(options.web_root) {
  AddRoutes();
  std::vector<std::string> labels;
  for (const auto& r : router_.routes())
    labels.push_back(std::string(boost::beast::http::to_string(r.method)) + " " + r.pattern);
  metrics_ = std::make_unique<RequestMetrics>(std::move(labels));
  openapi_ = BuildOpenApi(router_);
}

void Api::AddRoutes() {
  AddPlatformRoutes();
  AddResourceRoutes<Org>(router_, ctx_);
  AddResourceRoutes<User>(router_, ctx_);
  AddResourceRoutes<Token>(router_, ctx_, {.create = false, .update = true, .remove = true});
  AddResourceRoutes<Site>(router_, ctx_);
  AddResourceRoutes<Pool>(router_, ctx_);
  AddResourceRoutes<Node>(router_, ctx_);
  AddResourceRoutes<Accelerator>(router_, ctx_);
  AddResourceRoutes<Offer>(router_, ctx_);
  AddResourceRoutes<Job>(router_, ctx_, {.create = true, .update = true, .remove = false});
  AddLedgerRoutes(router_, ctx_);
  AddMarketRoutes(router_, ctx_);
  AddEventRoutes(router_, ctx_);
  AddAgentRoutes(router_, ctx_);
}

asio::awaitable<Response> Api::Handle(Request& req) {
  const int64_t t0 = SystemClock::Get().MonotonicNanos();
  std::map<std::string, std::string> params;
  bool path_known = false;
  const Route* route = router_.Match(req.method, req.path, &params, &path_known);
  Response res;
  size_t route_index = router_.routes().size();
  const bool api_path = req.path == "/api" || req.path.rfind("/api/", 0) == 0;
  if (!route && req.method == Verb::get && !api_path && web_.enabled()) {
    res = web_.Serve(req.path);  // the console: static files, no token needed
  } else if (!route) {
    res = path_known ? ErrorResponse({StatusCode::kInvalidArgument, "method not allowed"})
                     : ErrorResponse(NotFound("no such endpoint: " + req.path));
    if (path_known) res.status = 405;
  } else {
    route_index = route->index;
    req.params = std::move(params);
    bool allowed = true;
    if (route->authenticated) {
      std::string secret;
      const std::string& auth = req.authorization;
      if (auth.rfind("Bearer ", 0) == 0 || auth.rfind("bearer ", 0) == 0) secret = auth.substr(7);
      auto principal = authenticator_.Authenticate(secret, SystemClock::Get().Now());
      double now_s = t0 / 1e9, retry = 0;
      if (!principal) {
        allowed = false;
        if (!failed_auth_.Allow(req.remote, now_s, &retry)) {
          res = ErrorResponse(ResourceExhausted("too many failed authentications; slow down"));
          res.headers.push_back({"Retry-After", std::to_string(static_cast<int>(retry) + 1)});
        } else {
          res = ErrorResponse(principal.error());
          res.headers.push_back({"WWW-Authenticate", "Bearer realm=\"suanli\""});
        }
      } else {
        req.principal = std::move(*principal);
        if (!per_token_.Allow(req.principal->token_id, now_s, &retry)) {
          allowed = false;
          res = ErrorResponse(ResourceExhausted("rate limit exceeded for this token"));
          res.headers.push_back({"Retry-After", std::to_string(static_cast<int>(retry) + 1)});
        }
      }
    }
    if (allowed) {
      try {
        res = co_await route->handler(req);
      } catch (const std::exception& e) {
        res = ErrorResponse(Internal(std::string("unexpected error: ") + e.what()));
      }
    }
  }
  res.headers.push_back({"X-Request-Id", req.request_id});
  metrics_->Record(route_index, res.status, (SystemClock::Get().MonotonicNanos() - t0) / 1e9);
  co_return res;
}

}  // namespace suanli::api
