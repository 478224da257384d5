// StaticFiles against a real folder, driven through Exchange objects (no socket): statuses,
// headers, the file slice handed to the connection, conditional and range requests,
// pre-compressed siblings, the SPA fallback, and the traversal catalogue, which must never
// reach a file outside the folder, with openat2 and with the realpath() fallback.
#include "src/http/static_files.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "src/http/conditional.hpp"

namespace bb::http {
namespace {

namespace fs = std::filesystem;
namespace beast_http = boost::beast::http;

constexpr std::string_view kSecret = "TOP SECRET: outside the folder";
constexpr std::int64_t kMtime = 1700000000;  // Tue, 14 Nov 2023 22:13:20 GMT

void write(const fs::path& p, std::string_view content, std::int64_t mtime = kMtime,
           long nsec = 500) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
  timespec times[2] = {{mtime, nsec}, {mtime, nsec}};
  ::utimensat(AT_FDCWD, p.c_str(), times, 0);
}

struct Result {
  bool handled = false;
  int finished = 0;
  int status = 0;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  bool has_file = false;
  std::uint64_t offset = 0, length = 0;
  std::string body;  // the file slice, or body_out
  bool compressible = true;

  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return std::nullopt;
  }
};

Result run(StaticFiles& files, std::string_view target,
           const std::vector<std::pair<std::string, std::string>>& headers = {},
           beast_http::verb method = beast_http::verb::get) {
  Result r;
  Exchange ex([&] { ++r.finished; });
  Exchange::Message m;
  m.method(method);
  m.target(std::string(target));
  for (const auto& [k, v] : headers) m.set(k, v);
  ex.reset(std::move(m), "127.0.0.1");
  r.handled = files.try_handle(ex);
  r.status = ex.status;
  r.content_type = ex.content_type;
  r.headers = ex.response.headers;
  r.compressible = ex.compressible;
  if (ex.file.fd >= 0) {
    r.has_file = true;
    r.offset = ex.file.offset;
    r.length = ex.file.length;
    r.body.resize(static_cast<std::size_t>(r.length));
    ssize_t n = ::pread(ex.file.fd, r.body.data(), r.body.size(), static_cast<off_t>(r.offset));
    r.body.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  } else {
    r.body = ex.body_out;
  }
  return r;
}

// root/site is the folder served; root/secret.txt sits beside it.
class StaticFilesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/bb-static-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    site_ = root_ / "site";
    write(root_ / "secret.txt", kSecret);
    write(site_ / "index.html", "<!doctype html><title>home</title>");
    write(site_ / "app.js", "console.log('app')");
    std::string bytes;
    for (int i = 0; i < 1000; ++i) bytes += static_cast<char>('a' + i % 26);
    write(site_ / "data.bin", bytes);
    write(site_ / "style.css", "body { color: red }");
    write(site_ / "style.css.gz", "GZIP-BYTES", kMtime + 10);
    write(site_ / "style.css.br", "BR-BYTES", kMtime + 10);
    write(site_ / "stale.js", "let fresh = 1", kMtime + 100);
    write(site_ / "stale.js.gz", "OLD-GZIP", kMtime);
    write(site_ / "docs/index.html", "<title>docs</title>");
    fs::create_directories(site_ / "empty");
    write(site_ / "assets/app.123.js", "fingerprinted");
    write(site_ / ".env", "DATABASE_PASSWORD=x");
    write(site_ / ".git/config", "[core]");
    write(site_ / ".well-known/security.txt", "Contact: mailto:security@example.com");
    write(site_ / "%2e%2e", "a file named %2e%2e");
    write(site_ / "a b.txt", "spaced");
    fs::create_symlink("../secret.txt", site_ / "out");
    fs::create_symlink("..", site_ / "up");
    fs::create_symlink("/etc/passwd", site_ / "passwd");
    fs::create_symlink("app.js", site_ / "inside.js");
    ::mkfifo((site_ / "fifo").c_str(), 0600);
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  static StaticFilesOptions options(StaticFilesOptions o = {}) {
    o.dir = site_.string();
    return o;
  }

  static inline fs::path root_, site_;
};

TEST_F(StaticFilesTest, ServesAFileWithItsHeaders) {
  StaticFiles files(options());
  auto r = run(files, "/app.js?v=3");
  ASSERT_TRUE(r.handled);
  EXPECT_EQ(r.finished, 1);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "console.log('app')");
  EXPECT_EQ(r.offset, 0u);
  EXPECT_EQ(r.length, 18u);
  EXPECT_FALSE(r.compressible);
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(r.header("Cache-Control"), "no-cache");
  EXPECT_EQ(r.header("Accept-Ranges"), "bytes");
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.header("Last-Modified"), "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_FALSE(r.header("Vary"));
  auto etag = r.header("ETag");
  ASSERT_TRUE(etag);
  EXPECT_EQ(etag->front(), '"');
  EXPECT_EQ(etag->back(), '"');
  EXPECT_TRUE(etag->starts_with("\"12-"));  // size 18 in hex, then mtime in ns and the inode

  EXPECT_EQ(run(files, "/a%20b.txt").body, "spaced");
  EXPECT_EQ(run(files, "/a%20b.txt").content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(run(files, "/inside.js").body, "console.log('app')");  // a symlink inside the folder
  EXPECT_EQ(run(files, "/.well-known/security.txt").status, 200);
  // Decoded once: "%252e%252e" is the file named "%2e%2e", not "..".
  EXPECT_EQ(run(files, "/%252e%252e").body, "a file named %2e%2e");
}

TEST_F(StaticFilesTest, HeadAnnouncesTheLengthAndTheFileOnlyForGetAndHead) {
  StaticFiles files(options());
  auto r = run(files, "/app.js", {}, beast_http::verb::head);
  ASSERT_TRUE(r.handled);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.length, 18u);  // Content-Length; the connection sends no body for HEAD
  for (auto v : {beast_http::verb::post, beast_http::verb::put, beast_http::verb::delete_,
                 beast_http::verb::options})
    EXPECT_FALSE(run(files, "/app.js", {}, v).handled);
}

TEST_F(StaticFilesTest, FoldersServeTheirIndex) {
  StaticFiles files(options());
  auto root = run(files, "/");
  EXPECT_EQ(root.body, "<!doctype html><title>home</title>");
  EXPECT_EQ(root.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(run(files, "/docs/").body, "<title>docs</title>");
  auto redirect = run(files, "/docs?x=1");
  EXPECT_EQ(redirect.status, 301);
  EXPECT_EQ(redirect.header("Location"), "./docs/?x=1");
  EXPECT_FALSE(redirect.has_file);
  EXPECT_FALSE(run(files, "/empty/").handled);  // no index.html: not served
  EXPECT_FALSE(run(files, "/empty").handled);
  EXPECT_FALSE(run(files, "/app.js/").handled);  // a file is no folder
  EXPECT_FALSE(run(files, "/missing.js").handled);
}

TEST_F(StaticFilesTest, PrefixAndImmutablePaths) {
  StaticFiles files(options({.prefix = "/static/"}));
  EXPECT_EQ(run(files, "/static/app.js").body, "console.log('app')");
  EXPECT_FALSE(run(files, "/app.js").handled);
  EXPECT_FALSE(run(files, "/staticapp.js").handled);
  EXPECT_EQ(run(files, "/static").header("Location"), "./static/");
  EXPECT_EQ(run(files, "/static/").body, "<!doctype html><title>home</title>");
  EXPECT_EQ(run(files, "/static/assets/app.123.js").header("Cache-Control"),
            "public, max-age=31536000, immutable");
  EXPECT_EQ(run(files, "/static/app.js").header("Cache-Control"), "no-cache");

  StaticFiles custom(options({.cache_control = "public, max-age=60", .immutable = {}}));
  EXPECT_EQ(run(custom, "/assets/app.123.js").header("Cache-Control"), "public, max-age=60");
}

TEST_F(StaticFilesTest, ConditionalRequests) {
  StaticFiles files(options());
  const std::string etag = *run(files, "/data.bin").header("ETag");
  const std::string weak = "W/" + etag;
  for (const std::string& inm : {etag, weak, "\"other\", " + etag, std::string("*")}) {
    auto r = run(files, "/data.bin", {{"If-None-Match", inm}});
    EXPECT_EQ(r.status, 304) << inm;
    EXPECT_FALSE(r.has_file);
    EXPECT_EQ(r.header("ETag"), etag);
    EXPECT_TRUE(r.header("Last-Modified"));
    EXPECT_EQ(r.header("Cache-Control"), "no-cache");
  }
  EXPECT_EQ(run(files, "/data.bin", {{"If-None-Match", "\"other\""}}).status, 200);
  EXPECT_EQ(run(files, "/data.bin", {{"If-None-Match", etag}}, beast_http::verb::head).status, 304);

  EXPECT_EQ(
      run(files, "/data.bin", {{"If-Modified-Since", "Tue, 14 Nov 2023 22:13:20 GMT"}}).status,
      304);
  EXPECT_EQ(
      run(files, "/data.bin", {{"If-Modified-Since", "Wed, 15 Nov 2023 00:00:00 GMT"}}).status,
      304);
  EXPECT_EQ(
      run(files, "/data.bin", {{"If-Modified-Since", "Tue, 14 Nov 2023 22:13:19 GMT"}}).status,
      200);
  EXPECT_EQ(run(files, "/data.bin", {{"If-Modified-Since", "yesterday"}}).status, 200);
  // If-None-Match decides alone when present.
  EXPECT_EQ(
      run(files, "/data.bin",
          {{"If-None-Match", "\"other\""}, {"If-Modified-Since", "Wed, 15 Nov 2023 00:00:00 GMT"}})
          .status,
      200);
}

TEST_F(StaticFilesTest, ByteRanges) {
  StaticFiles files(options());
  auto range = [&](std::string spec, std::vector<std::pair<std::string, std::string>> more = {}) {
    more.emplace_back("Range", std::move(spec));
    return run(files, "/data.bin", more);
  };
  auto r = range("bytes=0-9");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.header("Content-Range"), "bytes 0-9/1000");
  EXPECT_EQ(r.offset, 0u);
  EXPECT_EQ(r.length, 10u);
  EXPECT_EQ(r.body, "abcdefghij");
  r = range("bytes=990-");
  EXPECT_EQ(r.header("Content-Range"), "bytes 990-999/1000");
  EXPECT_EQ(r.offset, 990u);
  EXPECT_EQ(r.length, 10u);
  r = range("bytes=-5");
  EXPECT_EQ(r.header("Content-Range"), "bytes 995-999/1000");
  EXPECT_EQ(r.body, std::string("hijkl"));  // 995 % 26 == 7: 'h'
  EXPECT_EQ(range("bytes=-5000").header("Content-Range"), "bytes 0-999/1000");
  EXPECT_EQ(range("bytes=500-99999999999999999999999").header("Content-Range"),
            "bytes 500-999/1000");
  EXPECT_EQ(range("BYTES=1-1").length, 1u);

  for (const char* unsatisfiable :
       {"bytes=1000-", "bytes=5000-6000", "bytes=-0", "bytes=99999999999999999999999-"}) {
    auto u = range(unsatisfiable);
    EXPECT_EQ(u.status, 416) << unsatisfiable;
    EXPECT_EQ(u.header("Content-Range"), "bytes */1000");
    EXPECT_FALSE(u.has_file);
  }
  // Ignored: the whole file, 200.
  for (const char* ignored :
       {"bytes=0-1,5-6", "bytes=x", "bytes=5-1", "items=0-1", "bytes=", "bytes=-", "bytes=1-2-3"}) {
    auto w = range(ignored);
    EXPECT_EQ(w.status, 200) << ignored;
    EXPECT_EQ(w.length, 1000u) << ignored;
    EXPECT_FALSE(w.header("Content-Range"));
  }
  EXPECT_EQ(run(files, "/data.bin", {{"Range", "bytes=0-9"}}, beast_http::verb::head).status, 200);

  auto full = run(files, "/data.bin");
  const std::string etag = *full.header("ETag"), date = *full.header("Last-Modified");
  EXPECT_EQ(range("bytes=0-9", {{"If-Range", etag}}).status, 206);
  EXPECT_EQ(range("bytes=0-9", {{"If-Range", date}}).status, 206);
  EXPECT_EQ(range("bytes=0-9", {{"If-Range", "\"old\""}}).status, 200);
  EXPECT_EQ(range("bytes=0-9", {{"If-Range", "W/" + etag}}).status, 200);  // weak: never
  EXPECT_EQ(range("bytes=0-9", {{"If-Range", "Mon, 01 Jan 2001 00:00:00 GMT"}}).length, 1000u);
}

TEST_F(StaticFilesTest, PrecompressedSiblings) {
  StaticFiles files(options());
  auto br = run(files, "/style.css", {{"Accept-Encoding", "gzip, deflate, br"}});
  EXPECT_EQ(br.body, "BR-BYTES");
  EXPECT_EQ(br.header("Content-Encoding"), "br");
  EXPECT_EQ(br.header("Vary"), "Accept-Encoding");
  EXPECT_EQ(br.content_type, "text/css; charset=utf-8");
  EXPECT_TRUE(br.header("ETag")->ends_with("-br\""));

  auto gz = run(files, "/style.css", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(gz.body, "GZIP-BYTES");
  EXPECT_EQ(gz.header("Content-Encoding"), "gzip");
  EXPECT_TRUE(gz.header("ETag")->ends_with("-gz\""));
  EXPECT_EQ(
      run(files, "/style.css", {{"Accept-Encoding", "gzip"}, {"If-None-Match", *gz.header("ETag")}})
          .status,
      304);

  auto plain = run(files, "/style.css");
  EXPECT_EQ(plain.body, "body { color: red }");
  EXPECT_FALSE(plain.header("Content-Encoding"));
  EXPECT_EQ(run(files, "/style.css", {{"Accept-Encoding", "identity"}}).body,
            "body { color: red }");
  // A range counts bytes of the file itself.
  auto ranged = run(files, "/style.css", {{"Accept-Encoding", "br"}, {"Range", "bytes=0-3"}});
  EXPECT_EQ(ranged.body, "body");
  EXPECT_FALSE(ranged.header("Content-Encoding"));
  // A sibling older than its file is stale.
  auto stale = run(files, "/stale.js", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(stale.body, "let fresh = 1");
  EXPECT_FALSE(stale.header("Content-Encoding"));
}

TEST_F(StaticFilesTest, SpaFallbackForHtmlNavigationsOnly) {
  StaticFiles files(
      options({.spa_fallback = "index.html", .cache_control = "public, max-age=600"}));
  const std::string html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
  auto r = run(files, "/settings/profile", {{"Accept", html}});
  ASSERT_TRUE(r.handled);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<!doctype html><title>home</title>");
  EXPECT_EQ(r.header("Cache-Control"), "no-cache");
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(run(files, "/settings", {{"Accept", html}}, beast_http::verb::head).status, 200);
  EXPECT_FALSE(run(files, "/api/thing", {{"Accept", "application/json"}}).handled);
  EXPECT_FALSE(run(files, "/missing.js", {{"Accept", "*/*"}}).handled);
  EXPECT_FALSE(run(files, "/missing.js").handled);
  EXPECT_FALSE(run(files, "/settings", {{"Accept", html}}, beast_http::verb::post).handled);
  EXPECT_FALSE(run(files, "/.env", {{"Accept", html}}).handled);  // hidden, not a navigation
  // Files that exist keep their own Cache-Control.
  EXPECT_EQ(run(files, "/app.js", {{"Accept", html}}).header("Cache-Control"),
            "public, max-age=600");
}

// Every entry: refused (400), or not handled (the caller's 404), never the secret.
const std::vector<std::string> kCatalogue = {
    "/../secret.txt",
    "/../etc/passwd",
    "/..",
    "/.",
    "/./app.js",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/%2e%2e%2fsecret.txt",
    "/%2e",
    "/%252e%252e/secret.txt",
    "/..%2f..%2fetc%2fpasswd",
    "/..%2fsecret.txt",
    "/..\\..\\etc",
    "/..\\secret.txt",
    "/%5c..%5csecret.txt",
    "/..%5csecret.txt",
    "//etc/passwd",
    "//secret.txt",
    "/a/../../secret.txt",
    "/docs/../../secret.txt",
    "/docs//index.html",
    "/%00",
    "/app.js%00.html",
    "/%00/../secret.txt",
    "/app.js%0a",
    "/out",
    "/up/secret.txt",
    "/up/",
    "/passwd",
    "/.env",
    "/.git/config",
    "/%2eenv",
    "/fifo",
    "/etc/passwd",
    "http://example.com/secret.txt",
    "/" + std::string(300, 'a'),
    "/" + std::string(5000, 'a'),
    [] {
      std::string deep;
      for (int i = 0; i < 2100; ++i) deep += "/a";
      return deep;
    }(),
    [] {
      std::string dots;
      for (int i = 0; i < 50; ++i) dots += "/..";
      return dots + "/etc/passwd";
    }(),
};

void expect_refused(StaticFiles& files,
                    const std::vector<std::pair<std::string, std::string>>& headers,
                    bool fallback) {
  for (const auto& target : kCatalogue) {
    SCOPED_TRACE(target.substr(0, 80));
    auto r = run(files, target, headers);
    EXPECT_EQ(r.body.find(kSecret), std::string::npos);
    EXPECT_EQ(r.body.find("root:"), std::string::npos);
    EXPECT_EQ(r.body.find("DATABASE_PASSWORD"), std::string::npos);
    if (!r.handled) continue;
    EXPECT_EQ(r.finished, 1);
    if (fallback && r.status == 200) {
      EXPECT_EQ(r.body, "<!doctype html><title>home</title>");  // the SPA page, nothing else
    } else {
      EXPECT_EQ(r.status, 400);
      EXPECT_FALSE(r.has_file);
    }
  }
}

TEST_F(StaticFilesTest, TraversalCatalogueIsRefused) {
  StaticFiles files(options());
  expect_refused(files, {}, false);
  EXPECT_EQ(run(files, "/../secret.txt").status, 400);
  EXPECT_EQ(run(files, "/%2e%2e/secret.txt").status, 400);
  EXPECT_EQ(run(files, "/..%2f..%2fetc%2fpasswd").status, 400);
  EXPECT_EQ(run(files, "/%5c..%5csecret.txt").status, 400);
  EXPECT_EQ(run(files, "//etc/passwd").status, 400);
  EXPECT_EQ(run(files, "/a/../../secret.txt").status, 400);
  EXPECT_EQ(run(files, "/app.js%00.html").status, 400);
  EXPECT_EQ(run(files, "/../secret.txt").content_type, "application/problem+json");
  for (const char* absent : {"/out", "/up/secret.txt", "/passwd", "/.env", "/.git/config", "/fifo"})
    EXPECT_FALSE(run(files, absent).handled) << absent;

  StaticFiles spa(options({.spa_fallback = "index.html"}));
  expect_refused(spa, {{"Accept", "text/html"}, {"Accept-Encoding", "gzip, br"}}, true);
  StaticFiles prefixed(options({.prefix = "/static"}));
  expect_refused(prefixed, {}, false);
  for (const char* t : {"/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/out",
                        "/static/up/secret.txt"}) {
    auto r = run(prefixed, t);
    EXPECT_TRUE(!r.handled || r.status == 400) << t;
  }
}

TEST_F(StaticFilesTest, TraversalCatalogueIsRefusedWithoutOpenat2) {
  StaticFiles files(options({.resolve_beneath = false}));
  expect_refused(files, {}, false);
  EXPECT_EQ(run(files, "/app.js").body, "console.log('app')");
  EXPECT_EQ(run(files, "/inside.js").body, "console.log('app')");
  EXPECT_EQ(run(files, "/docs/").body, "<title>docs</title>");
  for (const char* absent : {"/out", "/up/secret.txt", "/passwd", "/fifo"})
    EXPECT_FALSE(run(files, absent).handled) << absent;
}

TEST_F(StaticFilesTest, ConstructionChecksTheFolder) {
  EXPECT_THROW(StaticFiles({.dir = (root_ / "nope").string()}), std::runtime_error);
  try {
    StaticFiles files({.dir = (root_ / "secret.txt").string()});
    ADD_FAILURE() << "a file is not a folder";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("secret.txt"), std::string::npos) << e.what();
  }
  EXPECT_THROW(StaticFiles(options({.spa_fallback = "../secret.txt"})), std::runtime_error);
  EXPECT_THROW(StaticFiles(options({.spa_fallback = "/index.html"})), std::runtime_error);
  StaticFiles relative(options());
  EXPECT_EQ(relative.root(), fs::canonical(site_).string());
}

TEST_F(StaticFilesTest, HandleAnswers404WhenNoFileMatches) {
  StaticFiles files(options());
  Exchange ex([] {});
  Exchange::Message m;
  m.method(beast_http::verb::get);
  m.target("/missing");
  ex.reset(std::move(m), "127.0.0.1");
  files.handle(ex);
  EXPECT_EQ(ex.status, 404);
  EXPECT_EQ(ex.content_type, "application/problem+json");
}

TEST(StaticFilesTypes, ContentTypesAndDates) {
  EXPECT_EQ(content_type_for("a/b/index.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("x.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("x.json"), "application/json");
  EXPECT_EQ(content_type_for("x.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("x.woff2"), "font/woff2");
  EXPECT_EQ(content_type_for("x.wasm"), "application/wasm");
  EXPECT_EQ(content_type_for("x.unknown"), "application/octet-stream");
  EXPECT_EQ(content_type_for("Makefile"), "application/octet-stream");
  EXPECT_EQ(content_type_for("dir.d/file"), "application/octet-stream");

  EXPECT_EQ(http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date(http_date(kMtime)), kMtime);
  EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
  EXPECT_FALSE(parse_http_date(""));
}

TEST(StaticFilesTypes, RangesOfAnEmptyFileAndTagLists) {
  EXPECT_EQ(parse_range("bytes=0-", 0).kind, ByteRange::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-1", 0).kind, ByteRange::unsatisfiable);
  EXPECT_EQ(parse_range(" bytes=2-4 ", 10).first, 2u);
  EXPECT_EQ(parse_range("bytes=2-4", 10).last, 4u);
  EXPECT_EQ(parse_range("bytes=0-0", 1).kind, ByteRange::satisfiable);
  EXPECT_TRUE(if_none_match_hits("W/\"a\" ,\t\"b\"", "\"b\""));
  EXPECT_FALSE(if_none_match_hits("\"a", "\"a\""));
  EXPECT_FALSE(if_none_match_hits("a, \"b\"", "\"b\""));  // malformed: no match
  EXPECT_FALSE(if_none_match_hits("", "\"b\""));
}

}  // namespace
}  // namespace bb::http
