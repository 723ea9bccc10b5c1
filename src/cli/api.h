// The CLI's view of the server: global options, one lazily opened HTTP connection, and the
// translation of HTTP answers into Status values and exit codes (the CLI's error policy lives
// here and nowhere else: 4xx and bad input exit 2, 5xx and an unreachable server exit 1).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "client/http_client.h"
#include "core/status.h"

namespace suanli::cli {

using Json = nlohmann::json;

// Options every command shares (flags, else SUANLI_SERVER / SUANLI_TOKEN, else defaults).
struct GlobalOptions {
  std::string server = "http://127.0.0.1:8080";
  std::string token;
  bool json = false;  // print the server's JSON instead of tables
};

// Talks to the REST API. Not thread-safe; one per CLI run.
class Api {
 public:
  explicit Api(const GlobalOptions& options) : options_(options) {}

  // Sends `method` to `target` ("/api/v1/nodes?limit=5"; a target without a leading '/' is
  // taken relative to /api/v1/). `body` is sent as JSON unless null. Returns the parsed
  // answer (null for 204), or the server's error as a Status (see ExitCodeFor).
  Result<Json> Call(const std::string& method, const std::string& target,
                    const Json& body = nullptr);
  Result<Json> Get(const std::string& target) { return Call("GET", target); }
  Result<Json> Delete(const std::string& target) { return Call("DELETE", target); }

  const GlobalOptions& options() const { return options_; }

 private:
  const GlobalOptions& options_;
  std::unique_ptr<client::HttpClient> http_;
};

// Turns a non-2xx answer into a Status carrying the server's code, message and field.
Status StatusFromHttp(unsigned http_status, const std::string& body);

// 1 for server-side failures (5xx, unreachable), 2 for everything the caller can fix.
int ExitCodeFor(const Status& s);

// The one line printed for an error: "invalid_argument: cpu_cores: must be between 1 and 4096".
std::string ErrorLine(const Status& s);

// "a=b&c=d" helper: appends `key=value` (value percent-encoded) to a query string.
void AppendQuery(std::string* query, const std::string& key, const std::string& value);

}  // namespace suanli::cli
