// Group commit: API calls hand their WriteBatch to one writer thread, which makes every batch
// waiting at that moment durable in a single store transaction (one fsync), then tells each
// caller. Many concurrent writers share one sync, which is how an fsync-bound store reaches
// thousands of durable writes per second.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "store/store.h"

namespace suanli::control {

class Committer {
 public:
  using Done = std::function<void(const Status&)>;
  // Called (on the writer thread, before the callers are told) when a commit fails, so the
  // owner can bring its in-memory state back in line with the store.
  using OnFailure = std::function<void(const Status&)>;

  Committer(store::Store* store, OnFailure on_failure, size_t max_batches = 2048);
  ~Committer();  // drains the queue, then stops the thread

  // Queues `batch`; `done` runs on the writer thread once it is durable (or failed).
  // Batches commit in the order they were enqueued. Thread-safe.
  void Enqueue(store::WriteBatch batch, Done done);

  // Blocks until everything enqueued before the call is durable; returns its status.
  Status Flush();

  uint64_t commits() const { return commits_; }
  uint64_t batches() const { return batches_; }

 private:
  void Run();

  store::Store* store_;
  OnFailure on_failure_;
  size_t max_batches_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<store::WriteBatch, Done>> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> batches_{0};
  std::thread thread_;
};

}  // namespace suanli::control
