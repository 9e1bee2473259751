#include "storage/detail_batcher.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "core/check.h"

namespace clv::storage {
namespace {
constexpr std::size_t kNoRecord = static_cast<std::size_t>(-1);
}  // namespace

struct DetailBatcher::Waiter {
  TenantId tenant;
  CustomerId customer;
  std::optional<Result<CustomerDetailRecord>> answer;  // set (under mu_) by a leader
  // Signalled (under mu_) when `answer` is set or, while it is queued, when a slot may be free.
  // One per waiter so that a finished batch wakes only its own requests and the queued ones
  // (WakeQueued), not those of the batch still running: with one shared condition variable every
  // finished batch woke all ~60 waiting handler threads, most of which had nothing to do (≈ 12 %
  // of the server's CPU in futex wake/wait under 64 connections, profile of session 5).
  std::condition_variable cv;
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
  Waiter self{tenant, customer, std::nullopt, {}};
  std::unique_lock lock(mu_);
  queue_.push_back(&self);
  // Lead whenever a slot is free and something is queued — not only our own request: a waiter
  // whose request another leader took just waits for its answer, but one that finds a free slot
  // serves the queue so that no request waits for a slot that nobody claims.
  while (!self.answer) {
    if (in_flight_ < max_in_flight_ && !queue_.empty()) {
      RunBatch(lock);
    } else {
      self.cv.wait(lock);
    }
  }
  return std::move(*self.answer);
}

void DetailBatcher::RunBatch(std::unique_lock<std::mutex>& lock) {
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
  // Answers are built outside the lock; records come ascending by id, one per distinct id.
  // A record goes to its last requester by move and to any earlier one (the same id requested
  // twice in one batch) as a copy.
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
  std::vector<Result<CustomerDetailRecord>> answers;
  answers.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!found.ok()) {
      answers.emplace_back(found.status());
    } else if (record_of[i] == kNoRecord) {
      answers.emplace_back(NotFound("customer not found"));
    } else if (--uses[record_of[i]] == 0) {
      answers.emplace_back(std::move((*found)[record_of[i]]));
    } else {
      answers.emplace_back((*found)[record_of[i]]);
    }
  }

  lock.lock();
  // Notified while holding mu_: a waiter's condition variable lives in its Get() frame, which
  // may return as soon as it can observe its answer.
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i]->answer = std::move(answers[i]);
    batch[i]->cv.notify_one();
  }
  --in_flight_;
  ++stats_.batches;
  stats_.requests += batch.size();
  WakeQueued();
}

void DetailBatcher::WakeQueued() {
  // Invariant kept by every change of in_flight_ or the queue: whenever a slot is free and a
  // request is queued, the queued requests are signalled (or the thread that changed it leads).
  // All of them, not only the front: the first to get the CPU leads and takes the queue; with the
  // front alone, a free slot waited for that one thread to be scheduled, and on a loaded machine
  // that stalled every queued request (p99 0.2–0.4 s in session 5's runs). The queue is short
  // (at most the handler threads not already in a batch).
  if (in_flight_ >= max_in_flight_) return;
  for (Waiter* w : queue_) w->cv.notify_one();
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
