// A small blocking HTTP/1.1 client for the platform's API (Boost.Beast), used by the CLI, the
// node agent and the tests. One keep-alive connection; reconnects when the server closed it.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/status.h"

namespace suanli::client {

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

class HttpClient {
 public:
  // `base_url` is "http://host:port" (no path). `token` is sent as a bearer token when set.
  static Result<std::unique_ptr<HttpClient>> Create(const std::string& base_url,
                                                    std::string token = {});
  ~HttpClient();

  // Sends a request; `target` is the path with query ("/api/v1/nodes?limit=5"). A transport
  // failure (connection refused, timeout) is Unavailable; any HTTP status is a success here.
  Result<HttpResponse> Send(const std::string& method, const std::string& target,
                            const std::string& body = {},
                            const std::map<std::string, std::string>& headers = {});

  Result<HttpResponse> Get(const std::string& target) { return Send("GET", target); }
  Result<HttpResponse> Post(const std::string& target, const std::string& body) {
    return Send("POST", target, body);
  }
  Result<HttpResponse> Patch(const std::string& target, const std::string& body) {
    return Send("PATCH", target, body);
  }
  Result<HttpResponse> Delete(const std::string& target) { return Send("DELETE", target); }

  void set_token(std::string token) { token_ = std::move(token); }
  void set_timeout_ms(int ms) { timeout_ms_ = ms; }

 private:
  HttpClient(std::string host, std::string port, std::string token);
  struct Conn;
  std::string host_, port_, token_;
  int timeout_ms_ = 30000;
  std::unique_ptr<Conn> conn_;
};

// Percent-encodes a query value.
std::string UrlEncode(std::string_view s);

}  // namespace suanli::client
