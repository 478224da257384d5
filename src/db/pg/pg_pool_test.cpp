// The PostgreSQL driver's connections: the pool's bound and wait, URLs libpq refuses, servers
// that cannot be reached or do not answer, statement timeouts, and a server that restarts or
// drops a connection under a query.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "src/db/pg/pg_test_fixture.hpp"

namespace {

using Kind = bb::db::DbError::Kind;
using Clock = std::chrono::steady_clock;

long ms_since(Clock::time_point t0) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count());
}

// A listening socket on 127.0.0.1 that never accepts: the TCP handshake completes (the
// kernel does it) but no PostgreSQL ever answers. listen_only=false: bound, closed, so
// nothing listens on the port at all.
struct Port {
  explicit Port(bool listen_only) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    number = ntohs(addr.sin_port);
    if (listen_only)
      ::listen(fd, 8);
    else
      ::close(fd), fd = -1;
  }
  ~Port() {
    if (fd >= 0) ::close(fd);
  }
  int fd = -1;
  int number = 0;
};

TEST_F(PgTest, PoolBoundsConnectionsAndEveryCallerGetsOne) {
  auto& db = open({.pool_max = 2});
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        try {
          auto row = db.query_one("SELECT pg_sleep(0.001), $1::int AS i", {t * 100 + i});
          (row->at("i").as_int64() == t * 100 + i ? ok : failed)++;
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          failed++;
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 160);
  EXPECT_EQ(failed, 0);
  auto backends = db.query_one(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1", {schema});
  EXPECT_LE(backends->at("n").as_int64(), 2);
}

TEST_F(PgTest, AHeldPoolMakesTheNextCallerBusyAfterTheWait) {
  auto& db = open({.busy_timeout_ms = 200, .pool_max = 1});
  std::promise<void> inside, release;
  std::thread holder([&] {
    db.transaction([&](bb::db::Database&) {
      inside.set_value();
      release.get_future().wait();
    });
  });
  inside.get_future().wait();
  auto t0 = Clock::now();
  auto e = error_of([&] { db.query("SELECT 1"); });
  long waited = ms_since(t0);
  EXPECT_EQ(e.kind(), Kind::busy) << e.what();
  EXPECT_GE(waited, 190);
  EXPECT_LT(waited, 2000);
  release.set_value();
  holder.join();
  EXPECT_TRUE(db.ping());
}

TEST_F(PgTest, BadUrlsFailWithLibpqsReasonAndNoPassword) {
  for (std::string bad :
       {"postgres://ada:s3cret-pw@db.example:5432/app?no_such_option=1",
        "postgresql://ada:s3cret-pw@[::1/app", "postgres://ada:s3cret-pw@db.example/app?sslmode"}) {
    auto e = error_of([&] { bb::db::open(bad); });
    EXPECT_EQ(e.kind(), Kind::connection);
    EXPECT_EQ(std::string(e.what()).rfind("bad PostgreSQL URL: ", 0), 0u) << e.what();
    EXPECT_EQ(std::string(e.what()).find("s3cret-pw"), std::string::npos) << e.what();
  }
}

TEST_F(PgTest, UnreachableServerFailsNamingHostAndPortWithinTheTimeout) {
  Port closed(false);
  std::string where = "127.0.0.1:" + std::to_string(closed.number);
  auto t0 = Clock::now();
  auto refused = error_of([&] {
    bb::db::open("postgres://ada:s3cret-pw@" + where + "/app", {.connect_timeout_ms = 1000});
  });
  EXPECT_LT(ms_since(t0), 1000);
  EXPECT_EQ(refused.kind(), Kind::connection);
  EXPECT_NE(std::string(refused.what()).find("cannot connect to PostgreSQL at " + where),
            std::string::npos)
      << refused.what();
  EXPECT_EQ(std::string(refused.what()).find("s3cret-pw"), std::string::npos) << refused.what();

  Port silent(true);
  where = "127.0.0.1:" + std::to_string(silent.number);
  t0 = Clock::now();
  auto mute = error_of([&] {
    bb::db::open("postgres://ada:s3cret-pw@" + where + "/app", {.connect_timeout_ms = 300});
  });
  long waited = ms_since(t0);
  EXPECT_GE(waited, 290);
  EXPECT_LT(waited, 1500);
  EXPECT_EQ(mute.kind(), Kind::connection);
  EXPECT_NE(std::string(mute.what()).find(where + ": no answer within 300 ms"), std::string::npos)
      << mute.what();
  EXPECT_EQ(std::string(mute.what()).find("s3cret-pw"), std::string::npos) << mute.what();
}

TEST_F(PgTest, StatementTimeoutIsBusy) {
  auto& db = open({.statement_timeout_ms = 100});
  auto t0 = Clock::now();
  EXPECT_EQ(error_of([&] { db.query("SELECT pg_sleep(2)"); }).kind(), Kind::busy);
  EXPECT_LT(ms_since(t0), 1500);
  EXPECT_TRUE(db.ping());
}

TEST_F(PgTest, AServerRestartIsSurvived) {
  auto& db = open({.pool_max = 4});
  db.exec_script("CREATE TABLE t (a int); INSERT INTO t VALUES (1);");
  // Four connections in the pool, all about to go stale.
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&] { db.query("SELECT pg_sleep(0.05)"); });
  for (auto& t : threads) t.join();

  cluster.stop();
  EXPECT_FALSE(db.ping());
  auto down = error_of([&] { db.query("SELECT 1"); });
  EXPECT_EQ(down.kind(), Kind::connection) << down.what();
  EXPECT_NE(std::string(down.what()).find("127.0.0.1:" + std::to_string(cluster.port())),
            std::string::npos)
      << down.what();
  cluster.start();
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(count(db, "t"), 1);  // no error: stale connections are replaced
}

TEST_F(PgTest, AConnectionDroppedUnderAQueryIsRetriedOnceOutsideTransactions) {
  auto& db = open({.pool_max = 2});
  auto pid_of = [](bb::db::Database& d) {
    return d.query_one("SELECT pg_backend_pid() AS pid")->at("pid").as_int64();
  };
  auto kill_soon = [&](std::int64_t pid) {
    return std::thread([this, pid] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      cluster.admin("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
    });
  };
  std::int64_t first = pid_of(db);
  std::thread killer = kill_soon(first);
  auto row = db.query_one(
      "SELECT pg_sleep(1) AS slept, pg_backend_pid() AS pid");  // killed, then run again
  killer.join();
  ASSERT_TRUE(row);
  EXPECT_NE(row->at("pid").as_int64(), first);

  // Inside a transaction the work done so far is gone: the caller hears about it.
  auto e = error_of([&] {
    db.transaction([&](bb::db::Database& tx) {
      std::thread k = kill_soon(pid_of(tx));
      try {
        tx.query("SELECT pg_sleep(1)");
      } catch (...) {
        k.join();
        throw;
      }
      k.join();
    });
  });
  EXPECT_EQ(e.kind(), Kind::connection) << e.what();
  EXPECT_TRUE(db.ping());
}

}  // namespace
