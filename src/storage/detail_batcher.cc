#include "storage/detail_batcher.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/check.h"
#include "core/futex.h"

namespace clv::storage {
namespace {
constexpr std::size_t kNoRecord = static_cast<std::size_t>(-1);

// Bits of Waiter::state.
constexpr std::uint32_t kAnswered = 1;  // `answer` is set; the waiter may return at once
constexpr std::uint32_t kHint = 2;      // queued, and a slot may be free: look under mu_

}  // namespace

struct DetailBatcher::Waiter {
  TenantId tenant;
  CustomerId customer;
  // Written by the leader before it publishes kAnswered (release); read by the waiter after it
  // sees kAnswered (acquire). No lock: the request is out of the queue by then.
  std::optional<Result<CustomerDetailRecord>> answer;
  // kAnswered / kHint, a futex word: one per waiter so that a finished batch wakes only its own
  // requests and the queued ones (WakeQueued), not those of the batch still running (one shared
  // condition variable woke all ~60 waiting handler threads: ≈ 12 % of the server's CPU,
  // session 5). Not a condition variable: a woken waiter had to re-take mu_ while the leader
  // still held it to wake the rest, and that convoy (a second sleep and wake-up per request)
  // was ≈ 4 % of the server's CPU at 64 connections (session 7 profile).
  std::atomic<std::uint32_t> state{0};
};

DetailBatcher::DetailBatcher(Fetch fetch, std::size_t max_in_flight, std::size_t max_batch)
    : fetch_(std::move(fetch)), max_in_flight_(max_in_flight), max_batch_(max_batch) {
  CLV_CHECK(fetch_ && max_in_flight >= 1 && max_batch >= 1);
}

DetailBatcher::DetailBatcher(Store& store, std::size_t max_in_flight, std::size_t max_batch)
    : DetailBatcher(
          [&store](TenantId tenant, std::span<const CustomerId> ids) {
            return store.GetCustomerDetails(tenant, ids);
          },
          max_in_flight, max_batch) {}

Result<CustomerDetailRecord> DetailBatcher::Get(TenantId tenant, CustomerId customer) {
  Waiter self{tenant, customer, std::nullopt};
  std::unique_lock lock(mu_);
  queue_.push_back(&self);
  // Lead whenever a slot is free and something is queued — not only our own request: a waiter
  // whose request another leader took just waits for its answer, but one that finds a free slot
  // serves the queue so that no request waits for a slot that nobody claims.
  while (true) {  // mu_ held here
    if (in_flight_ < max_in_flight_ && !queue_.empty()) {
      RunBatch(lock, &self);
    } else {
      // Hints are set under mu_, so one cleared here and not followed by a new one means no
      // slot has freed since the check above; one set after the unlock wakes us.
      self.state.fetch_and(~kHint, std::memory_order_relaxed);
      lock.unlock();
      while (self.state.load(std::memory_order_acquire) == 0) FutexWait(&self.state, 0);
    }
    if (self.state.load(std::memory_order_acquire) & kAnswered) return std::move(*self.answer);
    lock.lock();
  }
}

void DetailBatcher::RunBatch(std::unique_lock<std::mutex>& lock, const Waiter* caller) {
  // Take up to max_batch_ requests of the oldest request's tenant (one statement reads one
  // tenant); other tenants' requests keep their place for the next batch.
  const TenantId tenant = queue_.front()->tenant;
  std::vector<Waiter*> batch;
  for (auto it = queue_.begin(); it != queue_.end() && batch.size() < max_batch_;) {
    if ((*it)->tenant == tenant) {
      batch.push_back(*it);
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  ++in_flight_;
  WakeQueued();
  lock.unlock();

  std::vector<CustomerId> ids;
  ids.reserve(batch.size());
  for (const Waiter* w : batch) ids.push_back(w->customer);
  Result<std::vector<CustomerDetailRecord>> found = fetch_(tenant, ids);
  // Answers are built outside the lock, straight into the waiters (none reads its answer before
  // kAnswered); records come ascending by id, one per distinct id. A record goes to its last
  // requester by move and to any earlier one (the same id requested twice in one batch) as a
  // copy.
  std::vector<std::size_t> record_of(batch.size(), kNoRecord);
  std::vector<std::uint32_t> uses(found.ok() ? found->size() : 0, 0);
  for (std::size_t i = 0; found.ok() && i < batch.size(); ++i) {
    auto it = std::lower_bound(found->begin(), found->end(), batch[i]->customer,
                               [](const CustomerDetailRecord& d, CustomerId id) {
                                 return d.customer.id.value < id.value;
                               });
    if (it != found->end() && it->customer.id == batch[i]->customer) {
      record_of[i] = static_cast<std::size_t>(it - found->begin());
      ++uses[record_of[i]];
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!found.ok()) {
      batch[i]->answer.emplace(found.status());
    } else if (record_of[i] == kNoRecord) {
      batch[i]->answer.emplace(NotFound("customer not found"));
    } else if (--uses[record_of[i]] == 0) {
      batch[i]->answer.emplace(std::move((*found)[record_of[i]]));
    } else {
      batch[i]->answer.emplace((*found)[record_of[i]]);
    }
  }

  // Free the slot first, so that the next batch starts while this one's requests are woken.
  lock.lock();
  --in_flight_;
  ++stats_.batches;
  stats_.requests += batch.size();
  WakeQueued();
  lock.unlock();
  for (Waiter* w : batch) {
    // After the store the waiter may return and its Waiter be gone: only the address is used.
    std::atomic<std::uint32_t>* word = &w->state;
    const bool wake = w != caller;
    word->fetch_or(kAnswered, std::memory_order_release);
    if (wake) FutexWakeOne(word);
  }
}

void DetailBatcher::WakeQueued() {
  // Invariant kept by every change of in_flight_ or the queue: whenever a slot is free and a
  // request is queued, the queued requests are signalled (or the thread that changed it leads).
  // All of them, not only the front: the first to get the CPU leads and takes the queue; with the
  // front alone, a free slot waited for that one thread to be scheduled, and on a loaded machine
  // that stalled every queued request (p99 0.2–0.4 s in session 5's runs). The queue is short
  // (at most the handler threads not already in a batch). A queued request cannot leave Get()
  // (it is not answered), so its Waiter is alive here.
  if (in_flight_ >= max_in_flight_) return;
  for (Waiter* w : queue_) {
    if ((w->state.fetch_or(kHint, std::memory_order_relaxed) & kHint) == 0) FutexWakeOne(&w->state);
  }
}

DetailBatcher::Stats DetailBatcher::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::size_t DetailBatcher::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

}  // namespace clv::storage
