// Response compression on the real demo: /openapi.json (a large JSON made per request) fetched
// by curl --compressed and by Node's zlib (tests/js/decode_compressed.mjs) decodes byte for byte
// to the uncompressed body, in gzip and in Brotli; small responses stay as they are, without
// Vary; nothing acceptable (identity;q=0) is answered uncoded, not 406; the dashboard's and the
// /docs page's files come pre-compressed with a per-form ETag and 304; HEAD gets the headers of
// GET; Server-Sent Events are never compressed; [http] compression = false turns it off.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "tests/integration/support/demo_server.hpp"

namespace bbit {
namespace {

namespace json = boost::json;

const std::string kNode = BUNBASE_NODE_BIN;
const std::string kJsDir = BUNBASE_JS_DIR;
const std::string kCurl = "/usr/bin/curl";

struct Fetched {
  std::string headers;  // the raw head, lower-cased
  std::string body;     // as curl decoded it
};

// curl --compressed: libcurl asks for `accept_encoding` (its own list when empty) and decodes.
Fetched curl_compressed(const DemoServer& server, const std::string& path,
                        const std::string& accept_encoding) {
  const auto head = server.dir() / "curl.head", body = server.dir() / "curl.body";
  std::vector<std::string> args = {"-sS", "--compressed", "-D", head.string(), "-o", body.string()};
  if (!accept_encoding.empty())
    args.insert(args.end(), {"-H", "Accept-Encoding: " + accept_encoding});
  args.push_back("http://127.0.0.1:" + std::to_string(server.port()) + path);
  Completed c = run_to_end(kCurl, args, ProcessOptions{.cwd = server.dir().path(), .name = "curl"});
  EXPECT_EQ(c.code, 0) << c.err;
  Fetched f{read_file(head), read_file(body)};
  for (char& ch : f.headers) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return f;
}

// tests/js/decode_compressed.mjs: node:http with `accept`, decoded by node:zlib, compared with
// an identity fetch. Its JSON report.
json::object node_decode(const DemoServer& server, const std::string& path,
                         const std::string& accept) {
  Completed c = run_to_end(
      kNode,
      {kJsDir + "/decode_compressed.mjs", "--url",
       "http://127.0.0.1:" + std::to_string(server.port()) + path, "--accept", accept},
      ProcessOptions{.cwd = server.dir().path(), .name = "decode"}, std::chrono::seconds(30));
  EXPECT_EQ(c.code, 0) << path << " " << accept << "\nstdout: " << c.out << "\nstderr: " << c.err;
  try {
    return json::parse(c.out).as_object();
  } catch (const std::exception&) {
    ADD_FAILURE() << "no JSON from decode_compressed.mjs: " << c.out << c.err;
    return {};
  }
}

std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// "abc" -> "abc-gz": the entity tag of a compressed form.
std::string tagged(const std::string& etag, std::string_view encoding) {
  return etag.substr(0, etag.size() - 1) + (encoding == "gzip" ? "-gz" : "-br") + "\"";
}

ServerOptions anonymous() { return {.sign_in = false}; }

TEST(Compression, OpenApiJsonDecodesByteForByteWithCurlAndNodeZlib) {
  DemoServer server(anonymous());
  Response identity = http(server.port(), "GET", "/openapi.json");
  ASSERT_EQ(identity.status, 200) << identity;
  ASSERT_GT(identity.body.size(), 20000u);
  EXPECT_FALSE(identity.header("Content-Encoding"));
  EXPECT_EQ(identity.header("Vary"), "Accept-Encoding");  // it varies even when sent as it is

  for (std::string encoding : {"gzip", "br"}) {
    // On the wire: smaller, Content-Length counting the coded bytes.
    Response coded =
        http(server.port(), "GET", "/openapi.json", {}, {{"Accept-Encoding", encoding}});
    ASSERT_EQ(coded.status, 200);
    EXPECT_EQ(coded.header("Content-Encoding"), encoding);
    EXPECT_EQ(coded.header("Vary"), "Accept-Encoding");
    EXPECT_EQ(coded.header("Content-Type"), "application/json");
    EXPECT_EQ(coded.header("Content-Length"), std::to_string(coded.body.size()));
    EXPECT_LT(coded.body.size(), identity.body.size() / 4) << encoding;
    std::cout << "[compression] /openapi.json " << identity.body.size() << " bytes, " << encoding
              << " " << coded.body.size() << " bytes\n";

    Fetched f = curl_compressed(server, "/openapi.json", encoding);
    EXPECT_NE(f.headers.find("content-encoding: " + encoding + "\r\n"), std::string::npos)
        << f.headers;
    EXPECT_TRUE(f.body == identity.body) << "curl's " << encoding << " decoding differs";

    json::object report = node_decode(server, "/openapi.json", encoding);
    EXPECT_EQ(str(report, "contentEncoding"), encoding) << report;
    EXPECT_EQ(report["equal"], json::value(true)) << report;
    EXPECT_EQ(report["identityBytes"].to_number<std::size_t>(), identity.body.size()) << report;
  }

  // curl's own list (deflate, gzip, br, zstd): Brotli, the smaller at equal preference.
  Fetched f = curl_compressed(server, "/openapi.json", "");
  EXPECT_NE(f.headers.find("content-encoding: br\r\n"), std::string::npos) << f.headers;
  EXPECT_TRUE(f.body == identity.body);
  // A browser's header; q-values respected.
  json::object browser = node_decode(server, "/openapi.json", "gzip, deflate, br, zstd");
  EXPECT_EQ(str(browser, "contentEncoding"), "br") << browser;
  json::object prefers_gzip = node_decode(server, "/openapi.json", "br;q=0.2, gzip;q=0.9");
  EXPECT_EQ(str(prefers_gzip, "contentEncoding"), "gzip") << prefers_gzip;
  EXPECT_EQ(prefers_gzip["equal"], json::value(true));
}

TEST(Compression, SmallResponsesStayUncompressedWithoutVary) {
  DemoServer server(anonymous());
  const Headers accept = {{"Accept-Encoding", "gzip, deflate, br"}};
  Response health = http(server.port(), "GET", "/healthz", {}, accept);
  EXPECT_EQ(health.status, 200);
  // A small JSON: a problem+json refusal (no token) of a few hundred bytes.
  Response refused = http(server.port(), "GET", "/_cockpit/orgs", {}, accept);
  EXPECT_EQ(refused.status, 401) << refused;
  for (const Response* r : {&health, &refused}) {
    EXPECT_LT(r->body.size(), 1024u) << *r;
    EXPECT_FALSE(r->header("Content-Encoding")) << *r;
    EXPECT_FALSE(r->header("Vary")) << *r;
    EXPECT_EQ(r->header("Content-Length"), std::to_string(r->body.size()));
  }
}

TEST(Compression, NothingAcceptableIsAnsweredUncodedNot406) {
  // RFC 9110 §12.5.3: when no coding the client accepts is available, answer without one. We do
  // that for identity;q=0 too rather than 406, as nginx and Apache do.
  DemoServer server(anonymous());
  Response identity = http(server.port(), "GET", "/openapi.json");
  for (std::string accept :
       {"identity;q=0", "identity;q=0, *;q=0", "gzip;q=0, br;q=0", "deflate, zstd", ""}) {
    Response r = http(server.port(), "GET", "/openapi.json", {}, {{"Accept-Encoding", accept}});
    EXPECT_EQ(r.status, 200) << accept;
    EXPECT_FALSE(r.header("Content-Encoding")) << accept;
    EXPECT_EQ(r.header("Vary"), "Accept-Encoding") << accept;
    EXPECT_TRUE(r.body == identity.body) << accept;
  }
  // identity refused but gzip accepted: gzip.
  Response gz = http(server.port(), "GET", "/openapi.json", {},
                     {{"Accept-Encoding", "identity;q=0, gzip;q=0.5"}});
  EXPECT_EQ(gz.header("Content-Encoding"), "gzip");
}

TEST(Compression, DashboardAndDocsFilesArePrecompressedWithPerFormEtags) {
  DemoServer server(anonymous());
  for (std::string path : {"/_admin/admin.css", "/_admin/run.js", "/_admin/app.js", "/docs/docs.js",
                           "/docs/docs.css"}) {
    Response identity = http(server.port(), "GET", path);
    ASSERT_EQ(identity.status, 200) << path << "\n" << identity;
    ASSERT_GE(identity.body.size(), 1024u) << path;
    EXPECT_FALSE(identity.header("Content-Encoding")) << path;
    EXPECT_EQ(identity.header("Vary"), "Accept-Encoding") << path;
    const std::string etag = identity.header("ETag").value_or("");
    ASSERT_EQ(etag.size(), 18u) << path << " " << etag;  // "<16 hex digits>"

    for (std::string encoding : {"gzip", "br"}) {
      const Headers accept = {{"Accept-Encoding", encoding}};
      Response coded = http(server.port(), "GET", path, {}, accept);
      EXPECT_EQ(coded.status, 200) << path;
      EXPECT_EQ(coded.header("Content-Encoding"), encoding) << path;
      EXPECT_EQ(coded.header("ETag"), tagged(etag, encoding)) << path;
      EXPECT_LT(coded.body.size(), identity.body.size()) << path;
      EXPECT_EQ(coded.header("Cache-Control"), "no-cache") << path;
      std::cout << "[compression] " << path << " " << identity.body.size() << " bytes, " << encoding
                << " " << coded.body.size() << " bytes (build time)\n";

      json::object report = node_decode(server, path, encoding);
      EXPECT_EQ(str(report, "contentEncoding"), encoding) << path << report;
      EXPECT_EQ(report["equal"], json::value(true)) << path << report;
      Fetched f = curl_compressed(server, path, encoding);
      EXPECT_TRUE(f.body == identity.body) << path << " " << encoding;

      // Revalidation with the form's tag, or any other form's: 304 naming the form this
      // request would get, with Vary and no body.
      for (const std::string& known :
           {tagged(etag, encoding), etag, tagged(etag, encoding == "br" ? "gzip" : "br")}) {
        Response again = http(server.port(), "GET", path, {},
                              {{"Accept-Encoding", encoding}, {"If-None-Match", known}});
        EXPECT_EQ(again.status, 304) << path << " " << known << "\n" << again;
        EXPECT_EQ(again.header("ETag"), tagged(etag, encoding)) << path;
        EXPECT_EQ(again.header("Vary"), "Accept-Encoding") << path;
        EXPECT_FALSE(again.header("Content-Encoding")) << path;
        EXPECT_TRUE(again.body.empty());
      }
    }
    Response not_modified = http(server.port(), "GET", path, {}, {{"If-None-Match", etag}});
    EXPECT_EQ(not_modified.status, 304) << path;
    EXPECT_EQ(not_modified.header("ETag"), etag) << path;
    EXPECT_EQ(
        http(server.port(), "GET", path, {}, {{"If-None-Match", "\"0000000000000000\""}}).status,
        200);
  }
  // /docs itself is under the threshold: sent as it is, without Vary, but with its ETag and 304.
  Response page = http(server.port(), "GET", "/docs", {}, {{"Accept-Encoding", "gzip, br"}});
  ASSERT_EQ(page.status, 200);
  EXPECT_LT(page.body.size(), 1024u);
  EXPECT_FALSE(page.header("Content-Encoding"));
  ASSERT_TRUE(page.header("ETag"));
  EXPECT_EQ(
      http(server.port(), "GET", "/docs", {}, {{"If-None-Match", *page.header("ETag")}}).status,
      304);
}

TEST(Compression, HeadCarriesTheHeadersOfGetWithoutABody) {
  DemoServer server(anonymous());
  for (std::string path : {"/openapi.json", "/_admin/admin.css", "/docs/docs.js"}) {
    for (std::string encoding : {"gzip", "br", "identity"}) {
      Connection c(server.port());
      const Headers accept = {{"Accept-Encoding", encoding}};
      Response get = c.request("GET", path, {}, accept);
      Response head = c.request("HEAD", path, {}, accept);
      EXPECT_EQ(head.status, 200) << path;
      for (std::string_view h :
           {"Content-Encoding", "Content-Length", "Content-Type", "Vary", "ETag"})
        EXPECT_EQ(head.header(h), get.header(h)) << path << " " << encoding << " " << h;
      EXPECT_TRUE(head.body.empty());
      // No body bytes followed the HEAD: the next response on the connection parses.
      EXPECT_TRUE(c.pending().empty()) << path;
      EXPECT_EQ(c.request("GET", "/healthz").status, 200) << path;
    }
  }
}

TEST(Compression, ServerSentEventsAreNeverCompressed) {
  DemoServer server(anonymous());
  Connection c(server.port());
  ASSERT_TRUE(c.send_raw(
      Connection::build_request("GET", "/_admin/api/live", {}, {{"Accept-Encoding", "gzip, br"}})));
  c.closed_by_peer(std::chrono::milliseconds(500));  // reads what arrives meanwhile
  std::string head = c.pending().substr(0, c.pending().find("\r\n\r\n"));
  for (char& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  ASSERT_NE(head.find("content-type: text/event-stream"), std::string::npos) << head;
  EXPECT_EQ(head.find("content-encoding"), std::string::npos) << head;
  EXPECT_NE(c.pending().find("retry: 2000"), std::string::npos) << c.pending();
}

TEST(Compression, ConfiguredOff) {
  ServerOptions o = anonymous();
  o.edit_config = [](std::string& config) {
    const std::string table = "[http]\n";
    config.insert(config.find(table) + table.size(), "compression = false\n");
  };
  DemoServer server(o);
  Response r = http(server.port(), "GET", "/openapi.json", {}, {{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.header("Content-Encoding"));
  EXPECT_FALSE(r.header("Vary"));
  Response css =
      http(server.port(), "GET", "/_admin/admin.css", {}, {{"Accept-Encoding", "gzip, br"}});
  EXPECT_FALSE(css.header("Content-Encoding"));
}

}  // namespace
}  // namespace bbit
