// A fixed set of threads running blocking work (handlers: SQLite, libpq, fits) off the io
// threads, with a bounded queue so that overload is answered (503) instead of queued forever.
//
// A task submitted while a worker is idle is handed to that worker directly (the most recently
// idle one, whose stack and caches are warm) and wakes only it; the worker takes it without
// touching the pool's mutex. Only when every worker is busy does a task wait in the queue,
// which workers drain before going idle.
//
// Thread safety: TrySubmit() and Shutdown() may be called from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace clv::http {

class WorkerPool {
 public:
  // threads >= 1; max_queued >= 1 tasks may wait beyond the ones running.
  WorkerPool(std::size_t threads, std::size_t max_queued);
  ~WorkerPool();  // Shutdown()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false (task dropped) when the queue is full or the pool is shut down.
  bool TrySubmit(std::function<void()> task);

  // Runs every task already queued, then joins the threads. Idempotent.
  void Shutdown();

 private:
  // One per thread. `word` is the futex an idle worker sleeps on (core/futex.h): kIdle while it
  // waits, kTask once `task` is set for it, kStop at shutdown.
  struct Worker {
    std::atomic<std::uint32_t> word{0};
    std::function<void()> task;  // written by the submitter before it publishes kTask
  };
  void Loop(Worker& self);

  const std::size_t max_queued_;
  std::mutex mu_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  std::vector<Worker*> idle_;                // guarded by mu_; most recently idle last
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
};

}  // namespace clv::http
