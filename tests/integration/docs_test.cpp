// GET /docs: the API reference page, served from the binary (no CDN, no other host), driven in
// Debian's headless Chromium by tests/js/docs_browser.mjs: it lists the demo's operations and a
// "Try it" call succeeds. Screenshots land in <build>/tests/integration/docs-screenshots.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <regex>

#include "tests/integration/support/demo_server.hpp"

namespace bbit {
namespace {

namespace json = boost::json;

const std::string kNode = BUNBASE_NODE_BIN;
const std::string kJsDir = BUNBASE_JS_DIR;
const std::string kChromium = "/usr/bin/chromium";

// Every http(s):// URL in `text` whose host is not the app's own (the page must work offline).
std::vector<std::string> foreign_urls(const std::string& text) {
  static const std::regex url(R"(https?://[^\s"'`)<>]+)");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), url); it != std::sregex_iterator();
       ++it) {
    std::string u = it->str();
    if (u.rfind("http://127.0.0.1", 0) != 0 && u.rfind("http://localhost", 0) != 0)
      out.push_back(u);
  }
  return out;
}

TEST(Docs, ServesThePageAndItsAssetsWithNothingFromAnotherHost) {
  DemoServer server;
  struct Expected {
    std::string path, type;
  };
  for (const auto& [path, type] :
       {Expected{"/docs", "text/html"}, Expected{"/docs/docs.js", "text/javascript"},
        Expected{"/docs/docs.css", "text/css"}}) {
    Response r = http(server.port(), "GET", path);
    EXPECT_EQ(r.status, 200) << path << "\n" << r;
    EXPECT_EQ(r.header("Content-Type").value_or("").rfind(type, 0), 0u) << path << "\n" << r;
    EXPECT_GT(r.body.size(), 200u) << path;
    EXPECT_EQ(foreign_urls(r.body), std::vector<std::string>{}) << path;
    EXPECT_NE(r.header("Content-Security-Policy").value_or("").find("default-src 'self'"),
              std::string::npos)
        << path;
  }
  EXPECT_NE(http(server.port(), "GET", "/docs").body.find("/docs/docs.js"), std::string::npos);
  EXPECT_EQ(http(server.port(), "POST", "/docs", "{}").status, 405);
  EXPECT_EQ(http(server.port(), "GET", "/docs/nothing.js").status, 404);
}

TEST(Docs, ListsTheOperationsAndTryItWorksInHeadlessChromium) {
  ASSERT_TRUE(std::filesystem::exists(kChromium))
      << kChromium
      << " is missing: install Debian's chromium (scripts/setup does) to run this test";
  DemoServer server;
  auto shots = std::filesystem::current_path() / "docs-screenshots";
  std::filesystem::remove_all(shots);
  Completed c = run_to_end(
      kNode,
      {kJsDir + "/docs_browser.mjs", "--url", "http://127.0.0.1:" + std::to_string(server.port()),
       "--out", shots.string(), "--token", server.token(), "--chromium", kChromium},
      ProcessOptions{.cwd = server.dir().path(), .name = "docs-browser"}, std::chrono::seconds(30));
  ASSERT_EQ(c.code, 0) << "stdout: " << c.out << "\nstderr: " << c.err;
  json::object report = json::parse(c.out).as_object();
  EXPECT_EQ(report.at("tryStatus").as_int64(), 200);
  EXPECT_EQ(report.at("getPlan").as_int64(), 200);  // a path parameter from the form
  EXPECT_EQ(report.at("me").as_int64(), 200);       // the bearer token field
  EXPECT_TRUE(report.at("tryBody").is_array() || report.at("tryBody").is_object()) << c.out;
  EXPECT_TRUE(report.at("foreignRequests").as_array().empty()) << c.out;
  EXPECT_TRUE(std::filesystem::exists(shots / "docs.png"));
  EXPECT_TRUE(std::filesystem::exists(shots / "docs-try-it.png"));
  EXPECT_TRUE(std::filesystem::exists(shots / "docs-narrow.png"));
}

}  // namespace
}  // namespace bbit
