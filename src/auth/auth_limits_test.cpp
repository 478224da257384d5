// The limits on guessing and on mail (auth_limits.hpp) and the fixed-size table they count in
// (counter_table.hpp). RateLimitSignIn.* and RateLimitMail.* run on PostgreSQL too (the shared
// rate_limits table), through the TestApp's database.
#include "src/auth/auth_limits.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "bunbase/auth/rate_limiter.hpp"
#include "src/auth/from_ip_request.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/testing/test_app.hpp"
#include "src/auth/counter_table.hpp"

namespace {

using bb::auth::CounterTable;
using namespace std::chrono_literals;

// Resident memory of this process, in KiB (for the report; sanitizers inflate it).
long rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

TEST(CounterTable, AMillionDistinctKeysKeepTheTableAtItsFixedSize) {
  CounterTable table(1 << 16);
  const std::size_t bytes = table.bytes();
  EXPECT_EQ(table.capacity(), std::size_t{1} << 16);
  EXPECT_LT(bytes, std::size_t{2} << 20) << "24 bytes a slot";
  const CounterTable::Rule failures{.limit = 10, .window_ms = 15 * 60 * 1000, .sliding = true};
  const long rss_before = rss_kib();
  std::int64_t now = 1;
  for (int i = 0; i < 1'000'000; ++i) {
    table.add("203.0.113." + std::to_string(i), ++now, failures);
    // One client keeps failing through the flood: its count is never evicted.
    if (i % 1000 == 0) table.add("attacker", ++now, {.limit = 1'000'000, .window_ms = 15 * 60 * 1000, .sliding = true});
  }
  const long rss_after = rss_kib();
  std::printf("[ CounterTable: %zu slots, %zu bytes; 1,000,000 keys: RSS %+ld KiB ]\n", table.capacity(), table.bytes(),
              rss_after - rss_before);
  EXPECT_EQ(table.bytes(), bytes);
  EXPECT_LE(table.live(now), table.capacity());
  EXPECT_GT(table.live(now), table.capacity() * 9 / 10) << "the table is used, not just bounded";
  EXPECT_EQ(table.take("attacker", now), 1000) << "a key in use is not evicted by a flood of new ones";
  EXPECT_EQ(table.take("203.0.113.999999", now), 1) << "the newest key is there";
  EXPECT_EQ(table.take("203.0.113.0", now), 0) << "the oldest ones made room";
}

TEST(CounterTable, RateLimiterStaysAtItsFixedSizeToo) {
  bb::auth::RateLimiter limiter(10, 60s, "t", 1 << 15);
  const std::size_t bytes = limiter.memory_bytes();
  const auto t0 = bb::auth::RateLimiter::Clock::now();
  for (int i = 0; i < 1'000'000; ++i)
    ASSERT_TRUE(limiter.hit("ip:" + std::to_string(i), nullptr, t0 + std::chrono::microseconds(i)).allowed);
  EXPECT_EQ(limiter.memory_bytes(), bytes);
  EXPECT_EQ(limiter.capacity(), std::size_t{1} << 15);
  std::printf("[ RateLimiter: %zu keys at most in %zu bytes ]\n", limiter.capacity(), limiter.memory_bytes());
}

TEST(CounterTable, FixedAndSlidingWindowsAndTheProgressiveDelay) {
  CounterTable table(64);
  const CounterTable::Rule fixed{.limit = 2, .window_ms = 1000};
  EXPECT_TRUE(table.add("k", 1000, fixed).allowed);
  EXPECT_TRUE(table.add("k", 1500, fixed).allowed);
  auto refused = table.add("k", 1600, fixed);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.wait_ms, 400) << "until the window that began at 1000 ends";
  EXPECT_TRUE(table.add("k", 2000, fixed).allowed) << "a new window";

  const CounterTable::Rule sliding{.limit = 2, .window_ms = 1000, .sliding = true};
  EXPECT_TRUE(table.add("s", 1000, sliding).allowed);
  EXPECT_TRUE(table.add("s", 1900, sliding).allowed);
  EXPECT_EQ(table.add("s", 2500, sliding).wait_ms, 400) << "forgotten a window after the last event";
  EXPECT_TRUE(table.add("s", 2900, sliding).allowed) << "a window after the last: a count of its own";

  const CounterTable::Rule slowed{.limit = 2, .window_ms = 60'000, .sliding = true, .delay_ms = 1000, .max_delay_ms = 3000};
  EXPECT_TRUE(table.add("d", 0 + 1, slowed).allowed);
  EXPECT_TRUE(table.add("d", 2, slowed).allowed);
  EXPECT_EQ(table.add("d", 3, slowed).wait_ms, 999) << "1 s after the last";
  EXPECT_TRUE(table.add("d", 1002, slowed).allowed);
  EXPECT_EQ(table.add("d", 1003, slowed).wait_ms, 1999) << "then 2 s";
  EXPECT_TRUE(table.add("d", 3002, slowed).allowed);
  EXPECT_EQ(table.add("d", 3003, slowed).wait_ms, 2999) << "then 4 s, capped at 3 s";
  EXPECT_TRUE(table.add("d", 6002, slowed).allowed);

  EXPECT_EQ(table.take("s", 3000), 1);
  EXPECT_EQ(table.take("s", 3000), 0) << "taken";
  table.subtract("k", 5, 2100);
  EXPECT_EQ(table.take("k", 2100), 0) << "never below zero";
}

// ---- the sign-in and mail limits, in memory (SQLite) or shared (PostgreSQL) ----------------

using bb::auth::test::FromIp;

class RateLimitSignIn : public ::testing::Test {
 protected:
  // Begins an attempt from `ip`; the 429's retry_after when refused.
  std::optional<std::int64_t> refused(bb::auth::SignInLimits& limits, const std::string& ip, std::string_view email,
                                      bool right = false) {
    FromIp req(ip);
    bb::Context ctx{.db = app.db(), .log = bb::Log(nullptr, {}), .request = &req};
    try {
      auto attempt = limits.begin(ctx, email);
      if (right) attempt.succeeded();
      else attempt.failed();
      return std::nullopt;
    } catch (const bb::Error& e) {
      EXPECT_EQ(e.kind(), bb::ErrorCode::rate_limited);
      EXPECT_EQ(e.code(), "rate_limited");
      return e.details().at("retry_after").as_int64();
    }
  }
  bb::testing::TestApp app{bb::AppManifest{.name = "t"}};
};

TEST_F(RateLimitSignIn, FailuresLockTheClientOutOfThatEmailNotTheOwner) {
  bb::auth::SignInLimits limits({.per_email_client = 3, .per_client = 100, .per_email = 100});
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(refused(limits, "198.51.100.1", "ada@example.com"));
  auto wait = refused(limits, "198.51.100.1", "ADA@example.com");
  ASSERT_TRUE(wait) << "the fourth failure from that client, the email in any case";
  EXPECT_GT(*wait, 14 * 60);
  EXPECT_LE(*wait, 15 * 60);
  EXPECT_FALSE(refused(limits, "198.51.100.1", "bob@example.com")) << "other emails from that client";
  EXPECT_FALSE(refused(limits, "192.0.2.7", "ada@example.com", true)) << "the owner, elsewhere, on the first try";
}

TEST_F(RateLimitSignIn, SuccessForgivesTheClientsFailuresAndOnlyFailuresCount) {
  bb::auth::SignInLimits limits({.per_email_client = 3, .per_client = 100, .per_email = 100});
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(round);
    EXPECT_FALSE(refused(limits, "198.51.100.2", "ada@example.com"));
    EXPECT_FALSE(refused(limits, "198.51.100.2", "ada@example.com"));
    EXPECT_FALSE(refused(limits, "198.51.100.2", "ada@example.com", true)) << "two typos, then the right password";
  }
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(refused(limits, "198.51.100.2", "ada@example.com", true)) << "successes";
}

TEST_F(RateLimitSignIn, OneClientGuessingManyEmailsIsRefusedForAll) {
  bb::auth::SignInLimits limits({.per_email_client = 10, .per_client = 5, .per_email = 100});
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(refused(limits, "2001:db8::1", "user" + std::to_string(i) + "@example.com"));
  EXPECT_TRUE(refused(limits, "2001:db8::1", "fresh@example.com"));
  EXPECT_TRUE(refused(limits, "2001:db8::ffff:2", "fresh@example.com")) << "an IPv6 client is its /64";
  EXPECT_FALSE(refused(limits, "2001:db8:0:1::1", "fresh@example.com")) << "another /64";
}

TEST_F(RateLimitSignIn, PastThePerEmailCeilingAttemptsAreSlowedNotBlocked) {
  bb::auth::SignInLimits limits({.per_email_client = 100, .per_client = 100, .per_email = 4, .max_delay = 1s});
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(refused(limits, "198.51.100." + std::to_string(10 + i), "ada@example.com"));
  auto wait = refused(limits, "192.0.2.9", "ada@example.com", true);
  ASSERT_TRUE(wait) << "the fifth attempt right after the fourth failure waits";
  EXPECT_EQ(*wait, 1);
  std::this_thread::sleep_for(1100ms);
  EXPECT_FALSE(refused(limits, "192.0.2.9", "ada@example.com", true)) << "then goes through";
}

TEST_F(RateLimitSignIn, AnAttemptWithoutAVerdictIsGivenBack) {
  bb::auth::SignInLimits limits({.per_email_client = 2, .per_client = 100, .per_email = 100});
  FromIp req("198.51.100.3");
  bb::Context ctx{.db = app.db(), .log = bb::Log(nullptr, {}), .request = &req};
  for (int i = 0; i < 5; ++i) auto attempt = limits.begin(ctx, "ada@example.com");  // e.g. 503 busy
  EXPECT_FALSE(refused(limits, "198.51.100.3", "ada@example.com"));
  EXPECT_FALSE(refused(limits, "198.51.100.3", "ada@example.com"));
  EXPECT_TRUE(refused(limits, "198.51.100.3", "ada@example.com"));
  bb::Context system{.db = app.db(), .log = bb::Log(nullptr, {}), .auth = bb::Auth::system(), .request = &req};
  EXPECT_NO_THROW(limits.begin(system, "ada@example.com").failed()) << "the system principal is not limited";
}

TEST_F(RateLimitSignIn, GuessesWithASessionCountPerAccountWhateverTheClient) {
  bb::auth::SignInLimits limits({.per_email_client = 3, .per_client = 100, .per_email = 100});
  auto attempt = [&](const std::string& ip, bool right) -> bool {
    FromIp req(ip);
    bb::Context ctx{.db = app.db(), .log = bb::Log(nullptr, {}), .request = &req};
    try {
      auto a = limits.begin(ctx, "user:42", true);
      if (right) a.succeeded();
      else a.failed();
      return true;
    } catch (const bb::Error&) {
      return false;
    }
  };
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(attempt("198.51.100." + std::to_string(20 + i), false));
  EXPECT_FALSE(attempt("198.51.100.30", true)) << "a fourth address, even with the right password";
}

TEST_F(RateLimitSignIn, ThePostgresTableHoldsDigestsAndExpiredRowsAreSwept) {
  if (app.db().dialect() != "postgres") GTEST_SKIP() << "the shared table is PostgreSQL's";
  bb::auth::SignInLimits limits({.per_email_client = 3, .per_client = 100, .per_email = 100, .window = 1s});
  EXPECT_FALSE(refused(limits, "198.51.100.4", "ada@example.com"));
  auto rows = app.db().query("SELECT key FROM rate_limits WHERE key LIKE 'auth.fail:%'");
  EXPECT_EQ(rows.size(), 3u);
  for (const auto& r : rows) {
    const std::string key(r.at("key").as_string());
    EXPECT_EQ(key.find("ada"), std::string::npos) << key;
    EXPECT_EQ(key.find("198.51"), std::string::npos) << key;
  }
  std::this_thread::sleep_for(1100ms);
  bb::auth::sweep_shared_rate_limits(app.db(), true);
  EXPECT_TRUE(app.db().query("SELECT key FROM rate_limits").empty()) << "the window ended: the rows are gone";
}

TEST_F(RateLimitSignIn, MailRequestsHaveABudgetOfTheirOwn) {
  bb::auth::SignInLimits sign_in({.per_email_client = 2, .per_client = 100, .per_email = 100});
  bb::auth::MailLimits mail({.per_email_client = 3, .per_client = 4});
  FromIp req("198.51.100.5");
  bb::Context ctx{.db = app.db(), .log = bb::Log(nullptr, {}), .request = &req};
  for (int i = 0; i < 3; ++i) EXPECT_NO_THROW(mail.check(ctx, "ada@example.com"));
  EXPECT_THROW(mail.check(ctx, "Ada@example.com"), bb::Error) << "per email and client";
  EXPECT_NO_THROW(mail.check(ctx, "bob@example.com"));
  EXPECT_THROW(mail.check(ctx, "carl@example.com"), bb::Error) << "per client";
  EXPECT_FALSE(refused(sign_in, "198.51.100.5", "ada@example.com", true)) << "the sign-in budget is untouched";
}

}  // namespace
