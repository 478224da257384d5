// HashPool: hashes run on its threads, at most `capacity` callers at once, the next one refused
// at once with 503 busy.
#include "src/auth/hash_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

#include "bunbase/core/error.hpp"

namespace {

using namespace std::chrono_literals;

TEST(HashPool, RunsOnItsOwnThreadAndReturnsOrRethrows) {
  bb::auth::HashPool pool({.threads = 1, .capacity = 2});
  const auto caller = std::this_thread::get_id();
  EXPECT_NE(pool.run([] { return std::this_thread::get_id(); }), caller);
  EXPECT_EQ(pool.run([] { return 42; }), 42);
  EXPECT_THROW(pool.run([]() -> int { throw std::runtime_error("out of memory"); }), std::runtime_error);
  EXPECT_EQ(pool.admitted(), 0);
}

TEST(HashPool, PastItsCapacityCallersAreRefusedAtOnceWithBusy) {
  bb::auth::HashPool pool({.threads = 1, .capacity = 2});
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> started{0};
  auto slow = [&] {
    return pool.run([&] {
      ++started;
      released.wait();
      return 1;
    });
  };
  auto a = std::async(std::launch::async, slow);
  auto b = std::async(std::launch::async, slow);  // waits behind a: one thread
  while (pool.admitted() < 2 || started.load() < 1) std::this_thread::sleep_for(1ms);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    pool.run([] { return 0; });
    ADD_FAILURE() << "a third caller was admitted";
  } catch (const bb::Error& e) {
    EXPECT_EQ(e.kind(), bb::ErrorCode::unavailable);
    EXPECT_EQ(e.code(), "busy");
    EXPECT_EQ(e.details().at("retry_after").as_int64(), 1);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 50ms) << "refused without waiting";
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(started.load(), 1) << "one thread: the second caller waits its turn";
  release.set_value();
  EXPECT_EQ(a.get() + b.get(), 2);
  EXPECT_EQ(pool.run([] { return 3; }), 3) << "room again";
}

TEST(HashPool, NeverMoreThreadsThanCallers) {
  bb::auth::HashPool pool({.threads = 8, .capacity = 2});
  EXPECT_EQ(pool.options().threads, 2);
  EXPECT_EQ(bb::auth::HashPool({.threads = 0, .capacity = 0}).options().capacity, 1);
}

}  // namespace
