#include "bunbase/runtime/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>

namespace {

using namespace std::chrono_literals;

TEST(WorkerPool, ABlockedJobDoesNotHoldUpTheOthers) {
  bb::WorkerPool pool(4);
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<bool> first_done{false};
  pool.post([&, released] {
    released.wait();  // a handler stuck on a slow call
    first_done = true;
  });
  std::latch others(3);
  for (int i = 0; i < 3; ++i) pool.post([&] { others.count_down(); });
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!others.try_wait() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(others.try_wait()) << "jobs queued behind a blocked one never ran";
  EXPECT_FALSE(first_done);
  release.set_value();
  pool.stop();
  EXPECT_TRUE(first_done);
}

TEST(WorkerPool, EveryJobRunsOnceUnderConcurrentPosting) {
  std::atomic<int> ran{0};
  {
    bb::WorkerPool pool(3);
    std::vector<std::thread> posters;
    for (int t = 0; t < 4; ++t)
      posters.emplace_back([&] {
        for (int i = 0; i < 5000; ++i) pool.post([&] { ran.fetch_add(1, std::memory_order_relaxed); });
      });
    for (auto& p : posters) p.join();
    pool.stop();  // drains the queue
  }
  EXPECT_EQ(ran.load(), 20000);
}

TEST(WorkerPool, StopIsIdempotentAndDrains) {
  std::atomic<int> ran{0};
  bb::WorkerPool pool(1);
  for (int i = 0; i < 100; ++i) pool.post([&] {
      std::this_thread::sleep_for(10us);
      ++ran;
    });
  pool.stop();
  pool.stop();
  EXPECT_EQ(ran.load(), 100);
}

}  // namespace
