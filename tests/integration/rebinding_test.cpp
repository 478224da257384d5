// DNS rebinding and cross-site requests against the privileged surfaces of a development app
// on this machine: a page on another site whose name now resolves to 127.0.0.1 reaches the
// server with its own Host and Origin; it must get nothing from the dashboard's API or /mcp,
// and a cross-site form post must change nothing.
#include <gtest/gtest.h>

#include "tests/integration/support/auth_client.hpp"
#include "tests/integration/support/demo_server.hpp"

namespace bbit {
namespace {

// One request written byte for byte (the test client's own Host would be a second one).
Response raw(unsigned short port, std::string_view method, std::string_view target, std::string_view host,
             const Headers& headers = {}, std::string_view body = {}) {
  std::string req = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: " + std::string(host) + "\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + std::string(body);
  Connection c(port);
  if (!c.send_raw(req)) throw std::runtime_error("connection closed");
  auto r = c.read_response(method == "HEAD");
  if (!r) throw std::runtime_error("no response");
  return *r;
}

TEST(Rebinding, TheDashboardApiAnswersOnlyOurHostAndOrigin) {
  NoDefaultHeaders plain;
  DemoServer server({.sign_in = false});  // development: open to this machine
  const auto port = server.port();
  const std::string local = "localhost:" + std::to_string(port);
  EXPECT_EQ(raw(port, "GET", "/_admin/api/overview", local).status, 200);
  EXPECT_EQ(raw(port, "GET", "/_admin/api/overview", "127.0.0.1:" + std::to_string(port)).status, 200);

  const std::string evil = "evil.example:" + std::to_string(port);
  Response rebound = raw(port, "GET", "/_admin/api/logs", evil);
  EXPECT_EQ(rebound.status, 401) << "reading logs (reset links) through a rebound name\n" << rebound;
  Response invoke = raw(port, "POST", "/_admin/api/actions/ping/invoke", evil,
                        {{"Content-Type", "application/json"}, {"Origin", "http://" + evil}}, R"({"input":{}})");
  // To the browser the rebound page is same-origin (Origin = Host = evil.example): the Host
  // alone gives it away.
  EXPECT_EQ(invoke.status, 401) << invoke;
  Response no_host = raw(port, "GET", "/_admin/api/overview", "");
  EXPECT_NE(no_host.status, 200) << no_host;

  // Our Host but a page of another site: read refused, write refused.
  Response foreign_read = raw(port, "GET", "/_admin/api/overview", local, {{"Origin", "https://evil.example"}});
  EXPECT_EQ(foreign_read.status, 401) << foreign_read;
  Response foreign_invoke = raw(port, "POST", "/_admin/api/actions/ping/invoke", local,
                                {{"Content-Type", "application/json"}, {"Origin", "https://evil.example"}},
                                R"({"input":{}})");
  EXPECT_EQ(foreign_invoke.status, 403) << foreign_invoke;
  EXPECT_EQ(str(foreign_invoke.json().at("code")), "cross_site_request");
  // An empty-body cross-site form post (no Origin in old browsers: Sec-Fetch-Site says it).
  Response form = raw(port, "POST", "/_admin/api/schedules/any-schedule/pause", local,
                      {{"Sec-Fetch-Site", "cross-site"}, {"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(form.status, 403) << form;
  // The same request from our own page reaches the action (which finds no such schedule).
  Response own = raw(port, "POST", "/_admin/api/schedules/any-schedule/pause", local,
                     {{"Origin", "http://" + local}, {"Sec-Fetch-Site", "same-origin"}});
  EXPECT_EQ(own.status, 404) << own;

  // Even with the admin key, a cross-site unsafe request is refused (production as well).
  const std::string key = "rebinding-test-admin-key-0123456789";
  DemoServer prod({.env = {{"BUNBASE_ENV", "production"}, {"BUNBASE_ADMIN_KEY", key}}, .sign_in = false});
  const std::string prod_host = "localhost:" + std::to_string(prod.port());
  EXPECT_EQ(raw(prod.port(), "GET", "/_admin/api/overview", prod_host).status, 401);
  EXPECT_EQ(raw(prod.port(), "GET", "/_admin/api/overview", prod_host, {{"X-Admin-Key", key}}).status, 200);
  Response keyed = raw(prod.port(), "POST", "/_admin/api/actions/ping/invoke", prod_host,
                       {{"X-Admin-Key", key}, {"Content-Type", "application/json"}, {"Origin", "https://evil.example"}},
                       R"({"input":{}})");
  EXPECT_EQ(keyed.status, 403) << keyed;
}

TEST(Rebinding, TheLiveStreamAndMcpRefuseAForeignHost) {
  NoDefaultHeaders plain;
  DemoServer server({.sign_in = false});
  const auto port = server.port();
  const std::string evil = "evil.example:" + std::to_string(port);
  Response live = raw(port, "GET", "/_admin/api/live", evil);
  EXPECT_EQ(live.status, 401) << live;

  const std::string init =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
  const Headers mcp = {{"Content-Type", "application/json"}, {"Accept", "application/json, text/event-stream"}};
  Response ours = raw(port, "POST", "/mcp", "localhost:" + std::to_string(port), mcp, init);
  EXPECT_EQ(ours.status, 200) << ours;
  Response rebound = raw(port, "POST", "/mcp", evil, mcp, init);
  EXPECT_EQ(rebound.status, 403) << rebound;
  Headers with_origin = mcp;
  with_origin.emplace_back("Origin", "http://" + evil);
  EXPECT_EQ(raw(port, "POST", "/mcp", "localhost:" + std::to_string(port), with_origin, init).status, 403);
}

}  // namespace
}  // namespace bbit
