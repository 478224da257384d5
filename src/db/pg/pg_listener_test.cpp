// LISTEN/NOTIFY through db::listen against the test process's PostgreSQL server.
#include <chrono>
#include <thread>

#include "bunbase/db/notifications.hpp"
#include "src/db/pg/pg_test_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using Kind = bb::db::DbError::Kind;

// Everything that arrives within `patience`, stopping early once `want` notifications came.
std::vector<bb::db::Notification> collect(bb::db::Listener& l, std::size_t want, std::chrono::milliseconds patience) {
  std::vector<bb::db::Notification> got;
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
    for (auto& n : l.wait(100ms)) got.push_back(std::move(n));
  }
  return got;
}

TEST_F(PgTest, NotificationsReachTheListenerWithTheirChannelAndPayload) {
  auto& db = open();
  auto listener = bb::db::listen(url, {"bb_test_a", "bb_test_b"});
  db.exec("SELECT pg_notify($1, $2)", {"bb_test_a", "first"});
  db.exec("SELECT pg_notify($1, $2)", {"bb_test_b", "second"});
  db.exec("SELECT pg_notify($1, $2)", {"bb_test_other", "not listened to"});
  auto got = collect(*listener, 2, 5s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].channel, "bb_test_a");
  EXPECT_EQ(got[0].payload, "first");
  EXPECT_EQ(got[1].channel, "bb_test_b");
  EXPECT_EQ(got[1].payload, "second");
  EXPECT_TRUE(collect(*listener, 1, 300ms).empty()) << "the other channel is not heard";
  EXPECT_FALSE(listener->take_reconnected());
}

TEST_F(PgTest, ANotificationInATransactionLeavesOnlyIfItCommits) {
  auto& db = open();
  auto listener = bb::db::listen(url, {"bb_test_tx"});
  try {
    db.transaction([&](bb::db::Database& tx) {
      tx.exec("SELECT pg_notify($1, $2)", {"bb_test_tx", "rolled back"});
      throw std::runtime_error("no");
    });
  } catch (const std::runtime_error&) {
  }
  db.transaction([&](bb::db::Database& tx) {
    tx.exec("SELECT pg_notify($1, $2)", {"bb_test_tx", "committed"});
    EXPECT_TRUE(listener->wait(200ms).empty()) << "not before the commit";
  });
  auto got = collect(*listener, 2, 1s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "committed");
}

TEST_F(PgTest, InterruptEndsAWaitAtOnce) {
  auto listener = bb::db::listen(url, {"bb_test_quiet"});
  const auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    listener->interrupt();
  });
  EXPECT_TRUE(listener->wait(10s).empty());
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(PgTest, AListenerSurvivesAServerRestartAndSaysSo) {
  auto& db = open();
  auto listener = bb::db::listen(url, {"bb_test_restart"});
  cluster.stop();
  (void)collect(*listener, 1, 700ms);  // notices the loss
  cluster.start();
  bool back = false;
  for (int i = 0; i < 50 && !back; ++i) {
    (void)listener->wait(100ms);
    back = listener->take_reconnected();
  }
  ASSERT_TRUE(back) << "reconnected and listening again";
  db.exec("SELECT pg_notify($1, $2)", {"bb_test_restart", "after"});
  auto got = collect(*listener, 1, 5s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "after");
}

TEST_F(PgTest, ListeningNeedsPostgresAndPlainChannelNames) {
  EXPECT_EQ(error_of([] { bb::db::listen("sqlite://:memory:", {"x"}); }).kind(), Kind::connection);
  EXPECT_THROW(bb::db::listen(url, {"bad; DROP TABLE x"}), bb::db::DbError);
}

}  // namespace
