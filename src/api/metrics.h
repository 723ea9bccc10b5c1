// Request counters and latency histograms per route, rendered in the Prometheus text format
// together with gauges the caller supplies (capacity, jobs by state). Lock-free on the hot path.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace suanli::api {

class RequestMetrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,  0.01,    0.025,  0.05,  0.1,
                                                      0.5,    2.5};
  // `routes` are the labels ("GET /api/v1/nodes/{id}"); index routes.size() counts unmatched.
  explicit RequestMetrics(std::vector<std::string> routes);

  void Record(size_t route, unsigned status, double seconds);
  std::string Render() const;

 private:
  struct PerRoute {
    std::array<std::atomic<uint64_t>, 6> by_class{};  // 1xx..5xx by status/100, [0] other
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};
    std::atomic<uint64_t> sum_us{0};
    std::atomic<uint64_t> count{0};
  };
  std::vector<std::string> labels_;
  std::unique_ptr<PerRoute[]> per_route_;
};

}  // namespace suanli::api
