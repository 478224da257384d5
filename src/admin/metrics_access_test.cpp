// Who may read /metrics: the bearer token, the dashboard's rules without a session, nobody
// else; a wrong token is refused even from this machine.
#include "src/admin/metrics_access.hpp"

#include <gtest/gtest.h>

#include <map>

#include "bunbase/runtime/config.hpp"

namespace {

struct ScrapeRequest final : bb::Request {
  std::string peer = "127.0.0.1";
  std::map<std::string, std::string> headers{{"host", "localhost:3000"}};
  bool via_proxy = false;
  std::string_view method() const override { return "GET"; }
  std::string_view path() const override { return "/metrics"; }
  std::optional<std::string_view> header(std::string_view name) const override {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? std::nullopt : std::optional<std::string_view>(it->second);
  }
  std::optional<std::string_view> cookie(std::string_view) const override { return std::nullopt; }
  std::string_view ip() const override { return peer; }
  std::string_view body() const override { return {}; }
  bool forwarded() const override { return via_proxy; }
};

const std::string kToken = "a-metrics-token-of-thirty-two-ch";

TEST(MetricsAccess, ProductionWithNothingConfiguredRefusesEveryone) {
  bb::Config c;
  ScrapeRequest local;
  EXPECT_FALSE(bb::admin::admit_metrics(c, local).admitted) << "not even this machine";
  ScrapeRequest remote;
  remote.peer = "203.0.113.7";
  remote.headers["authorization"] = "Bearer guess";
  auto a = bb::admin::admit_metrics(c, remote);
  EXPECT_FALSE(a.admitted);
  EXPECT_NE(a.refused.find("no metrics token is configured"), std::string::npos) << a.refused;
}

TEST(MetricsAccess, TheBearerTokenAdmitsFromAnywhereAndAWrongOneNowhere) {
  bb::Config c;
  c.metrics.token = kToken;
  ScrapeRequest remote;
  remote.peer = "203.0.113.7";
  remote.headers["host"] = "api.example.com";
  EXPECT_FALSE(bb::admin::admit_metrics(c, remote).admitted);
  remote.headers["authorization"] = "Bearer " + kToken;
  EXPECT_TRUE(bb::admin::admit_metrics(c, remote).admitted);
  remote.headers["authorization"] = "bearer " + kToken;
  EXPECT_TRUE(bb::admin::admit_metrics(c, remote).admitted) << "the scheme is case-insensitive";
  remote.headers["authorization"] = "Bearer " + kToken + "x";
  EXPECT_FALSE(bb::admin::admit_metrics(c, remote).admitted);
  remote.headers["authorization"] = "Basic " + kToken;
  EXPECT_FALSE(bb::admin::admit_metrics(c, remote).admitted);

  c.environment = "development";
  ScrapeRequest local;
  EXPECT_TRUE(bb::admin::admit_metrics(c, local).admitted)
      << "development: this machine, as for the dashboard";
  local.headers["authorization"] = "Bearer wrong";
  auto a = bb::admin::admit_metrics(c, local);
  EXPECT_FALSE(a.admitted) << "a wrong token decides, even from this machine";
  EXPECT_TRUE(a.wrong_key);
}

TEST(MetricsAccess, TheDashboardsRulesWithoutASession) {
  bb::Config c;
  c.environment = "development";
  ScrapeRequest proxied;  // from this machine, but through a proxy: anyone
  proxied.headers["x-forwarded-for"] = "203.0.113.7";
  proxied.via_proxy = true;
  EXPECT_FALSE(bb::admin::admit_metrics(c, proxied).admitted);
  ScrapeRequest rebound;
  rebound.headers["host"] = "evil.example:3000";
  EXPECT_FALSE(bb::admin::admit_metrics(c, rebound).admitted);

  bb::Config prod;
  prod.dashboard.key = "an-admin-key-of-thirty-two-chars";
  ScrapeRequest with_key;
  with_key.peer = "203.0.113.7";
  with_key.headers["x-admin-key"] = prod.dashboard.key;
  EXPECT_TRUE(bb::admin::admit_metrics(prod, with_key).admitted);
  prod.dashboard.loopback = true;
  ScrapeRequest local;
  EXPECT_TRUE(bb::admin::admit_metrics(prod, local).admitted) << "[dashboard] loopback = true";
}

}  // namespace
