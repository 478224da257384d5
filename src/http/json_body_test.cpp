#include "src/http/json_body.hpp"

#include <gtest/gtest.h>

#include <string>

#include "src/http/memory_budget.hpp"

namespace bb::http {
namespace {

constexpr std::size_t kMiB = 1024 * 1024;

std::string zeros(std::size_t bytes) {  // [0,0,...]: the densest JSON, ~28 bytes parsed per byte
  std::string s = "[0";
  while (s.size() < bytes) s += ",0";
  return s + "]";
}

TEST(JsonBody, ParsesIntoAnArenaThatGivesTheBudgetBackWhenTheValueGoes) {
  MemoryBudget budget(256 * kMiB);
  {
    ParsedBody b = parse_json_body(zeros(1000 * 1000), kMiB, &budget);
    ASSERT_FALSE(b.error) << b.error->message();
    EXPECT_EQ(b.value.as_array().size(), 500000u);
    EXPECT_GT(budget.in_use(), 8 * kMiB) << "the value's blocks are counted while it lives";
    const boost::json::memory_resource* arena = b.value.storage().get();
    boost::json::value input;
    adopt(input, std::move(b.value));  // moved with its arena, not copied to the heap
    EXPECT_EQ(input.storage().get(), arena);
    EXPECT_EQ(input.as_array().size(), 500000u);
  }
  EXPECT_EQ(budget.in_use(), 0u) << "every byte taken is given back";
}

TEST(JsonBody, ASmallBodyTouchesNoBudget) {
  MemoryBudget budget(kMiB);
  ParsedBody b = parse_json_body(R"({"email":"a@example.com","password":"correct horse"})", kMiB, &budget);
  ASSERT_FALSE(b.error);
  EXPECT_EQ(b.value.at("email").as_string(), "a@example.com");
  EXPECT_EQ(budget.in_use(), 0u);
}

TEST(JsonBody, MalformedIs400AndEmptyIsNull) {
  ParsedBody bad = parse_json_body(R"({"a":)", kMiB, nullptr);
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error->code(), "malformed_json");
  ParsedBody empty = parse_json_body("", kMiB, nullptr);
  EXPECT_FALSE(empty.error);
  EXPECT_TRUE(empty.value.is_null());
}

TEST(JsonBody, PastItsOwnBoundIs413AndNothingStaysTaken) {
  MemoryBudget budget(8 * kMiB);  // a request may take half: 4 MiB
  ParsedBody b = parse_json_body(zeros(1000 * 1000), kMiB, &budget);
  ASSERT_TRUE(b.error);
  EXPECT_EQ(b.status, 413);
  EXPECT_EQ(b.error->code(), "body_too_complex");
  EXPECT_EQ(budget.in_use(), 0u);
  ParsedBody unbudgeted = parse_json_body(zeros(100 * 1000), 4096, nullptr);  // 32 x 4 KiB
  EXPECT_EQ(unbudgeted.status, 413);
}

TEST(JsonBody, PastTheSharedBudgetIs503BusyAndNothingStaysTaken) {
  MemoryBudget budget(64 * kMiB);
  budget.take(50 * kMiB);  // other requests in flight
  ParsedBody b = parse_json_body(zeros(1000 * 1000), kMiB, &budget);
  ASSERT_TRUE(b.error);
  EXPECT_EQ(b.status, 503);
  EXPECT_EQ(b.error->code(), "busy");
  EXPECT_EQ(budget.in_use(), 50 * kMiB);
  budget.release(50 * kMiB);
  EXPECT_FALSE(parse_json_body(zeros(1000 * 1000), kMiB, &budget).error) << "served once the others are done";
}

}  // namespace
}  // namespace bb::http
