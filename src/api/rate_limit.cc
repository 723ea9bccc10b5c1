#include "api/rate_limit.h"

#include <algorithm>

namespace suanli::api {

bool RateLimiter::Allow(const std::string& key, double now_s, double* retry_after_s) {
  if (rate_ <= 0) return true;
  std::lock_guard lock(mu_);
  if (buckets_.size() > 100000) buckets_.clear();  // bound memory under address churn
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now_s});
  Bucket& b = it->second;
  b.tokens = std::min(burst_, b.tokens + (now_s - b.last) * rate_);
  b.last = now_s;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  *retry_after_s = (1 - b.tokens) / rate_;
  return false;
}

}  // namespace suanli::api
