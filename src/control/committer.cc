#include "control/committer.h"

#include <future>
#include <vector>

namespace suanli::control {

Committer::Committer(store::Store* store, OnFailure on_failure, size_t max_batches)
    : store_(store), on_failure_(std::move(on_failure)), max_batches_(max_batches) {
  thread_ = std::thread([this] { Run(); });
}

Committer::~Committer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Committer::Enqueue(store::WriteBatch batch, Done done) {
  {
    std::lock_guard lock(mu_);
    queue_.emplace_back(std::move(batch), std::move(done));
  }
  cv_.notify_one();
}

Status Committer::Flush() {
  std::promise<Status> p;
  auto f = p.get_future();
  Enqueue({}, [&p](const Status& s) { p.set_value(s); });
  return f.get();
}

void Committer::Run() {
  std::vector<store::WriteBatch> batches;
  std::vector<Done> dones;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && batches.size() < max_batches_) {
        batches.push_back(std::move(queue_.front().first));
        dones.push_back(std::move(queue_.front().second));
        queue_.pop_front();
      }
    }
    bool any = false;
    for (const auto& b : batches) any = any || !b.mutations.empty() || !b.audit.empty();
    Status s = any ? store_->Commit(batches) : OkStatus();
    if (any) {
      ++commits_;
      batches_ += batches.size();
    }
    if (!s.ok() && on_failure_) on_failure_(s);
    for (auto& d : dones)
      if (d) d(s);
    batches.clear();
    dones.clear();
  }
}

}  // namespace suanli::control
