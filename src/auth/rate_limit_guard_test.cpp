// bb::guards::rate_limit on its own: the headers it sets, the 429 it throws, its keys, and the
// system principal it ignores.
#include <bunbase/guards.hpp>
#include <gtest/gtest.h>

#include "bunbase/db/database.hpp"
#include "bunbase/testing/test_app.hpp"
#include "src/auth/from_ip_request.hpp"

namespace {

using bb::auth::test::FromIp;

std::string header(const bb::Response& r, std::string_view name) {
  std::string last;
  for (const auto& [k, v] : r.headers)
    if (k == name) last = v;
  return last;
}

class RateLimitGuard : public ::testing::Test {
 protected:
  // Runs the guard once for the caller; returns the response it wrote to, and the error if any.
  std::optional<bb::Error> hit(const bb::Guard& g, const bb::Request& req, bb::Response& res, bb::Auth auth = {}) {
    bb::Context ctx{.db = app.db(), .log = bb::Log(nullptr, {}), .auth = std::move(auth), .request = &req, .response = &res};
    try {
      g.check(ctx);
      return std::nullopt;
    } catch (const bb::Error& e) {
      return e;
    }
  }
  bb::testing::TestApp app{bb::AppManifest{.name = "t"}};
};

TEST_F(RateLimitGuard, CountsDownInHeadersThenRefusesWith429AndRetryAfter) {
  auto g = bb::guards::rate_limit({.limit = 2, .window = std::chrono::seconds(60)});
  EXPECT_EQ(g.name, "rate_limit(2/60s by ip)");
  FromIp a("10.0.0.1"), b("10.0.0.2");
  for (int remaining : {1, 0}) {
    bb::Response res;
    EXPECT_FALSE(hit(g, a, res));
    EXPECT_EQ(header(res, "RateLimit-Limit"), "2");
    EXPECT_EQ(header(res, "RateLimit-Remaining"), std::to_string(remaining));
    int reset = std::stoi(header(res, "RateLimit-Reset"));
    EXPECT_GE(reset, 1);
    EXPECT_LE(reset, 60);
  }
  bb::Response res;
  auto refused = hit(g, a, res);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->kind(), bb::ErrorCode::rate_limited);
  EXPECT_EQ(refused->code(), "rate_limited");
  EXPECT_GE(refused->details().at("retry_after").as_int64(), 1);
  EXPECT_EQ(header(res, "RateLimit-Remaining"), "0");

  bb::Response other;
  EXPECT_FALSE(hit(g, b, other)) << "another address has its own budget";
  bb::Response system;
  EXPECT_FALSE(hit(g, a, system, bb::Auth::system())) << "the system principal is never limited";
  EXPECT_TRUE(system.headers.empty());
}

TEST_F(RateLimitGuard, UserAndCustomKeys) {
  auto by_user = bb::guards::rate_limit({.limit = 1, .window = std::chrono::seconds(60), .key = bb::guards::RateKey::user});
  FromIp a("10.0.0.1");
  bb::Response r1, r2, r3;
  EXPECT_FALSE(hit(by_user, a, r1, bb::Auth::user("u1")));
  EXPECT_TRUE(hit(by_user, a, r2, bb::Auth::user("u1")));
  EXPECT_FALSE(hit(by_user, a, r3, bb::Auth::user("u2"))) << "one budget per user, not per address";

  auto custom = bb::guards::rate_limit(
      {.limit = 1, .window = std::chrono::seconds(60), .custom_key = [](bb::Context&) { return std::string("k"); }});
  EXPECT_EQ(custom.name, "rate_limit(1/60s by custom key)");
  FromIp b("10.0.0.2");
  bb::Response r4, r5;
  EXPECT_FALSE(hit(custom, a, r4));
  EXPECT_TRUE(hit(custom, b, r5)) << "the custom key is shared across addresses";
}

}  // namespace
