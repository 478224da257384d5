#include <gtest/gtest.h>

#include "bunbase/schema/schema.hpp"

namespace {
struct Smoke {
  bb::Email email;
  std::optional<int> n;
};
BOOST_DESCRIBE_STRUCT(Smoke, (), (email, n))
}  // namespace

TEST(SchemaSmoke, DecodesValid) {
  auto s = bb::from_json<Smoke>(boost::json::parse(R"({"email":"a@b.co","n":3})"));
  EXPECT_EQ(s.email, "a@b.co");
  EXPECT_EQ(*s.n, 3);
}
