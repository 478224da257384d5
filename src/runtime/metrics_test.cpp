// The run counters: exact totals under concurrent writers, the latency buckets, the status and
// trigger labels, and the per-minute rows of action_metrics.
#include "src/runtime/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "bunbase/core/action.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/runtime/config.hpp"
#include "src/runtime/framework_migrations.hpp"
#include "src/runtime/metrics_flush.hpp"

namespace {

using namespace std::chrono_literals;

bb::Registry two_actions() {
  bb::Registry r;
  r.add(bb::action<bb::Empty, bb::Empty>(
      {.name = "first"}, [](const bb::Empty&, bb::Context&) { return bb::Empty{}; }));
  r.add(bb::action<bb::Empty, bb::Empty>(
      {.name = "second"}, [](const bb::Empty&, bb::Context&) { return bb::Empty{}; }));
  r.seal();
  return r;
}

const bb::Metrics::Series* find(const std::vector<bb::Metrics::Series>& all,
                                std::string_view action, std::string_view trigger,
                                std::string_view status) {
  for (const auto& s : all)
    if (s.action == action && s.trigger == trigger && s.status == status) return &s;
  return nullptr;
}

TEST(Metrics, BucketsAreThePrometheusBoundsInclusive) {
  using bb::Metrics;
  EXPECT_EQ(Metrics::bucket_of(0ns), 0u);
  EXPECT_EQ(Metrics::bucket_of(500us), 0u) << "le is inclusive: 0.5 ms falls in le=0.0005";
  EXPECT_EQ(Metrics::bucket_of(500us + 1ns), 1u);
  EXPECT_EQ(Metrics::bucket_of(1ms), 1u);
  EXPECT_EQ(Metrics::bucket_of(2ms), 2u);
  EXPECT_EQ(Metrics::bucket_of(7ms), 4u);
  EXPECT_EQ(Metrics::bucket_of(1s), 10u);
  EXPECT_EQ(Metrics::bucket_of(10s), Metrics::kBounds.size() - 1);
  EXPECT_EQ(Metrics::bucket_of(10s + 1ns), Metrics::kBounds.size()) << "+Inf";
  EXPECT_EQ(Metrics::bucket_of(1h), Metrics::kBounds.size());
  EXPECT_EQ(Metrics::bucket_of(-5ns), 0u) << "a clock that went back counts as instant";
}

TEST(Metrics, StatusIsSuccessOrTheErrorKind) {
  bb::Registry r = two_actions();
  bb::Metrics m(r);
  const auto& first = *r.find("first");
  m.record(first, "api", std::nullopt, 1ms);
  m.record(first, "api", bb::ErrorCode::invalid_argument, 1ms);
  m.record(first, "api", bb::ErrorCode::internal, 1ms);
  m.record(first, "api", bb::ErrorCode::internal, 1ms);
  m.record(first, "queue", std::nullopt, 1ms);
  auto all = m.snapshot();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(find(all, "first", "api", "success")->count(), 1u);
  EXPECT_EQ(find(all, "first", "api", "invalid_argument")->count(), 1u);
  EXPECT_EQ(find(all, "first", "api", "internal")->count(), 2u);
  EXPECT_EQ(find(all, "first", "queue", "success")->count(), 1u);
  EXPECT_EQ(find(all, "second", "api", "success"), nullptr) << "only what ran is listed";
}

TEST(Metrics, UnknownTriggersGetTheirOwnLabelThenOther) {
  bb::Registry r = two_actions();
  bb::Metrics m(r);
  const auto& first = *r.find("first");
  for (int i = 0; i < 20; ++i) m.record(first, "custom" + std::to_string(i), std::nullopt, 1ms);
  auto all = m.snapshot();
  EXPECT_NE(find(all, "first", "custom0", "success"), nullptr);
  ASSERT_NE(find(all, "first", "other", "success"), nullptr);
  std::uint64_t total = 0;
  for (const auto& s : all) total += s.count();
  EXPECT_EQ(total, 20u) << "past the table's room runs count under \"other\", never lost";
}

TEST(Metrics, ActionsOfAnotherRegistryAreIgnored) {
  bb::Registry r = two_actions(), other = two_actions();
  bb::Metrics m(r);
  m.record(*other.find("first"), "api", std::nullopt, 1ms);
  EXPECT_TRUE(m.snapshot().empty());
}

TEST(Metrics, ConcurrentWritersAddUpExactly) {
  bb::Registry r = two_actions();
  bb::Metrics m(r);
  const auto& first = *r.find("first");
  const auto& second = *r.find("second");
  constexpr int kThreads = 24, kRuns = 20000;  // more threads than shards: shards are shared
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kRuns; ++i) {
        m.record(first, "api", std::nullopt, std::chrono::microseconds(i % 3000));
        if (i % 4 == 0) m.record(second, t % 2 ? "event" : "queue", bb::ErrorCode::conflict, 2ms);
      }
    });
  // Reading while they write never blocks them and never sees more than was recorded.
  go = true;
  for (int i = 0; i < 20; ++i) {
    for (const auto& s : m.snapshot()) EXPECT_LE(s.count(), std::uint64_t(kThreads) * kRuns);
    std::this_thread::sleep_for(1ms);
  }
  for (auto& t : threads) t.join();
  auto all = m.snapshot();
  const auto* ok = find(all, "first", "api", "success");
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->count(), std::uint64_t(kThreads) * kRuns);
  std::uint64_t expected_ns = 0;
  for (int i = 0; i < kRuns; ++i) expected_ns += std::uint64_t(i % 3000) * 1000;
  EXPECT_EQ(ok->sum_ns, expected_ns * kThreads);
  // Durations of 0..2999 µs: those up to 500 µs fall in the first bucket (le=0.0005), up to
  // 1000 µs in the second.
  std::uint64_t first_bucket = 0, second_bucket = 0;
  for (int i = 0; i < kRuns; ++i) {
    first_bucket += i % 3000 <= 500;
    second_bucket += i % 3000 > 500 && i % 3000 <= 1000;
  }
  EXPECT_EQ(ok->buckets[0], first_bucket * kThreads);
  EXPECT_EQ(ok->buckets[1], second_bucket * kThreads);
  EXPECT_EQ(find(all, "second", "queue", "conflict")->count() +
                find(all, "second", "event", "conflict")->count(),
            std::uint64_t(kThreads) * (kRuns / 4));
}

TEST(MetricsFlush, WritesTheRunsOfEachMinuteOnceAndPrunesPastTheRetention) {
  bb::Registry r = two_actions();
  bb::Metrics m(r);
  auto db = bb::db::open("sqlite://:memory:");
  auto migrations = bb::framework_migrations();
  bb::db::migrate(*db, migrations);
  const auto& first = *r.find("first");
  for (int i = 0; i < 5; ++i) m.record(first, "api", std::nullopt, 300us);
  m.record(first, "api", bb::ErrorCode::not_found, 20ms);
  // An old row, past a retention of one day.
  db->exec(
      "INSERT INTO action_metrics (minute, action_name, trigger_type, status, count, "
      "duration_ms_sum, buckets) "
      "VALUES ('2000-01-01T00:00:00.000Z', 'first', 'api', 'success', 1, 1.0, '[1]')");

  bb::MetricsFlush flush(*db, m, {.retention = 24h});
  EXPECT_EQ(flush.flush(), 2u);
  auto rows = db->query(
      "SELECT minute, action_name, trigger_type, status, count, duration_ms_sum, buckets "
      "FROM action_metrics ORDER BY status DESC");
  ASSERT_EQ(rows.size(), 2u) << "the old row is gone";
  const auto& ok = rows[0].as_object();
  EXPECT_EQ(ok.at("action_name"), "first");
  EXPECT_EQ(ok.at("trigger_type"), "api");
  EXPECT_EQ(ok.at("status"), "success");
  EXPECT_EQ(ok.at("count").as_int64(), 5);
  EXPECT_NEAR(ok.at("duration_ms_sum").to_number<double>(), 1.5, 1e-9);
  EXPECT_EQ(ok.at("buckets"), "[5,0,0,0,0,0,0,0,0,0,0,0,0,0,0]");
  const std::string minute(ok.at("minute").as_string());
  EXPECT_EQ(minute.substr(16), ":00.000Z") << minute;
  EXPECT_EQ(rows[1].as_object().at("status"), "not_found");
  EXPECT_EQ(rows[1].as_object().at("buckets"), "[0,0,0,0,0,1,0,0,0,0,0,0,0,0,0]");

  EXPECT_EQ(flush.flush(), 0u) << "nothing new ran";
  m.record(first, "api", std::nullopt, 300us);
  EXPECT_EQ(flush.flush(), 1u);
  auto sum = db->query_one("SELECT SUM(count) AS n FROM action_metrics WHERE status = 'success'");
  EXPECT_EQ(sum->at("n").as_int64(), 6) << "each run written once";
  flush.stop();
}

TEST(MetricsFlush, StopWritesWhatIsLeft) {
  bb::Registry r = two_actions();
  bb::Metrics m(r);
  auto db = bb::db::open("sqlite://:memory:");
  auto migrations = bb::framework_migrations();
  bb::db::migrate(*db, migrations);
  bb::MetricsFlush flush(*db, m, {});
  flush.start();
  m.record(*r.find("second"), "cron", std::nullopt, 1ms);
  flush.stop();
  auto n = db->query_one("SELECT SUM(count) AS n FROM action_metrics");
  EXPECT_EQ(n->at("n").as_int64(), 1);
}

}  // namespace
