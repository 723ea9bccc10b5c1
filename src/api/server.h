// The HTTP/1.1 server: Boost.Beast on an Asio io_context run by a few threads, one C++20
// coroutine per connection, keep-alive, TCP_NODELAY, header and body size limits. It parses
// requests into api::Request and hands them to the Api.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/api.h"

namespace suanli::api {

class HttpServer {
 public:
  HttpServer(Api* api, int threads);
  ~HttpServer();

  // Binds host:port (port 0 picks a free one) and starts serving. Returns the bound port.
  Result<int> Start(const std::string& host, int port);
  // Stops accepting, closes connections and joins the threads.
  void Stop();
  // Blocks until Stop() (from another thread or a signal handler via RequestStop()).
  void Wait();
  void RequestStop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "/a/b?x=1&y=%E4" into a path and decoded query parameters. False on bad encoding.
bool ParseTarget(std::string_view target, std::string* path,
                 std::map<std::string, std::string>* query);

}  // namespace suanli::api
