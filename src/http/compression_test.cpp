#include "src/http/compression.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "src/http/embedded_asset.hpp"
#include "src/http/exchange.hpp"

namespace bb::http {
namespace {

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(byte(gen));
  return s;
}

// A JSON array of objects, ~`n` bytes: repetitive like real API responses.
std::string json_body(std::size_t n) {
  std::string s = "[";
  for (int i = 0; s.size() < n; ++i)
    s += (i ? "," : "") + std::string(R"({"id":)") + std::to_string(i) + R"(,"name":"user )" +
         std::to_string(i * 7919 % 1000) + R"(","email":"u)" + std::to_string(i) +
         R"(@example.com","active":true})";
  return s + "]";
}

std::optional<std::string> response_header(const Exchange& ex, std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [n, v] : ex.response.headers)
    if (n == name) found = v;
  return found;
}

// --- negotiate

struct Case {
  std::string_view accept_encoding;
  Encoding expected;
  bool allow_br = true;
};

TEST(CompressionNegotiate, Catalogue) {
  const std::vector<Case> cases = {
      {"", Encoding::identity},
      {"gzip", Encoding::gzip},
      {"br", Encoding::br},
      {"gzip, deflate, br", Encoding::br},  // browsers: br wins at equal q
      {"gzip, deflate, br, zstd", Encoding::br},
      {"br;q=0.5, gzip", Encoding::gzip},
      {"gzip;q=0.8, br;q=0.9", Encoding::br},
      {"gzip;q=1.0, br;q=0.999", Encoding::gzip},
      {"gzip;q=0", Encoding::identity},
      {"gzip;q=0, br;q=0", Encoding::identity},
      {"gzip;q=0.000", Encoding::identity},
      {"*", Encoding::br},
      {"*;q=0", Encoding::identity},
      {"*, br;q=0", Encoding::gzip},
      {"*;q=0.5, gzip", Encoding::gzip},
      {"*, gzip;q=0", Encoding::br},
      {"identity", Encoding::identity},
      {"identity;q=0", Encoding::identity},  // nothing acceptable: answered as identity
      {"identity;q=0, *;q=0", Encoding::identity},
      {"identity;q=0, gzip", Encoding::gzip},
      {"gzip;q=0.5, identity", Encoding::identity},  // the client prefers no coding
      {"gzip;q=0.5, identity;q=0.5", Encoding::gzip},
      {"deflate", Encoding::identity},
      {"compress, deflate", Encoding::identity},
      {"x-gzip", Encoding::gzip},
      {"GZIP", Encoding::gzip},
      {"Br", Encoding::br},
      {"gZiP;Q=0.7", Encoding::gzip},
      {" \tgzip ; q=0.5 ,\tbr ; q = 0.4 ", Encoding::gzip},
      {"gzip,,br", Encoding::br},
      {",,,", Encoding::identity},
      {";;;", Encoding::identity},
      {"gzip;q=", Encoding::identity},  // malformed q: the item is dropped
      {"gzip;q=2", Encoding::identity},
      {"gzip;q=1.5", Encoding::identity},
      {"gzip;q=0.1234", Encoding::identity},
      {"gzip;q=abc, br;q=0.1", Encoding::br},
      {"gzip;q=-1", Encoding::identity},
      {"gzip;level=9", Encoding::gzip},  // other parameters are ignored
      {"gzip;q=0.5;foo=bar", Encoding::gzip},
      {"gzipx, brotli, gz", Encoding::identity},
      {"\x01\xff garbage ;;q=,", Encoding::identity},
      {"br", Encoding::identity, false},
      {"gzip, br", Encoding::gzip, false},
      {"*", Encoding::gzip, false},
  };
  for (const Case& c : cases)
    EXPECT_EQ(negotiate(c.accept_encoding, c.allow_br), c.expected)
        << "Accept-Encoding: " << c.accept_encoding << (c.allow_br ? "" : " (no br)");
}

TEST(CompressionTypes, CompressibleOrNot) {
  for (std::string_view t :
       {"application/json", "application/json; charset=utf-8", "application/problem+json",
        "Application/JSON", "text/html; charset=utf-8", "text/css", "text/javascript",
        "application/javascript", "image/svg+xml", "application/xml", "text/plain",
        "application/vnd.api+json", " text/csv "})
    EXPECT_TRUE(compressible_type(t)) << t;
  for (std::string_view t : {"text/event-stream", "Text/Event-Stream; charset=utf-8", "image/png",
                             "image/jpeg", "application/octet-stream", "application/zip",
                             "application/gzip", "font/woff2", "video/mp4", "", "json"})
    EXPECT_FALSE(compressible_type(t)) << t;
}

// --- codecs

TEST(CompressionCodecs, RoundTrips) {
  std::vector<std::string> inputs = {"", "a", json_body(30), json_body(20000),
                                     std::string(100000, 'x')};
  for (std::size_t n : {1u, 100u, 4096u, 100000u})
    inputs.push_back(random_bytes(n, static_cast<unsigned>(n)));
  for (const std::string& in : inputs) {
    for (int level : {1, 6, 9}) {
      const std::string gz = gzip_encode(in, level);
      ASSERT_GE(gz.size(), 18u);  // header and trailer
      EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);
      EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
      EXPECT_EQ(gzip_decode(gz), in) << "gzip level " << level << ", " << in.size() << " bytes";
    }
    for (int quality : {0, 4, 11}) {
      const std::string br = brotli_encode(in, quality);
      EXPECT_FALSE(br.empty());
      EXPECT_EQ(brotli_decode(br), in)
          << "brotli quality " << quality << ", " << in.size() << " bytes";
    }
  }
  const std::string json = json_body(20000);
  EXPECT_LT(gzip_encode(json).size(), json.size() / 4);
  EXPECT_LT(brotli_encode(json).size(), json.size() / 4);
}

TEST(CompressionCodecs, DecodersRefuseBrokenStreams) {
  const std::string json = json_body(5000);
  const std::string gz = gzip_encode(json), br = brotli_encode(json);
  EXPECT_FALSE(gzip_decode(""));
  EXPECT_FALSE(gzip_decode("not gzip at all"));
  EXPECT_FALSE(gzip_decode(gz.substr(0, gz.size() / 2)));  // truncated
  EXPECT_FALSE(gzip_decode(gz + "trailing"));
  EXPECT_FALSE(gzip_decode(gz, json.size() - 1));  // over the limit
  EXPECT_EQ(gzip_decode(gz, json.size()), json);
  EXPECT_FALSE(brotli_decode(""));
  EXPECT_FALSE(brotli_decode(br.substr(0, br.size() / 2)));
  EXPECT_FALSE(brotli_decode(br + "trailing"));
  EXPECT_FALSE(brotli_decode(br, json.size() - 1));
  EXPECT_EQ(brotli_decode(br, json.size()), json);
  std::string corrupt = gz;
  corrupt[corrupt.size() - 5] ^= 0x55;  // the CRC
  EXPECT_FALSE(gzip_decode(corrupt));
}

// --- Exchange::prepare_body

class CompressionExchange : public ::testing::Test {
 protected:
  Exchange ex{[] {}};
  CompressionOptions opts;
  void SetUp() override { ex.configure(nullptr, &opts); }
  void accept(std::string_view v) { ex.message().set("Accept-Encoding", v); }
};

TEST_F(CompressionExchange, SmallBodyIsUntouchedWithoutVary) {
  accept("gzip, br");
  ex.body_out = R"({"message":"hello, world"})";
  ex.finish();
  EXPECT_EQ(ex.body_to_send(), R"({"message":"hello, world"})");
  EXPECT_FALSE(response_header(ex, "Content-Encoding"));
  EXPECT_FALSE(response_header(ex, "Vary"));
}

TEST_F(CompressionExchange, LargeJsonGzip) {
  const std::string json = json_body(20000);
  accept("gzip");
  ex.body_out = json;
  ex.finish();
  EXPECT_EQ(response_header(ex, "Content-Encoding"), "gzip");
  EXPECT_EQ(response_header(ex, "Vary"), "Accept-Encoding");
  EXPECT_LT(ex.body_to_send().size(), json.size() / 4);
  EXPECT_EQ(gzip_decode(ex.body_to_send()), json);
}

TEST_F(CompressionExchange, LargeJsonBrotliForBrowsers) {
  const std::string json = json_body(20000);
  accept("gzip, deflate, br, zstd");
  ex.content_type = "application/problem+json";
  ex.status = 422;
  ex.body_out = json;
  ex.finish();
  EXPECT_EQ(response_header(ex, "Content-Encoding"), "br");
  EXPECT_EQ(brotli_decode(ex.body_to_send()), json);
}

TEST_F(CompressionExchange, NoAcceptEncodingIsIdentityWithVary) {
  const std::string json = json_body(5000);
  ex.body_out = json;
  ex.finish();
  EXPECT_EQ(ex.body_to_send(), json);
  EXPECT_FALSE(response_header(ex, "Content-Encoding"));
  EXPECT_EQ(response_header(ex, "Vary"), "Accept-Encoding");
}

TEST_F(CompressionExchange, NothingAcceptableIsAnsweredAsIdentity) {
  // identity;q=0 with no other coding: RFC 9110 §12.5.3 prefers an uncoded answer to a 406.
  const std::string json = json_body(5000);
  accept("identity;q=0");
  ex.body_out = json;
  ex.finish();
  EXPECT_EQ(ex.status, 200);
  EXPECT_EQ(ex.body_to_send(), json);
  EXPECT_FALSE(response_header(ex, "Content-Encoding"));
  EXPECT_EQ(response_header(ex, "Vary"), "Accept-Encoding");
}

TEST_F(CompressionExchange, IdentityRefusedButGzipAccepted) {
  const std::string json = json_body(5000);
  accept("identity;q=0, gzip;q=0.5");
  ex.body_out = json;
  ex.finish();
  EXPECT_EQ(response_header(ex, "Content-Encoding"), "gzip");
  EXPECT_EQ(gzip_decode(ex.body_to_send()), json);
}

const std::string& static_identity() {
  static const std::string s = json_body(8000);
  return s;
}
const std::string& static_gzip() {
  static const std::string s = gzip_encode(static_identity(), 9);
  return s;
}
const std::string& static_br() {
  static const std::string s = brotli_encode(static_identity(), 11);
  return s;
}

TEST_F(CompressionExchange, StaticBodyVariantsAreSentWithoutCopy) {
  struct Pick {
    std::string_view accept;
    const std::string* expected;
    std::optional<std::string> encoding;
  };
  for (const Pick& p : {Pick{"br, gzip", &static_br(), "br"}, Pick{"gzip", &static_gzip(), "gzip"},
                        Pick{"", &static_identity(), std::nullopt},
                        Pick{"deflate", &static_identity(), std::nullopt}}) {
    Exchange e{[] {}};
    e.configure(nullptr, &opts);
    if (!p.accept.empty()) e.message().set("Accept-Encoding", p.accept);
    e.content_type = "text/javascript; charset=utf-8";
    e.static_body = Exchange::StaticBody{static_identity(), static_gzip(), static_br()};
    e.finish();
    EXPECT_EQ(e.body_to_send().data(), p.expected->data())
        << p.accept;  // the same bytes, not a copy
    EXPECT_EQ(e.body_to_send().size(), p.expected->size()) << p.accept;
    EXPECT_TRUE(e.body_out.empty());
    EXPECT_EQ(response_header(e, "Content-Encoding"), p.encoding) << p.accept;
    EXPECT_EQ(response_header(e, "Vary"), "Accept-Encoding") << p.accept;
  }
}

TEST_F(CompressionExchange, StaticBodyWithoutTheAcceptedVariantIsIdentity) {
  accept("br");
  ex.content_type = "text/css";
  ex.static_body = Exchange::StaticBody{static_identity(), static_gzip(), {}};
  ex.finish();
  EXPECT_EQ(ex.body_to_send().data(), static_identity().data());
  EXPECT_FALSE(response_header(ex, "Content-Encoding"));
}

TEST_F(CompressionExchange, StaticBodyWithoutVariantsIsCompressedPerRequest) {
  accept("gzip");
  ex.content_type = "text/css";
  ex.static_body = Exchange::StaticBody{static_identity(), {}, {}};
  ex.finish();
  EXPECT_EQ(response_header(ex, "Content-Encoding"), "gzip");
  EXPECT_EQ(gzip_decode(ex.body_to_send()), static_identity());
}

TEST_F(CompressionExchange, EtagNamesTheSentForm) {
  for (auto [accept_encoding, etag] :
       {std::pair{"gzip", "\"abc-gz\""}, std::pair{"br", "\"abc-br\""}, std::pair{"", "\"abc\""}}) {
    Exchange e{[] {}};
    e.configure(nullptr, &opts);
    e.message().set("Accept-Encoding", accept_encoding);
    e.response.set_header("ETag", "\"abc\"");
    e.static_body = Exchange::StaticBody{static_identity(), static_gzip(), static_br()};
    e.finish();
    EXPECT_EQ(response_header(e, "ETag"), etag) << accept_encoding;
  }
}

TEST_F(CompressionExchange, NotModifiedCarriesVaryAndTheFormsEtagButNoEncoding) {
  accept("gzip");
  ex.status = 304;
  ex.response.set_header("ETag", "\"abc\"");
  ex.static_body = Exchange::StaticBody{static_identity(), static_gzip(), static_br()};
  ex.finish();
  EXPECT_EQ(response_header(ex, "ETag"), "\"abc-gz\"");
  EXPECT_EQ(response_header(ex, "Vary"), "Accept-Encoding");
  EXPECT_FALSE(response_header(ex, "Content-Encoding"));
}

TEST_F(CompressionExchange, NotCompressed) {
  const std::string json = json_body(5000);
  struct Setup {
    const char* what;
    void (*apply)(Exchange&);
    bool vary;
  };
  const Setup setups[] = {
      {"compressible = false", [](Exchange& e) { e.compressible = false; }, false},
      {"event stream", [](Exchange& e) { e.content_type = "text/event-stream"; }, false},
      {"png", [](Exchange& e) { e.content_type = "image/png"; }, false},
      {"204", [](Exchange& e) { e.status = 204; }, false},
      {"206", [](Exchange& e) { e.status = 206; }, false},
      {"304 of a dynamic body", [](Exchange& e) { e.response.status = 304; }, false},
      {"101", [](Exchange& e) { e.status = 101; }, false},
      {"Content-Encoding set",
       [](Exchange& e) { e.response.set_header("content-encoding", "zstd"); }, false},
      {"Range requested", [](Exchange& e) { e.message().set("Range", "bytes=0-10"); }, true},
  };
  for (const Setup& s : setups) {
    Exchange e{[] {}};
    e.configure(nullptr, &opts);
    e.message().set("Accept-Encoding", "gzip, br");
    e.body_out = json;
    s.apply(e);
    e.finish();
    EXPECT_EQ(e.body_to_send(), json) << s.what;
    const auto ce = response_header(e, "Content-Encoding");
    EXPECT_TRUE(!ce || *ce == "zstd") << s.what;
    EXPECT_EQ(response_header(e, "Vary").has_value(), s.vary) << s.what;
  }
}

TEST_F(CompressionExchange, FileBodyIsNeverCompressed) {
  accept("gzip");
  ex.content_type = "text/html";
  ex.body_out = json_body(5000);
  ex.file.fd = ::open("/dev/null", O_RDONLY);  // the exchange closes it
  ASSERT_GE(ex.file.fd, 0);
  ex.file.length = 5000;
  ex.finish();
  EXPECT_FALSE(response_header(ex, "Content-Encoding"));
  EXPECT_FALSE(response_header(ex, "Vary"));
}

TEST_F(CompressionExchange, DisabledOrUnconfigured) {
  const std::string json = json_body(5000);
  opts.enabled = false;
  accept("gzip");
  ex.body_out = json;
  ex.finish();
  EXPECT_EQ(ex.body_to_send(), json);
  EXPECT_FALSE(response_header(ex, "Vary"));

  Exchange bare{[] {}};  // no options at all (a test double)
  bare.message().set("Accept-Encoding", "gzip");
  bare.body_out = json;
  bare.finish();
  EXPECT_EQ(bare.body_to_send(), json);
}

TEST_F(CompressionExchange, ThresholdIsInclusiveAndConfigurable) {
  opts.min_size = 100;
  accept("gzip");
  ex.body_out = std::string(100, 'a');
  ex.content_type = "text/plain";
  ex.finish();
  EXPECT_EQ(response_header(ex, "Content-Encoding"), "gzip");
  EXPECT_EQ(gzip_decode(ex.body_to_send()), std::string(100, 'a'));
}

TEST_F(CompressionExchange, IncompressibleBodyStaysIdentity) {
  const std::string noise = random_bytes(20000, 7);
  accept("gzip, br");
  ex.content_type = "text/plain";
  ex.body_out = noise;
  ex.finish();
  EXPECT_EQ(ex.body_to_send(), noise);
  EXPECT_FALSE(response_header(ex, "Content-Encoding"));
  EXPECT_EQ(response_header(ex, "Vary"), "Accept-Encoding");
}

TEST_F(CompressionExchange, VaryIsMergedIntoTheHandlers) {
  accept("gzip");
  ex.response.set_header("Vary", "Origin");
  ex.body_out = json_body(5000);
  ex.finish();
  EXPECT_EQ(response_header(ex, "Vary"), "Origin, Accept-Encoding");
  int count = 0;
  for (const auto& h : ex.response.headers) count += h.first == "Vary";
  EXPECT_EQ(count, 1);
}

TEST_F(CompressionExchange, ResponseStatusSetByTheActionCounts) {
  accept("gzip");
  ex.response.status = 204;
  ex.body_out = json_body(5000);
  ex.finish();
  EXPECT_FALSE(response_header(ex, "Content-Encoding"));
}

// --- embedded assets

TEST(CompressionEmbedded, EtagMatchesAnyForm) {
  const std::string_view tag = "\"0123456789abcdef\"";
  for (std::string_view inm :
       {"\"0123456789abcdef\"", "\"0123456789abcdef-gz\"", "\"0123456789abcdef-br\"",
        "W/\"0123456789abcdef\"", "\"x\", \"0123456789abcdef-br\"", "*",
        " \"other\" ,\t\"0123456789abcdef\" "})
    EXPECT_TRUE(etag_matches(inm, tag)) << inm;
  for (std::string_view inm : {"", "\"other\"", "0123456789abcdef", "\"0123456789abcdef-zz\"",
                               "\"0123456789abcde\"", "\"0123456789abcdef-gz-gz\"", ","})
    EXPECT_FALSE(etag_matches(inm, tag)) << inm;
}

TEST_F(CompressionExchange, SetEmbeddedAnswers304ForAnyForm) {
  const EmbeddedAsset asset{static_identity(), static_gzip(), static_br(), "\"0123456789abcdef\""};
  accept("br");
  ex.message().set("If-None-Match", "\"0123456789abcdef-gz\"");
  set_embedded(ex, asset, "text/javascript");
  ex.finish();
  EXPECT_EQ(ex.status, 304);
  EXPECT_EQ(response_header(ex, "ETag"), "\"0123456789abcdef-br\"");

  Exchange fresh{[] {}};
  fresh.configure(nullptr, &opts);
  fresh.message().set("Accept-Encoding", "br");
  set_embedded(fresh, asset, "text/javascript");
  fresh.finish();
  EXPECT_EQ(fresh.status, 200);
  EXPECT_EQ(fresh.body_to_send().data(), static_br().data());
  EXPECT_EQ(response_header(fresh, "ETag"), "\"0123456789abcdef-br\"");
}

}  // namespace
}  // namespace bb::http
