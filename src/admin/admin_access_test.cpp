// The dashboard's access rules in isolation: key comparison, what counts as loopback, and the
// run-id floor that turns a time filter into a primary-key range.
#include "src/admin/admin_access.hpp"

#include <gtest/gtest.h>

#include <map>

#include "bunbase/core/id.hpp"
#include "bunbase/runtime/config.hpp"
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
  for (auto ip : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"}) EXPECT_TRUE(bb::is_loopback_ip(ip)) << ip;
  for (auto ip : {"10.0.0.1", "192.168.1.127", "::ffff:10.0.0.1", "1.127.0.0", "", "::2", "fe80::1"})
    EXPECT_FALSE(bb::is_loopback_ip(ip)) << ip;
  for (auto host : {"localhost", "localhost:3000", "LOCALHOST.", "app.localhost:8080", "127.0.0.1:3000", "[::1]:3000"})
    EXPECT_TRUE(bb::is_loopback_host(host)) << host;
  for (auto host : {"evil.example", "localhost.evil.example", "127.0.0.1.nip.io", "", "[::2]", "0.0.0.0:3000"})
    EXPECT_FALSE(bb::is_loopback_host(host)) << host;
}

// A request as the HTTP layer would present it, headers by lower-case name.
struct FakeRequest final : bb::Request {
  std::string peer = "127.0.0.1", method_ = "GET";
  std::map<std::string, std::string> headers;
  bool via_proxy = false;
  std::string_view method() const override { return method_; }
  std::string_view path() const override { return "/_admin/api/overview"; }
  std::optional<std::string_view> header(std::string_view name) const override {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? std::nullopt : std::optional<std::string_view>(it->second);
  }
  std::optional<std::string_view> cookie(std::string_view) const override { return std::nullopt; }
  std::string_view ip() const override { return peer; }
  std::string_view body() const override { return {}; }
  bool forwarded() const override { return via_proxy; }
};

TEST(AdminAccess, ThisMachineIsTrustedOnlyWithOurHostAndOrigin) {
  bb::Config dev;
  dev.environment = "development";
  auto admitted = [&](const FakeRequest& r, const bb::Config& c = bb::Config()) {
    return bb::admin::admit_without_session(c, r).admitted;
  };
  FakeRequest r;
  r.headers["host"] = "localhost:3000";
  EXPECT_TRUE(admitted(r, dev));
  EXPECT_FALSE(admitted(r)) << "production (the default) has no loopback rule";

  FakeRequest rebound = r;  // DNS rebinding: the attacker's name, resolved to 127.0.0.1
  rebound.headers["host"] = "evil.example:3000";
  EXPECT_FALSE(admitted(rebound, dev));
  FakeRequest no_host = r;
  no_host.headers.erase("host");
  EXPECT_FALSE(admitted(no_host, dev));

  FakeRequest foreign_page = r;
  foreign_page.headers["origin"] = "https://evil.example";
  EXPECT_FALSE(admitted(foreign_page, dev));
  FakeRequest own_page = r;
  own_page.headers["origin"] = "http://localhost:3000";
  EXPECT_TRUE(admitted(own_page, dev));
  FakeRequest cross_site = r;
  cross_site.headers["sec-fetch-site"] = "cross-site";
  EXPECT_FALSE(admitted(cross_site, dev));

  FakeRequest proxied = r;  // nginx on this machine relays anyone
  proxied.via_proxy = true;
  EXPECT_FALSE(admitted(proxied, dev));
  FakeRequest remote = r;
  remote.peer = "203.0.113.9";
  EXPECT_FALSE(admitted(remote, dev));

  bb::Config public_dev = dev;  // the public name is ours too
  public_dev.http.public_url = "https://admin.example.com";
  FakeRequest named = r;
  named.headers["host"] = "admin.example.com:443";
  EXPECT_FALSE(admitted(named, dev));
  EXPECT_TRUE(admitted(named, public_dev)) << "the scheme of public_url gives :443 as its default port";
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
