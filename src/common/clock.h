// Clock: the injected source of time (Envoy's TimeSource). Production code takes a
// `Clock&` instead of calling std::chrono directly, so tests can run on a FakeClock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace aiip {

using SystemTime = std::chrono::sys_time<std::chrono::milliseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, millisecond precision, UTC. Thread-safe.
  virtual SystemTime Now() const = 0;
  // Monotonic time for measuring durations. Thread-safe.
  virtual std::chrono::steady_clock::time_point Monotonic() const = 0;
};

// The real clock. Thread-safe; the returned reference lives for the whole program.
Clock& SystemClock();

// A clock that moves only when told. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(SystemTime start) : now_ms_(start.time_since_epoch().count()) {}
  SystemTime Now() const override { return SystemTime(std::chrono::milliseconds(now_ms_.load())); }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_ms_.load()));
  }
  void Advance(std::chrono::milliseconds by) { now_ms_ += by.count(); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace aiip
