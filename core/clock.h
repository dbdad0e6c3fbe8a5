// Time, injected. core/ never reads the system clock itself: schedules,
// deadlines, epochs and expiry all take a Clock so tests can advance time.
#pragma once

#include <chrono>
#include <cstdint>

namespace waypost {

// Seconds since the Unix epoch, UTC. Whole seconds are all the protocol needs.
using UnixTime = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixTime Now() const = 0;
  // Monotonic milliseconds, for network deadlines only.
  virtual int64_t MonotonicMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  UnixTime Now() const override {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
  }
  int64_t MonotonicMs() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
  }
};

// A clock that moves only when told to. Not thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixTime start = 1'800'000'000) : now_(start) {}
  UnixTime Now() const override { return now_; }
  int64_t MonotonicMs() const override { return mono_ms_; }
  void Advance(int64_t seconds) {
    now_ += seconds;
    mono_ms_ += seconds * 1000;
  }
  void AdvanceMs(int64_t ms) { mono_ms_ += ms; }
  void Set(UnixTime t) { now_ = t; }

 private:
  UnixTime now_;
  int64_t mono_ms_ = 0;
};

}  // namespace waypost
