// A fixed set of threads running blocking work (handlers: SQLite, libpq, fits) off the io
// threads, with a bounded queue so that overload is answered (503) instead of queued forever.
//
// Thread safety: TrySubmit() and Shutdown() may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
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
  void Loop();

  const std::size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace clv::http
