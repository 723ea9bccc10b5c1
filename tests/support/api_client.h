// Test support: a JSON-speaking wrapper of client::HttpClient for API tests. Every call returns
// a Reply (status 0 with transport_error set when the server could not be reached), which
// prints itself in gtest failure messages.
#pragma once

#include <map>
#include <memory>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "client/http_client.h"

namespace suanli::testing {

using Json = nlohmann::json;

struct Reply {
  unsigned status = 0;
  Json body;        // the parsed body; null when empty or not JSON
  std::string raw;  // the body as received
  std::map<std::string, std::string> headers;  // lower-case names
  std::string transport_error;

  // The error object's fields ("" when absent).
  std::string code() const;
  std::string message() const;
  std::string field() const;
};

std::ostream& operator<<(std::ostream& os, const Reply& r);

// One keep-alive connection acting with one token. Not thread-safe: one per thread.
class ApiClient {
 public:
  ApiClient(const std::string& base_url, std::string token = {});
  void set_token(std::string token);
  const std::string& token() const { return token_; }

  Reply Send(const std::string& method, const std::string& target, const std::string& body = {},
             const std::map<std::string, std::string>& headers = {});
  Reply Get(const std::string& target) { return Send("GET", target); }
  Reply Post(const std::string& target, const Json& body) { return Send("POST", target, body.dump()); }
  Reply Patch(const std::string& target, const Json& body,
              const std::map<std::string, std::string>& headers = {}) {
    return Send("PATCH", target, body.dump(), headers);
  }
  Reply Delete(const std::string& target, const std::map<std::string, std::string>& headers = {}) {
    return Send("DELETE", target, {}, headers);
  }
  // GET /api/v1/<plural>?limit=1<query> and return "total" (-1 on failure).
  int64_t Total(const std::string& plural, const std::string& query = {});

 private:
  std::string base_url_;
  std::string token_;
  std::unique_ptr<client::HttpClient> http_;
};

}  // namespace suanli::testing
