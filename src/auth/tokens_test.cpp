#include "bunbase/auth/rate_limiter.hpp"
#include "bunbase/auth/tokens.hpp"

#include <gtest/gtest.h>

#include <set>

namespace {

using namespace std::chrono_literals;

TEST(Tokens, AreRandomBase64UrlBehindTheirPrefix) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string t = bb::auth::random_token("bbs_");
    ASSERT_TRUE(t.starts_with("bbs_"));
    ASSERT_EQ(t.size(), 4u + 43u);  // 32 bytes, base64url without padding
    for (char c : t.substr(4)) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Tokens, HashIsSha256Hex) {
  EXPECT_EQ(bb::auth::token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_NE(bb::auth::token_hash("abc"), bb::auth::token_hash("abd"));
  EXPECT_TRUE(bb::auth::equal_secrets("same", "same"));
  EXPECT_FALSE(bb::auth::equal_secrets("same", "sane"));
  EXPECT_FALSE(bb::auth::equal_secrets("same", "same!"));
}

TEST(RateLimiter, AllowsTheLimitPerWindowThenRefusesUntilItEnds) {
  bb::auth::RateLimiter limiter(3, 10s);
  auto t0 = bb::auth::RateLimiter::Clock::now();
  for (int i = 0; i < 3; ++i) {
    auto d = limiter.hit("ip:1", nullptr, t0 + 1s);
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.remaining, 2 - i);
  }
  auto refused = limiter.hit("ip:1", nullptr, t0 + 4s);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.reset, 7s);
  EXPECT_TRUE(limiter.hit("ip:2", nullptr, t0 + 4s).allowed) << "keys are independent";
  EXPECT_TRUE(limiter.hit("ip:1", nullptr, t0 + 11s).allowed) << "a new window starts";
}

}  // namespace
