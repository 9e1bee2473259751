// Linux futex wait/wake on a std::atomic<std::uint32_t>: the smallest sleep/wake-up for a
// thread waiting on one word of its own (http::WorkerPool's idle workers, storage::DetailBatcher's
// waiters). Unlike std::atomic::wait/notify_one it does not spin or yield before sleeping, and a
// wake uses only the word's address, so it may follow a store after which the waiter is allowed
// to leave and destroy the word (a wake on a stale address is at worst a spurious return of
// whatever sleeps there later, which every futex user re-checks).
#pragma once

#include <atomic>
#include <cstdint>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace clv {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
              std::atomic<std::uint32_t>::is_always_lock_free);

// Sleeps while *word == seen; may return spuriously (callers loop on their condition).
inline void FutexWait(std::atomic<std::uint32_t>* word, std::uint32_t seen) {
  syscall(SYS_futex, static_cast<void*>(word), FUTEX_WAIT_PRIVATE, seen, nullptr, nullptr, 0);
}

// Wakes one thread sleeping on `word`.
inline void FutexWakeOne(std::atomic<std::uint32_t>* word) {
  syscall(SYS_futex, static_cast<void*>(word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

}  // namespace clv
