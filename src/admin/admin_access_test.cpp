// The dashboard's access rules in isolation: key comparison, what counts as loopback, and the
// run-id floor that turns a time filter into a primary-key range.
#include "src/admin/admin_access.hpp"

#include <gtest/gtest.h>

#include "bunbase/core/id.hpp"
#include "bunbase/core/time.hpp"
#include "src/admin/admin_types.hpp"

namespace {

TEST(AdminAccess, KeysMatchOnlyWhenEqualAndNeverWhenNoneIsConfigured) {
  const std::string key = "an-admin-key-of-thirty-two-chars";
  EXPECT_TRUE(bb::admin::key_matches(key, key));
  EXPECT_FALSE(bb::admin::key_matches(key, key + "x"));
  EXPECT_FALSE(bb::admin::key_matches(key, key.substr(1)));
  EXPECT_FALSE(bb::admin::key_matches(key, ""));
  EXPECT_FALSE(bb::admin::key_matches("", "")) << "no key configured opens nothing";
  EXPECT_FALSE(bb::admin::key_matches("", "anything"));
}

TEST(AdminAccess, LoopbackIsThisMachineOnly) {
  for (auto ip : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"}) EXPECT_TRUE(bb::admin::is_loopback(ip)) << ip;
  for (auto ip : {"10.0.0.1", "192.168.1.127", "::ffff:10.0.0.1", "1.127.0.0", "", "::2", "fe80::1"})
    EXPECT_FALSE(bb::admin::is_loopback(ip)) << ip;
}

TEST(AdminAccess, RunIdFloorsOrderWithTheIdsOfTheirTime) {
  using namespace std::chrono;
  const auto before = system_clock::now();
  const std::string id = bb::new_id();
  const auto after = system_clock::now() + milliseconds(1);
  EXPECT_LE(bb::admin::run_id_floor(before), id);
  EXPECT_GT(bb::admin::run_id_floor(after), id);
  EXPECT_EQ(bb::admin::run_id_floor(*bb::parse_iso_time("1970-01-01T00:00:00Z")), "00000000-0000-0000-0000-000000000000");
  EXPECT_LT(bb::admin::run_id_floor(*bb::parse_iso_time("2026-11-25T10:00:00.000Z")),
            bb::admin::run_id_floor(*bb::parse_iso_time("2026-11-25T10:00:00.001Z")));
}

}  // namespace
