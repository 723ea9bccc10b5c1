// A background thread that calls a function now and then every `period` until stopped: the
// loop of the server's services (execution, Slurm pools). Stop() wakes it at once and joins.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace suanli {

class Periodic {
 public:
  Periodic() = default;
  ~Periodic() { Stop(); }
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  // Starts calling `fn` (no-op when already running).
  void Start(std::chrono::milliseconds period, std::function<void()> fn) {
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this, period, fn = std::move(fn)] {
      std::unique_lock lock(mu_);
      while (!stop_) {
        lock.unlock();
        fn();
        lock.lock();
        cv_.wait_for(lock, period, [this] { return stop_; });
      }
    });
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace suanli
