// GET /_admin: the developer dashboard's page, served from the binary (nothing from another
// host) with its security headers, open while its API under /_admin/api is guarded; driven in
// Debian's headless Chromium by tests/js/admin_browser.mjs against the running demo. Screenshots
// of every page land in BUNBASE_ADMIN_SCREENSHOTS (<build>/tests/integration/admin-screenshots).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <regex>

#include "tests/integration/support/demo_server.hpp"

namespace bbit {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

const std::string kNode = BUNBASE_NODE_BIN;
const std::string kJsDir = BUNBASE_JS_DIR;
const std::string kScreenshots = BUNBASE_ADMIN_SCREENSHOTS;
const std::string kChromium = "/usr/bin/chromium";
const std::string kKey = "a-dashboard-key-of-32-characters";

// Every http(s):// URL in `text` whose host is not the app's own (the page must work offline).
std::vector<std::string> foreign_urls(const std::string& text) {
  static const std::regex url(R"(https?://[^\s"'`)<>]+)");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), url); it != std::sregex_iterator();
       ++it) {
    std::string u = it->str();
    if (u.rfind("http://127.0.0.1", 0) != 0 && u.rfind("http://localhost", 0) != 0 &&
        u.rfind("http://www.w3.org/2000/svg", 0) != 0)  // the SVG namespace, not a request
      out.push_back(u);
  }
  return out;
}

// Runs become visible when the write buffer flushes: every 100 ms here, not every 2 s.
void fast_flush(std::string& config) {
  const std::string from = "flush_interval_ms = 2000";
  auto at = config.find(from);
  if (at == std::string::npos) throw std::runtime_error("the demo's config has no " + from);
  config.replace(at, from.size(), "flush_interval_ms = 100");
}

ServerOptions production() {
  return {.env = {{"BUNBASE_ENV", "production"}, {"BUNBASE_ADMIN_KEY", kKey}}, .sign_in = false};
}

TEST(AdminDashboard, ServesThePageAndItsModulesWithSecurityHeaders) {
  DemoServer server({.sign_in = false});
  struct Expected {
    std::string path, type;
  };
  for (const auto& [path, type] :
       {Expected{"/_admin", "text/html"}, Expected{"/_admin/", "text/html"},
        Expected{"/_admin/app.js", "text/javascript"},
        Expected{"/_admin/runs.js", "text/javascript"},
        Expected{"/_admin/admin.css", "text/css"}}) {
    Response r = http(server.port(), "GET", path);
    ASSERT_EQ(r.status, 200) << path << "\n" << r;
    EXPECT_EQ(r.header("Content-Type").value_or("").rfind(type, 0), 0u) << path << "\n" << r;
    EXPECT_GT(r.body.size(), 500u) << path;
    EXPECT_EQ(foreign_urls(r.body), std::vector<std::string>{}) << path;
    const std::string csp = r.header("Content-Security-Policy").value_or("");
    EXPECT_THAT(csp, HasSubstr("default-src 'self'")) << path;
    EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'")) << path;
    EXPECT_EQ(r.header("X-Content-Type-Options").value_or(""), "nosniff") << path;
    EXPECT_EQ(r.header("Cache-Control").value_or(""), "no-cache") << path;
    ASSERT_TRUE(r.header("ETag")) << path;
    // Revalidation: the same bytes answer 304 with no body.
    Response again = http(server.port(), "GET", path, {}, {{"If-None-Match", *r.header("ETag")}});
    EXPECT_EQ(again.status, 304) << path << "\n" << again;
    EXPECT_TRUE(again.body.empty()) << path;
  }
  Response page = http(server.port(), "GET", "/_admin");
  EXPECT_THAT(page.body, HasSubstr(R"(src="/_admin/app.js")"));
  EXPECT_THAT(page.body, HasSubstr(R"(href="/_admin/admin.css")"));
  EXPECT_EQ(http(server.port(), "POST", "/_admin", "{}").status, 405);
  EXPECT_EQ(http(server.port(), "GET", "/_admin/nothing.js").status, 404);

  // `routes` lists the page beside /docs.
  Completed routes = run_to_end(kSaasDemo, {"routes"},
                                ProcessOptions{.cwd = server.dir().path(), .name = "routes"});
  ASSERT_EQ(routes.code, 0) << routes.err;
  EXPECT_TRUE(
      std::regex_search(routes.out, std::regex(R"(GET\s+/_admin\s+\(developer dashboard\))")))
      << routes.out;
}

TEST(AdminDashboard, TheApiRefusesARequestWithoutAdminCredentials) {
  {
    // Production: loopback is not enough; the admin key is.
    DemoServer server(production());
    Response refused = http(server.port(), "GET", "/_admin/api/overview");
    EXPECT_EQ(refused.status, 401) << refused;
    EXPECT_EQ(refused.header("Content-Type").value_or("").rfind("application/problem+json", 0), 0u)
        << refused;
    EXPECT_EQ(http(server.port(), "GET", "/_admin/api/overview", {}, {{"X-Admin-Key", kKey + "x"}})
                  .status,
              401);
    Response keyed =
        http(server.port(), "GET", "/_admin/api/overview", {}, {{"X-Admin-Key", kKey}});
    ASSERT_EQ(keyed.status, 200) << keyed;
    EXPECT_EQ(keyed.json().at("environment"), "production");
    // The page itself is static and open: its calls to the API are what the guard decides.
    EXPECT_EQ(http(server.port(), "GET", "/_admin").status, 200);
  }
  {
    // Development with [dashboard] loopback = false: the same.
    DemoServer server(
        {.env = {{"BUNBASE_ADMIN_KEY", kKey}},
         .edit_config = [](std::string& c) { c += "\n[dashboard]\nloopback = false\n"; },
         .sign_in = false});
    EXPECT_EQ(http(server.port(), "GET", "/_admin/api/overview").status, 401);
    EXPECT_EQ(http(server.port(), "GET", "/_admin/api/runs").status, 401);
    EXPECT_EQ(
        http(server.port(), "GET", "/_admin/api/overview", {}, {{"X-Admin-Key", kKey}}).status,
        200);
  }
}

TEST(AdminDashboard, EveryPageWorksInHeadlessChromium) {
  ASSERT_TRUE(std::filesystem::exists(kChromium))
      << kChromium
      << " is missing: install Debian's chromium (scripts/setup does) to run this test";
  DemoServer dev(
      {.edit_config = fast_flush, .sign_in = false});  // loopback opens it in development
  DemoServer prod(production());                       // the page asks for the key
  std::filesystem::remove_all(kScreenshots);
  Completed c = run_to_end(
      kNode,
      {kJsDir + "/admin_browser.mjs", "--url", "http://127.0.0.1:" + std::to_string(dev.port()),
       "--prod-url", "http://127.0.0.1:" + std::to_string(prod.port()), "--key", kKey, "--out",
       kScreenshots, "--chromium", kChromium},
      ProcessOptions{.cwd = dev.dir().path(), .name = "admin-browser"}, std::chrono::seconds(50));
  ASSERT_EQ(c.code, 0) << "stdout: " << c.out << "\nstderr: " << c.err;
  json::object report = json::parse(c.out).as_object();
  EXPECT_EQ(report.at("invoke").at("status"), "success");
  EXPECT_EQ(report.at("scheduleEnabledAfterPause"), false);
  EXPECT_EQ(report.at("jobRetry").at("status"), "dead")
      << "buildReport always fails: the retry dies again";
  EXPECT_NE(report.at("jobRetry").at("firstRun"), report.at("jobRetry").at("secondRun"));
  EXPECT_EQ(report.at("signedIn"), true);
  EXPECT_EQ(report.at("withoutStream"), "polling")
      << "with the live stream refused, the Runs page polls";
  const auto& cockpit = report.at("cockpit");
  EXPECT_EQ(cockpit.at("members"), json::parse(R"(["cockpit@example.com"])")) << c.out;
  const auto row = json::serialize(cockpit.at("row"));
  EXPECT_THAT(row, ::testing::HasSubstr("Cockpit Co"));
  EXPECT_THAT(row, ::testing::HasSubstr("pro"));
  EXPECT_THAT(row, ::testing::HasSubstr("trialing"));
  EXPECT_TRUE(report.at("foreignRequests").as_array().empty()) << c.out;
  EXPECT_TRUE(report.at("consoleErrors").as_array().empty()) << c.out;
  // The run's trace as the page draws it: createUser > user.created > welcomeNewUser > job > its
  // run.
  std::vector<std::string> kinds;
  for (const auto& n : report.at("trace").as_array()) kinds.emplace_back(n.at("kind").as_string());
  EXPECT_THAT(kinds, ::testing::IsSupersetOf({"run", "event", "job"})) << c.out;
  for (const char* shot :
       {"overview.png", "actions.png", "actions-invoke.png", "runs.png", "run.png", "logs.png",
        "events.png", "schedules.png", "jobs.png", "cockpit.png", "sign-in.png", "overview-narrow.png",
        "runs-narrow.png", "run-narrow.png"})
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(kScreenshots) / shot)) << shot;
  // The Runs page learned of the new run without a reload: from the live stream (or by polling
  // while it was not yet open).
  std::cerr << "[ runs page: " << json::serialize(report.at("liveMode")) << ", the run's row "
            << json::serialize(report.at("runAppearedAfterMs"))
            << " ms after the call was sent; screenshots in " << kScreenshots << " ]\n";
}

}  // namespace
}  // namespace bbit
