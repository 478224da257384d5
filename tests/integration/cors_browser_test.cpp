// CORS in a real browser: headless Chromium (tests/js/cors_browser.mjs) on a page of one origin
// calls the demo on another with credentials; the listed origin gets through (preflight, cookie,
// CSRF check included), another origin is blocked by the browser and changes nothing.
#include <gtest/gtest.h>

#include "tests/integration/support/auth_client.hpp"
#include "tests/integration/support/demo_server.hpp"

namespace bbit {
namespace {

const std::string kNode = BUNBASE_NODE_BIN;
const std::string kJsDir = BUNBASE_JS_DIR;
const std::string kChromium = "/usr/bin/chromium";

namespace json = boost::json;

TEST(CorsBrowser, TheListedOriginCallsWithCredentialsAndAnotherIsBlocked) {
  ASSERT_TRUE(std::filesystem::exists(kChromium)) << "install Debian's chromium (scripts/setup does)";
  NoDefaultHeaders plain;
  const unsigned short page_port = free_port();
  const std::string page_origin = "http://127.0.0.1:" + std::to_string(page_port);
  DemoServer server({.edit_config = [&](std::string& t) {
                       t += "\n[http.cors]\norigins = [\"" + page_origin + "\"]\ncredentials = true\n";
                     },
                     .sign_in = false});
  Completed c = run_to_end(kNode,
                           {kJsDir + "/cors_browser.mjs", "--api", "http://127.0.0.1:" + std::to_string(server.port()),
                            "--allowed-port", std::to_string(page_port), "--chromium", kChromium},
                           ProcessOptions{.cwd = server.dir().path(), .name = "cors-browser"}, std::chrono::seconds(50));
  ASSERT_EQ(c.code, 0) << "stdout: " << c.out << "\nstderr: " << c.err;
  const json::object report = json::parse(c.out).as_object();

  const auto& allowed = report.at("allowed").as_object();
  EXPECT_EQ(allowed.at("origin"), page_origin.c_str());
  EXPECT_EQ(allowed.at("signUp").at("status"), 202) << c.out;
  EXPECT_EQ(allowed.at("signUp").at("body"), json::parse(R"({"status":"verification_sent"})")) << c.out;
  EXPECT_TRUE(allowed.at("signUp").at("traceparent").is_string()) << "exposed to the page: " << c.out;
  EXPECT_EQ(allowed.at("signIn").at("status"), 200) << c.out;
  EXPECT_EQ(allowed.at("signIn").at("email"), "allowed@example.com") << c.out;
  EXPECT_EQ(allowed.at("me").at("status"), 200) << "the session cookie went along: " << c.out;
  EXPECT_EQ(allowed.at("me").at("email"), "allowed@example.com");
  EXPECT_EQ(allowed.at("ping").at("status"), 200) << c.out;
  EXPECT_EQ(allowed.at("signOut").at("status"), 204) << "the CSRF check accepts the listed origin: " << c.out;
  EXPECT_EQ(allowed.at("meAfter").at("status"), 401) << c.out;

  const auto& denied = report.at("denied").as_object();
  for (const char* call : {"signUp", "signIn", "me", "ping", "signOut"})
    EXPECT_TRUE(denied.at(call).as_object().contains("error")) << call << " must be blocked by the browser: " << c.out;
  Db db(server.db_url());
  EXPECT_EQ(db.query("SELECT id FROM users WHERE email = ?", {"denied@example.com"}).size(), 0u)
      << "the preflight failed, so the POST was never sent";
  EXPECT_EQ(db.query("SELECT id FROM users WHERE email = ?", {"allowed@example.com"}).size(), 1u);
}

}  // namespace
}  // namespace bbit
