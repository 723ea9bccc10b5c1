// Token-bucket rate limits keyed by caller (token id, or remote address for failed logins).
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

namespace suanli::api {

class RateLimiter {
 public:
  // `rate` requests per second with bursts of `burst`; rate <= 0 disables the limit.
  RateLimiter(double rate, double burst) : rate_(rate), burst_(burst) {}

  // Takes one request from `key`'s bucket at monotonic time `now_s`. False when empty; then
  // *retry_after_s says when the next request will be allowed. Thread-safe.
  bool Allow(const std::string& key, double now_s, double* retry_after_s);

 private:
  struct Bucket {
    double tokens;
    double last;
  };
  double rate_, burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace suanli::api
