#include "api/metrics.h"

#include <cstdio>

namespace suanli::api {

RequestMetrics::RequestMetrics(std::vector<std::string> routes)
    : labels_(std::move(routes)), per_route_(new PerRoute[labels_.size() + 1]) {
  labels_.push_back("unmatched");
}

void RequestMetrics::Record(size_t route, unsigned status, double seconds) {
  if (route >= labels_.size()) route = labels_.size() - 1;
  PerRoute& r = per_route_[route];
  unsigned cls = status / 100;
  r.by_class[cls < 6 ? cls : 0].fetch_add(1, std::memory_order_relaxed);
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  r.buckets[b].fetch_add(1, std::memory_order_relaxed);
  r.sum_us.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  r.count.fetch_add(1, std::memory_order_relaxed);
}

std::string RequestMetrics::Render() const {
  std::string out;
  char buf[512];
  out += "# HELP suanli_http_requests_total HTTP requests by route and status class.\n";
  out += "# TYPE suanli_http_requests_total counter\n";
  for (size_t i = 0; i < labels_.size(); ++i) {
    for (unsigned c = 1; c < 6; ++c) {
      uint64_t n = per_route_[i].by_class[c].load(std::memory_order_relaxed);
      if (n == 0) continue;
      std::snprintf(buf, sizeof buf, "suanli_http_requests_total{route=\"%s\",code=\"%uxx\"} %llu\n",
                    labels_[i].c_str(), c, static_cast<unsigned long long>(n));
      out += buf;
    }
  }
  out += "# HELP suanli_http_request_duration_seconds Time to answer, by route.\n";
  out += "# TYPE suanli_http_request_duration_seconds histogram\n";
  for (size_t i = 0; i < labels_.size(); ++i) {
    const PerRoute& r = per_route_[i];
    uint64_t count = r.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += r.buckets[b].load(std::memory_order_relaxed);
      if (b < kBuckets.size())
        std::snprintf(buf, sizeof buf,
                      "suanli_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                      labels_[i].c_str(), kBuckets[b], static_cast<unsigned long long>(cumulative));
      else
        std::snprintf(buf, sizeof buf,
                      "suanli_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                      labels_[i].c_str(), static_cast<unsigned long long>(cumulative));
      out += buf;
    }
    std::snprintf(buf, sizeof buf,
                  "suanli_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                  "suanli_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                  labels_[i].c_str(), r.sum_us.load() / 1e6, labels_[i].c_str(),
                  static_cast<unsigned long long>(count));
    out += buf;
  }
  return out;
}

}  // namespace suanli::api
