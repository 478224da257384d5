// [http.static] in the real saas-demo over sockets: files with their headers (a large one in
// pieces), 304, byte ranges (206, 416), pre-compressed siblings, the SPA fallback, action routes
// winning over files, and the traversal catalogue sent byte for byte (no client normalises
// "..") never returning a file outside the folder.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/support/demo_server.hpp"

namespace bbit {
namespace {

namespace fs = std::filesystem;

const std::string kSecret = "TOP SECRET: beside the folder, never served";
const std::string kIndex = "<!doctype html><title>spa</title><div id=app></div>";

void write_file(const fs::path& p, std::string_view content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

// The site is written before the server starts (a missing folder stops it at start-up).
struct Site {
  TempDir dir;
  fs::path public_dir = dir / "public";
  std::string big;

  Site() {
    write_file(dir / "secret.txt", kSecret);
    write_file(public_dir / "index.html", kIndex);
    write_file(public_dir / "hello.txt", "hello, static world\n");
    write_file(public_dir / "docs/index.html", "<title>docs</title>");
    for (int i = 0; big.size() < 300 * 1024; ++i) big += "line " + std::to_string(i) + "\n";
    write_file(public_dir / "assets/big.bin", big);
    write_file(public_dir / "app.js", "console.log('plain')");
    write_file(public_dir / "app.js.gz", "pretend gzip bytes");  // written after: not older
    write_file(public_dir / ".env", kSecret);
    // A file of the same path as the demo's routes: the routes win.
    write_file(public_dir / "users", "the users FILE");
    write_file(public_dir / "healthz", "the healthz FILE");
    write_file(public_dir / "auth/sign-up", "the sign-up FILE");
    fs::create_symlink(dir / "secret.txt", public_dir / "out.txt");
    fs::create_symlink("..", public_dir / "up");
  }
};

class StaticFiles : public ::testing::Test {
 protected:
  StaticFiles()
      : server({.edit_config = [this](std::string& toml) {
          toml += "\n[http.static]\ndir = \"" + site.public_dir.string() +
                  "\"\nspa_fallback = \"index.html\"\nimmutable = [\"/assets/\"]\n";
        }}) {}

  // The request exactly as given, on a fresh connection.
  std::optional<Response> raw(const std::string& target, std::string_view extra_headers = "") {
    Connection c(server.port());
    if (!c.send_raw("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                    std::string(extra_headers) + "\r\n"))
      return std::nullopt;
    return c.read_response();
  }

  Site site;
  DemoServer server;
};

TEST_F(StaticFiles, ServesAFileWithItsHeaders) {
  Response r = http(server.port(), "GET", "/hello.txt");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.body, "hello, static world\n");
  EXPECT_EQ(r.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.header("content-length"), "20");
  EXPECT_EQ(r.header("cache-control"), "no-cache");
  EXPECT_EQ(r.header("accept-ranges"), "bytes");
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
  EXPECT_TRUE(r.header("etag"));
  EXPECT_TRUE(r.header("last-modified"));
  EXPECT_FALSE(r.header("content-encoding"));

  Connection c(server.port());
  Response head = c.request("HEAD", "/hello.txt");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), "20");
  EXPECT_EQ(head.body, "");
  // Larger than the connection's 64 KiB pieces, on the same keep-alive connection.
  Response big = c.request("GET", "/assets/big.bin");
  ASSERT_EQ(big.status, 200);
  EXPECT_EQ(big.body.size(), site.big.size());
  EXPECT_TRUE(big.body == site.big);
  EXPECT_EQ(big.header("content-type"), "application/octet-stream");
  EXPECT_EQ(big.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(c.request("GET", "/docs/").body, "<title>docs</title>");
  EXPECT_EQ(c.request("GET", "/").body, kIndex);
}

TEST_F(StaticFiles, ConditionalAndRangeRequests) {
  Connection c(server.port());
  Response first = c.request("GET", "/assets/big.bin");
  const std::string etag = *first.header("etag");
  Response not_modified = c.request("GET", "/assets/big.bin", {}, {{"If-None-Match", etag}});
  EXPECT_EQ(not_modified.status, 304) << not_modified;
  EXPECT_EQ(not_modified.body, "");
  EXPECT_EQ(not_modified.header("etag"), etag);
  EXPECT_EQ(c.request("GET", "/assets/big.bin", {}, {{"If-None-Match", "\"stale\""}}).status, 200);
  EXPECT_EQ(c.request("GET", "/assets/big.bin", {},
                      {{"If-Modified-Since", *first.header("last-modified")}})
                .status,
            304);

  Response part = c.request("GET", "/assets/big.bin", {}, {{"Range", "bytes=70000-70099"}});
  EXPECT_EQ(part.status, 206) << part;
  EXPECT_EQ(part.header("content-range"), "bytes 70000-70099/" + std::to_string(site.big.size()));
  EXPECT_EQ(part.header("content-length"), "100");
  EXPECT_EQ(part.body, site.big.substr(70000, 100));
  Response tail = c.request("GET", "/assets/big.bin", {}, {{"Range", "bytes=-17"}});
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, site.big.substr(site.big.size() - 17));
  Response beyond = c.request("GET", "/assets/big.bin", {}, {{"Range", "bytes=999999999-"}});
  EXPECT_EQ(beyond.status, 416) << beyond;
  EXPECT_EQ(beyond.header("content-range"), "bytes */" + std::to_string(site.big.size()));
  Response stale_if_range =
      c.request("GET", "/assets/big.bin", {}, {{"Range", "bytes=0-9"}, {"If-Range", "\"stale\""}});
  EXPECT_EQ(stale_if_range.status, 200);
  EXPECT_EQ(stale_if_range.body.size(), site.big.size());
  EXPECT_EQ(c.request("GET", "/hello.txt").body,
            "hello, static world\n");  // the connection goes on
}

TEST_F(StaticFiles, PrecompressedSibling) {
  Response gz = http(server.port(), "GET", "/app.js", {}, {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(gz.status, 200);
  EXPECT_EQ(gz.body, "pretend gzip bytes");
  EXPECT_EQ(gz.header("content-encoding"), "gzip");
  EXPECT_EQ(gz.header("vary"), "Accept-Encoding");
  EXPECT_EQ(gz.header("content-type"), "text/javascript; charset=utf-8");
  Response plain = http(server.port(), "GET", "/app.js");
  EXPECT_EQ(plain.body, "console.log('plain')");
  EXPECT_FALSE(plain.header("content-encoding"));
}

TEST_F(StaticFiles, SpaFallbackForHtmlNavigations) {
  Response nav = http(server.port(), "GET", "/settings/profile", {},
                      {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}});
  EXPECT_EQ(nav.status, 200) << nav;
  EXPECT_EQ(nav.body, kIndex);
  EXPECT_EQ(nav.header("cache-control"), "no-cache");
  Response api =
      http(server.port(), "GET", "/settings/profile", {}, {{"Accept", "application/json"}});
  EXPECT_EQ(api.status, 404) << api;
  EXPECT_EQ(http(server.port(), "GET", "/missing.js", {}, {{"Accept", "*/*"}}).status, 404);
  EXPECT_EQ(
      http(server.port(), "POST", "/settings/profile", "{}", {{"Accept", "text/html"}}).status,
      404);
}

TEST_F(StaticFiles, ActionRoutesWinOverFiles) {
  for (const char* accept : {"application/json", "text/html"}) {
    Response users = http(server.port(), "GET", "/users", {}, {{"Accept", accept}});
    EXPECT_EQ(users.status, 200) << users;
    EXPECT_TRUE(users.json().is_object()) << users;
    EXPECT_EQ(users.body.find("FILE"), std::string::npos);
    Response health = http(server.port(), "GET", "/healthz", {}, {{"Accept", accept}});
    EXPECT_EQ(health.body, R"({"status":"ok"})");
    // POST-only route: a GET is the route's 405, not the file of that path.
    Response sign_up = http(server.port(), "GET", "/auth/sign-up", {}, {{"Accept", accept}});
    EXPECT_EQ(sign_up.body.find("FILE"), std::string::npos) << sign_up;
    EXPECT_NE(sign_up.status, 200) << sign_up;
  }
  Response signed_up =
      http(server.port(), "POST", "/auth/sign-up",
           R"({"email":"second@example.com","password":"correct horse","name":"Second"})");
  EXPECT_EQ(signed_up.status, 202) << signed_up;
}

TEST_F(StaticFiles, TraversalCatalogueNeverLeavesTheFolder) {
  std::vector<std::string> catalogue = {
      "/../secret.txt",
      "/../../../../etc/passwd",
      "/..",
      "/%2e%2e/secret.txt",
      "/%2E%2E/secret.txt",
      "/%2e%2e%2fsecret.txt",
      "/%252e%252e/secret.txt",
      "/%252e%252e%252fsecret.txt",
      "/..%2fsecret.txt",
      "/..%2f..%2fetc%2fpasswd",
      "/..\\secret.txt",
      "/..\\..\\etc\\passwd",
      "/%5c..%5csecret.txt",
      "/..%5csecret.txt",
      "//etc/passwd",
      "//" + site.dir.path().string().substr(1) + "/secret.txt",
      site.dir.path().string() + "/secret.txt",
      "/docs/../../secret.txt",
      "/a/../../secret.txt",
      "/./../secret.txt",
      "/%00",
      "/hello.txt%00.html",
      "/%00/../secret.txt",
      "/out.txt",
      "/up/secret.txt",
      "/up/",
      "/.env",
      "/%2eenv",
      "/.%2e/secret.txt",
      "/%2e./secret.txt",
      "/" + std::string(5000, 'a'),
      "http://127.0.0.1/../secret.txt",
      "*",
      "../secret.txt",
      "secret.txt",
  };
  std::string dots;
  for (int i = 0; i < 40; ++i) dots += "/..";
  catalogue.push_back(dots + site.dir.path().string() + "/secret.txt");

  for (const auto& target : catalogue) {
    for (std::string_view accept : {"", "Accept: text/html\r\nAccept-Encoding: gzip, br\r\n"}) {
      SCOPED_TRACE(target.substr(0, 100) + (accept.empty() ? "" : " (Accept: text/html)"));
      auto r = raw(target, accept);
      if (!r) continue;  // the connection was closed: nothing served either
      EXPECT_EQ(r->body.find("TOP SECRET"), std::string::npos) << *r;
      EXPECT_EQ(r->body.find("root:"), std::string::npos) << *r;
      if (r->status == 200)
        EXPECT_EQ(r->body, kIndex) << "only the SPA page may answer 200";
      else
        EXPECT_TRUE(r->status == 400 || r->status == 404 || r->status == 431)
            << *r;  // 431: a long line
    }
  }
  EXPECT_TRUE(server.healthy());
}

}  // namespace
}  // namespace bbit
