// A one-line progress bar on stderr for long runs, shared by worker threads. Draws only when
// stderr is a terminal (or when forced), at most every 100 ms.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

namespace suanli::sim {

class ProgressBar {
 public:
  ProgressBar(std::string label, int jobs, bool enabled);
  ~ProgressBar();
  // Job `job` (0-based) is `fraction` done. Thread-safe.
  void Update(int job, double fraction);

 private:
  void Draw(bool final_line);
  std::string label_;
  int jobs_;
  bool enabled_;
  std::mutex mu_;
  std::vector<double> done_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace suanli::sim
