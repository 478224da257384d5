#include "bunbase/auth/password.hpp"

#include <gtest/gtest.h>

namespace {

using bb::auth::PasswordParams;

// Made by Bun.password.hash("correct horse battery staple"): argon2id, m=64 MiB, t=2, 32-byte salt.
constexpr std::string_view kBunHash =
    "$argon2id$v=19$m=65536,t=2,p=1$11ePKmAjHPQ9IOw9pZcjBzLsyQU+m+3TSRiVadaz2as$hxbR5jKER8ariNkiz+qo/4KHgI7Inih0F3FLS5nfLEw";
constexpr PasswordParams kCheap{.memory_kib = 8, .iterations = 1};

TEST(Password, BunHashVerifiesForItsPasswordOnly) {
  EXPECT_TRUE(bb::auth::verify_password("correct horse battery staple", kBunHash));
  EXPECT_FALSE(bb::auth::verify_password("correct horse battery stapl", kBunHash));
  EXPECT_FALSE(bb::auth::verify_password("Correct horse battery staple", kBunHash));
  EXPECT_FALSE(bb::auth::verify_password("", kBunHash));
}

TEST(Password, BunHashMeetsTheDefaultParameters) {
  EXPECT_FALSE(bb::auth::needs_rehash(kBunHash, PasswordParams{}));
  EXPECT_TRUE(bb::auth::needs_rehash(kBunHash, {.memory_kib = 65536, .iterations = 3}));
}

TEST(Password, HashIsArgon2idPhcWithTheGivenParameters) {
  std::string phc = bb::auth::hash_password("s3cret pass", kCheap);
  EXPECT_TRUE(phc.starts_with("$argon2id$v=19$m=8,t=1,p=1$")) << phc;
  EXPECT_TRUE(bb::auth::verify_password("s3cret pass", phc));
  EXPECT_FALSE(bb::auth::verify_password("s3cret pas", phc));
  EXPECT_NE(phc, bb::auth::hash_password("s3cret pass", kCheap)) << "every hash has its own salt";
}

TEST(Password, WeakerStoredParametersNeedARehashStrongerOnesDoNot) {
  std::string weak = bb::auth::hash_password("pw", kCheap);
  EXPECT_TRUE(bb::auth::needs_rehash(weak, {.memory_kib = 16, .iterations = 1}));
  EXPECT_TRUE(bb::auth::needs_rehash(weak, {.memory_kib = 8, .iterations = 2}));
  EXPECT_FALSE(bb::auth::needs_rehash(weak, kCheap));
  std::string strong = bb::auth::hash_password("pw", {.memory_kib = 16, .iterations = 2});
  EXPECT_FALSE(bb::auth::needs_rehash(strong, kCheap));
}

TEST(Password, GarbageNeverVerifies) {
  for (std::string_view bad : {"", "plain", "$2b$10$abcdefghijklmnopqrstuv", "$argon2id$v=19$m=8,t=1,p=1$$",
                               "$argon2id$v=19$m=65536,t=2,p=1$salt$hash"})
    EXPECT_FALSE(bb::auth::verify_password("pw", bad)) << bad;
  std::string huge = std::string(kBunHash) + std::string(200, 'A');
  EXPECT_FALSE(bb::auth::verify_password("correct horse battery staple", huge));
  EXPECT_TRUE(bb::auth::needs_rehash("$2b$10$abcdefghijklmnopqrstuv", kCheap));
}

}  // namespace
