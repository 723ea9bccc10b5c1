// The types an API handler sees: a parsed request (with the authenticated principal) and the
// response it returns. Handlers are C++20 coroutines on the server's io_context, so a handler
// that waits for a durable commit does not hold a thread.
#pragma once

#include <utility>  // before Asio (see ENVIRONMENT.md)

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/auth.h"
#include "core/status.h"

namespace suanli::api {

namespace asio = boost::asio;
using Verb = boost::beast::http::verb;
using Json = nlohmann::json;

struct Request {
  Verb method = Verb::get;
  std::string path;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;  // path parameters ({id})
  std::string body;
  std::string if_match;
  std::string authorization;  // the Authorization header
  std::string accept;         // the Accept header
  std::string remote;
  std::string request_id;
  std::shared_ptr<const control::Principal> principal;  // set when the route authenticates
  const control::Principal& who() const { return *principal; }
};

struct Response {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // A streamed body (server-sent events) instead of `body`: the server sends the headers, then
  // each chunk this yields until it yields nullopt or the client is gone, then closes the
  // connection. Called on the connection's coroutine, one call at a time.
  std::function<asio::awaitable<std::optional<std::string>>()> stream;
};

using Handler = std::function<asio::awaitable<Response>(Request&)>;

// HTTP status for a Status code (the one place this mapping lives).
unsigned HttpStatusFor(StatusCode code);
// {"error":{"code":"invalid_argument","message":"...","field":"..."}} with the mapped status.
Response ErrorResponse(const Status& s);
Response JsonResponse(unsigned status, const Json& body);
Response RawJsonResponse(unsigned status, std::string body);

// Parses the request body as a JSON object, or an InvalidArgument naming the problem.
Result<Json> ParseJsonBody(const Request& req);

}  // namespace suanli::api
