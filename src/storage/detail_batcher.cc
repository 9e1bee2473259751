#include "storage/detail_batcher.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "core/check.h"

namespace clv::storage {

struct DetailBatcher::Waiter {
  TenantId tenant;
  CustomerId customer;
  std::optional<Result<CustomerDetailRecord>> answer;  // set (under mu_) by a leader
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
  while (!self.answer) {
    if (in_flight_ < max_in_flight_ && !queue_.empty()) {
      RunBatch(lock);
    } else {
      cv_.wait(lock);
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
  lock.unlock();

  std::vector<CustomerId> ids;
  ids.reserve(batch.size());
  for (const Waiter* w : batch) ids.push_back(w->customer);
  Result<std::vector<CustomerDetailRecord>> found = fetch_(tenant, ids);
  // Answers are built outside the lock; records come ascending by id, one per distinct id.
  std::vector<Result<CustomerDetailRecord>> answers;
  answers.reserve(batch.size());
  for (const Waiter* w : batch) {
    if (!found.ok()) {
      answers.emplace_back(found.status());
      continue;
    }
    auto it = std::lower_bound(found->begin(), found->end(), w->customer,
                               [](const CustomerDetailRecord& d, CustomerId id) {
                                 return d.customer.id.value < id.value;
                               });
    if (it == found->end() || it->customer.id != w->customer) {
      answers.emplace_back(NotFound("customer not found"));
    } else {
      answers.emplace_back(*it);  // a copy: the same id may be requested twice in one batch
    }
  }

  lock.lock();
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->answer = std::move(answers[i]);
  --in_flight_;
  ++stats_.batches;
  stats_.requests += batch.size();
  cv_.notify_all();
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
