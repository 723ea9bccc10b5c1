// Time is injected. Only SystemClock (clock.cc) reads the system clock; tests and the
// simulator use FakeClock, which moves only when told to.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace suanli {

using Millis = std::chrono::milliseconds;

// Wall-clock time as milliseconds since the Unix epoch (UTC).
struct Timestamp {
  int64_t ms = 0;
  auto operator<=>(const Timestamp&) const = default;
};

class Clock {
 public:
  virtual ~Clock() = default;
  // Current wall-clock time. Thread-safe.
  virtual Timestamp Now() const = 0;
  // Monotonic time for measuring durations, in nanoseconds. Thread-safe.
  virtual int64_t MonotonicNanos() const = 0;
};

// The real clock. A process-wide singleton is fine: it has no state.
class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
  int64_t MonotonicNanos() const override;
  static SystemClock& Get();
};

// A clock that moves only by Advance()/Set(). Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start = {1'700'000'000'000}) : now_(start) {}
  Timestamp Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  int64_t MonotonicNanos() const override {
    std::lock_guard lock(mu_);
    return now_.ms * 1'000'000;
  }
  void Advance(Millis d) {
    std::lock_guard lock(mu_);
    now_.ms += d.count();
  }
  void Set(Timestamp t) {
    std::lock_guard lock(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  Timestamp now_;
};

// RFC 3339 UTC text ("2026-11-23T18:12:57.123Z") and back. Parse returns false on bad text.
std::string FormatTimestamp(Timestamp t);
bool ParseTimestamp(std::string_view text, Timestamp* out);

}  // namespace suanli
