#include "bunbase/runtime/write_buffer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "bunbase/db/migrations.hpp"
#include "src/runtime/framework_migrations.hpp"

namespace {

using namespace std::chrono_literals;

class WriteBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("bb_wb_" + std::to_string(::getpid()) + "_" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    db = bb::db::open("sqlite://" + (dir / "runs.db").string());
    auto ms = bb::framework_migrations();
    bb::db::migrate(*db, ms);
  }
  void TearDown() override {
    db.reset();
    std::filesystem::remove_all(dir);
  }
  std::int64_t count(const char* table) {
    return db->query_one(std::string("SELECT count(*) AS n FROM ") + table)->at("n").as_int64();
  }
  static bb::RunRecord run(int i) {
    return {.id = "run-" + std::to_string(i), .action = "a", .trace_id = "t", .trigger_type = "test",
            .status = "success", .input = "{}", .duration_ms = 1, .started_at = "2026-01-01T00:00:00.000Z"};
  }
  // Polls instead of sleeping a fixed time.
  bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (cond()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return cond();
  }

  std::filesystem::path dir;
  std::unique_ptr<bb::db::Database> db;
};

TEST_F(WriteBufferTest, FlushesWhenTheBatchIsFullBeforeTheInterval) {
  bb::WriteBuffer buf(*db, {.flush_interval = 1h, .max_batch = 50, .capacity = 1000});
  for (int i = 0; i < 49; ++i) buf.push(run(i));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(count("action_runs"), 0);  // below the batch size, the hour-long interval holds it
  buf.push(run(49));
  EXPECT_TRUE(eventually([&] { return count("action_runs") == 50; }, 5s));
  EXPECT_EQ(buf.stats().flushes, 1u);
}

TEST_F(WriteBufferTest, FlushesOnTheIntervalBelowTheBatchSize) {
  bb::WriteBuffer buf(*db, {.flush_interval = 50ms, .max_batch = 500, .capacity = 1000});
  buf.push(run(1));
  buf.push(bb::LogRecord{.run_id = "run-1", .level = "info", .message = "m", .created_at = "x"});
  EXPECT_TRUE(eventually([&] { return count("action_runs") == 1 && count("action_logs") == 1; }, 5s));
}

TEST_F(WriteBufferTest, IsBoundedAndCountsWhatItDrops) {
  bb::WriteBuffer buf(*db, {.flush_interval = 1h, .max_batch = 100000, .capacity = 10});
  int accepted = 0;
  for (int i = 0; i < 25; ++i) accepted += buf.push(run(i)) ? 1 : 0;
  EXPECT_EQ(accepted, 10);
  auto s = buf.stats();
  EXPECT_EQ(s.accepted, 10u);
  EXPECT_EQ(s.dropped, 15u);
  buf.stop();
  EXPECT_EQ(count("action_runs"), 10);
}

TEST_F(WriteBufferTest, StopFlushesEverythingAndRefusesLaterPushes) {
  bb::WriteBuffer buf(*db, {.flush_interval = 1h, .max_batch = 100000, .capacity = 100000});
  for (int i = 0; i < 1234; ++i) buf.push(run(i));
  buf.stop();
  EXPECT_EQ(count("action_runs"), 1234);
  EXPECT_FALSE(buf.push(run(99999)));
  buf.stop();  // idempotent
}

TEST_F(WriteBufferTest, ConcurrentProducersLoseNothing) {
  bb::WriteBuffer buf(*db, {.flush_interval = 20ms, .max_batch = 64, .capacity = 100000});
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t)
    producers.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) buf.push(run(t * 1000 + i));
    });
  for (auto& p : producers) p.join();
  buf.stop();
  EXPECT_EQ(count("action_runs"), 2000);
  EXPECT_EQ(buf.stats().written, 2000u);
  EXPECT_EQ(buf.stats().dropped, 0u);
}

TEST_F(WriteBufferTest, AFailedFlushIsCountedAndTheBufferKeepsWorking) {
  std::string reported;
  bb::WriteBuffer buf(*db, {.flush_interval = 1h, .max_batch = 100000, .capacity = 1000,
                            .on_error = [&](std::string_view m) { reported = m; }});
  buf.push(run(1));
  buf.push(run(1));  // same primary key: the whole batch's transaction fails
  buf.flush();
  EXPECT_EQ(buf.stats().failed_flushes, 1u);
  EXPECT_EQ(buf.stats().dropped, 2u);
  EXPECT_NE(reported.find("could not write 2 run records"), std::string::npos) << reported;
  EXPECT_NE(reported.find("UNIQUE"), std::string::npos) << reported;
  EXPECT_EQ(count("action_runs"), 0);
  buf.push(run(2));
  buf.flush();
  EXPECT_EQ(count("action_runs"), 1);
}

}  // namespace
