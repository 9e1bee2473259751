// Clock: the source of "now", injected so that time-dependent code is testable (STYLE.md:
// injected clocks, no sleeps). Production code takes a `const Clock&`; tests pass a FakeClock.
#pragma once

#include <atomic>

#include "core/domain.h"

namespace clv {

class Clock {
 public:
  virtual ~Clock() = default;
  // The current instant, UTC microseconds since the Unix epoch. Thread-safe.
  virtual UnixMicros Now() const = 0;
};

// The system's wall clock (std::chrono::system_clock). Not monotonic: it can jump when the
// machine's time is set; use it for timestamps, not for measuring durations.
class SystemClock final : public Clock {
 public:
  UnixMicros Now() const override;
  // A process-wide instance, for composition roots (main, serve).
  static const SystemClock& Instance();
};

// A clock that moves only when told to. Thread-safe (atomic), so a test may advance it while
// the code under test reads it from another thread.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixMicros now = 0) : now_(now) {}
  UnixMicros Now() const override { return now_.load(std::memory_order_relaxed); }
  void Set(UnixMicros now) { now_.store(now, std::memory_order_relaxed); }
  void Advance(UnixMicros delta) { now_.fetch_add(delta, std::memory_order_relaxed); }

 private:
  std::atomic<UnixMicros> now_;
};

}  // namespace clv
