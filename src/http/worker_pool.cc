#include "http/worker_pool.h"

#include "core/check.h"
#include "core/futex.h"

namespace clv::http {
namespace {

constexpr std::uint32_t kIdle = 0;
constexpr std::uint32_t kTask = 1;
constexpr std::uint32_t kStop = 2;

}  // namespace

WorkerPool::WorkerPool(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
  CLV_CHECK(threads >= 1 && max_queued >= 1);
  workers_.reserve(threads);
  idle_.reserve(threads);
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    workers_.push_back(std::make_unique<Worker>());
    threads_.emplace_back([this, w = workers_.back().get()] { Loop(*w); });
  }
}

WorkerPool::~WorkerPool() { Shutdown(); }

bool WorkerPool::TrySubmit(std::function<void()> task) {
  Worker* handed = nullptr;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    if (!idle_.empty()) {
      // Why a direct hand-off instead of a queue and a condition variable: a worker woken by
      // notify_one had to re-take mu_, often still held by an io thread submitting the next
      // request, and slept a second time (the convoy showed as futex wake/wait in the session-7
      // profile of GET /clv/customers/:id).
      handed = idle_.back();
      idle_.pop_back();
      handed->task = std::move(task);
    } else {
      if (queue_.size() >= max_queued_) return false;
      queue_.push_back(std::move(task));
    }
  }
  if (handed != nullptr) {
    handed->word.store(kTask, std::memory_order_release);
    FutexWakeOne(&handed->word);
  }
  return true;
}

void WorkerPool::Shutdown() {
  std::vector<Worker*> idle;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    idle.swap(idle_);
  }
  // Busy workers see stopping_ once the queue is drained; idle ones are woken to see it.
  for (Worker* w : idle) {
    w->word.store(kStop, std::memory_order_release);
    FutexWakeOne(&w->word);
  }
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  std::lock_guard lock(mu_);
  threads_.clear();
}

void WorkerPool::Loop(Worker& self) {
  std::unique_lock lock(mu_);
  while (true) {  // mu_ held here
    if (!queue_.empty()) {
      std::function<void()> task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task();
      task = nullptr;  // the task's captures are released before the next wait
      lock.lock();
      continue;
    }
    if (stopping_) return;
    // kIdle is stored under mu_, before any submitter can pick this worker from idle_.
    self.word.store(kIdle, std::memory_order_relaxed);
    idle_.push_back(&self);
    lock.unlock();
    std::uint32_t word;
    while ((word = self.word.load(std::memory_order_acquire)) == kIdle) {
      FutexWait(&self.word, kIdle);
    }
    if (word == kTask) {
      std::function<void()> task = std::move(self.task);
      self.task = nullptr;
      task();
    }
    lock.lock();
  }
}

}  // namespace clv::http
