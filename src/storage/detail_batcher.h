// DetailBatcher: combines concurrent Store::GetCustomerDetail requests into
// Store::GetCustomerDetails calls, so that under load one statement (one round trip, one
// executor start in PostgreSQL) answers the detail requests of several HTTP requests at once.
//
// How: a caller queues its request; if fewer than `max_in_flight` batches are running, it becomes
// a leader, takes everything queued (its own request included, at most `max_batch` requests of
// the oldest tenant in the queue) and runs them as one store call; otherwise it waits until a
// leader has answered it or a slot frees (then it leads the next batch); each waiter sleeps on
// its own word (a futex), so a finished batch wakes only its requests and the queued ones (one
// of which leads next), not the requests of the batch still running. An answered request
// returns without taking the batcher's mutex again. An idle server therefore
// runs each request at once, alone (no timer, no added latency); under load the requests that
// arrive while `max_in_flight` batches run share the next one.
//
// Answers are exactly Store::GetCustomerDetail's: the record, or NotFound for a customer not in
// the tenant; a failing store call fails every request of its batch with that status. Nothing is
// cached: every request is answered by a store call that started after the request arrived.
// Thread-safe; `fetch` (usually Store::GetCustomerDetails of a store that outlives the batcher)
// must be thread-safe and answer as GetCustomerDetails does.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "storage/store.h"

namespace clv::storage {

class DetailBatcher {
 public:
  using Fetch = std::function<Result<std::vector<CustomerDetailRecord>>(
      TenantId, std::span<const CustomerId>)>;
  // max_in_flight ≥ 1 fetches at a time (about one per database connection the reads should
  // use), each for at most max_batch ≥ 1 requests.
  DetailBatcher(Fetch fetch, std::size_t max_in_flight, std::size_t max_batch);
  // Fetches with store.GetCustomerDetails.
  DetailBatcher(Store& store, std::size_t max_in_flight, std::size_t max_batch);
  DetailBatcher(const DetailBatcher&) = delete;
  DetailBatcher& operator=(const DetailBatcher&) = delete;

  Result<CustomerDetailRecord> Get(TenantId tenant, CustomerId customer);

  // Counters since construction (for tests and diagnostics): store calls made and requests
  // answered by them.
  struct Stats {
    std::uint64_t batches = 0;
    std::uint64_t requests = 0;
  };
  Stats stats() const;
  // Requests waiting for a leader right now (for tests).
  std::size_t queued() const;

 private:
  struct Waiter;
  // Called with `lock` held; returns with it released. `caller` is the leading request (its own
  // answer needs no wake-up).
  void RunBatch(std::unique_lock<std::mutex>& lock, const Waiter* caller);
  // Signals every queued request if a slot is free (mu_ held).
  void WakeQueued();

  const Fetch fetch_;
  const std::size_t max_in_flight_;
  const std::size_t max_batch_;
  mutable std::mutex mu_;
  std::deque<Waiter*> queue_;  // oldest first; guarded by mu_
  std::size_t in_flight_ = 0;  // guarded by mu_
  Stats stats_;                // guarded by mu_
};

}  // namespace clv::storage
