// WorkerPool without a server: every task runs exactly once whether it was handed to an idle
// worker or queued, the queue bound answers false, and Shutdown() drains the queue first.
#include "http/worker_pool.h"

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace clv::http {
namespace {

TEST(WorkerPool, RunsEveryTaskOnceFromManySubmitters) {
  constexpr int kSubmitters = 4;
  constexpr int kTasksEach = 500;
  std::mutex mu;
  std::multiset<int> ran;
  std::set<std::thread::id> threads;
  {
    WorkerPool pool(/*threads=*/3, /*max_queued=*/kSubmitters * kTasksEach);
    std::vector<std::thread> submitters;
    for (int s = 0; s < kSubmitters; ++s) {
      submitters.emplace_back([&, s] {
        for (int i = 0; i < kTasksEach; ++i) {
          const int id = s * kTasksEach + i;
          ASSERT_TRUE(pool.TrySubmit([&, id] {
            std::lock_guard lock(mu);
            ran.insert(id);
            threads.insert(std::this_thread::get_id());
          }));
        }
      });
    }
    for (std::thread& t : submitters) t.join();
  }  // ~WorkerPool: Shutdown() runs what is still queued
  ASSERT_EQ(ran.size(), static_cast<std::size_t>(kSubmitters * kTasksEach));
  for (int id = 0; id < kSubmitters * kTasksEach; ++id) EXPECT_EQ(ran.count(id), 1u) << id;
  EXPECT_LE(threads.size(), 3u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
}

TEST(WorkerPool, QueueBoundAnswersFalseWhileEveryWorkerIsBusy) {
  WorkerPool pool(/*threads=*/1, /*max_queued=*/2);
  std::promise<void> started, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> done{0};
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.set_value();
    released.wait();
    ++done;
  }));
  started.get_future().wait();  // the only worker is busy: what follows must queue
  EXPECT_TRUE(pool.TrySubmit([&] { ++done; }));
  EXPECT_TRUE(pool.TrySubmit([&] { ++done; }));
  EXPECT_FALSE(pool.TrySubmit([&] { ++done; })) << "a third queued task exceeds max_queued = 2";
  release.set_value();
  pool.Shutdown();  // drains the two queued tasks, then joins
  EXPECT_EQ(done.load(), 3);
  EXPECT_FALSE(pool.TrySubmit([&] { ++done; })) << "a shut-down pool takes nothing";
  pool.Shutdown();  // idempotent
  EXPECT_EQ(done.load(), 3);
}

TEST(WorkerPool, IdleWorkersTakeTasksOneAfterAnother) {
  // Sequential submissions, each waited for: every one goes to an idle worker by hand-off (the
  // queue stays empty), so a bound of one queued task never refuses them.
  WorkerPool pool(/*threads=*/4, /*max_queued=*/1);
  for (int i = 0; i < 200; ++i) {
    std::promise<int> result;
    std::future<int> got = result.get_future();
    ASSERT_TRUE(pool.TrySubmit([&result, i] { result.set_value(i * 2); })) << i;
    EXPECT_EQ(got.get(), i * 2);
  }
}

}  // namespace
}  // namespace clv::http
