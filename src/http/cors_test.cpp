// CORS: preflights answered for listed origins only, credentials never with "*", and the
// headers of actual responses.
#include "src/http/cors.hpp"

#include <gtest/gtest.h>

namespace {

using bb::http::Cors;
using bb::http::Exchange;

struct Finished {
  int count = 0;
};

std::optional<std::string> header_of(const Exchange& ex, std::string_view name) {
  for (const auto& [k, v] : ex.response.headers)
    if (k == name) return v;
  return std::nullopt;
}

void request(Exchange& ex, const char* method, std::initializer_list<std::pair<const char*, const char*>> hs) {
  Exchange::Message m;
  m.method_string(method);
  m.target("/users");
  for (auto [k, v] : hs) m.set(k, v);
  ex.reset(std::move(m), "192.0.2.1");
}

TEST(Cors, PreflightsOfListedOriginsGetTheAllowHeaders) {
  Cors cors({.origins = {"https://app.example.com"}, .credentials = true, .max_age = 120});
  Finished f;
  Exchange ex([&] { ++f.count; });
  request(ex, "OPTIONS", {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "POST"},
                          {"Access-Control-Request-Headers", "content-type, x-org-id"}});
  ASSERT_TRUE(Cors::is_preflight(ex));
  cors.preflight(ex, "GET, POST");
  EXPECT_EQ(f.count, 1);
  EXPECT_EQ(ex.status, 204);
  EXPECT_EQ(header_of(ex, "Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(header_of(ex, "Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(header_of(ex, "Access-Control-Allow-Methods"), "GET, POST");
  EXPECT_EQ(header_of(ex, "Access-Control-Allow-Headers"), "content-type, x-org-id");
  EXPECT_EQ(header_of(ex, "Access-Control-Max-Age"), "120");
  EXPECT_TRUE(header_of(ex, "Vary").has_value());

  // A method the path does not take, and an origin not listed: no CORS header at all.
  request(ex, "OPTIONS", {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "DELETE"}});
  cors.preflight(ex, "GET, POST");
  EXPECT_FALSE(header_of(ex, "Access-Control-Allow-Origin"));
  request(ex, "OPTIONS", {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  cors.preflight(ex, "GET, POST");
  EXPECT_EQ(ex.status, 204);
  EXPECT_FALSE(header_of(ex, "Access-Control-Allow-Origin"));
  // Origins compare as origins: case and default port do not matter, a path or port does.
  request(ex, "OPTIONS", {{"Origin", "HTTPS://App.Example.com:443"}, {"Access-Control-Request-Method", "GET"}});
  cors.preflight(ex, "GET");
  EXPECT_TRUE(header_of(ex, "Access-Control-Allow-Origin"));
  request(ex, "OPTIONS", {{"Origin", "https://app.example.com:8443"}, {"Access-Control-Request-Method", "GET"}});
  cors.preflight(ex, "GET");
  EXPECT_FALSE(header_of(ex, "Access-Control-Allow-Origin"));
  // A hostile header list is not echoed.
  request(ex, "OPTIONS", {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "GET"},
                          {"Access-Control-Request-Headers", "x-a\", evil=1"}});
  cors.preflight(ex, "GET");
  EXPECT_FALSE(header_of(ex, "Access-Control-Allow-Headers"));
}

TEST(Cors, ActualResponsesAndTheWildcard) {
  Cors listed({.origins = {"https://app.example.com"}, .expose_headers = {"traceparent"}});
  Exchange ex([] {});
  request(ex, "GET", {{"Origin", "https://app.example.com"}});
  EXPECT_FALSE(Cors::is_preflight(ex));
  listed.decorate(ex);
  EXPECT_EQ(header_of(ex, "Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_FALSE(header_of(ex, "Access-Control-Allow-Credentials"));
  EXPECT_EQ(header_of(ex, "Access-Control-Expose-Headers"), "traceparent");
  EXPECT_EQ(header_of(ex, "Vary"), "Origin");
  request(ex, "GET", {{"Origin", "https://evil.example"}});
  listed.decorate(ex);
  EXPECT_FALSE(header_of(ex, "Access-Control-Allow-Origin"));
  EXPECT_EQ(header_of(ex, "Vary"), "Origin") << "caches must not give one origin's answer to another";

  Cors any({.origins = {"*"}});
  request(ex, "GET", {{"Origin", "https://anyone.example"}});
  any.decorate(ex);
  EXPECT_EQ(header_of(ex, "Access-Control-Allow-Origin"), "*");
  Cors any_with_credentials({.origins = {"*"}, .credentials = true});
  request(ex, "GET", {{"Origin", "https://anyone.example"}});
  any_with_credentials.decorate(ex);
  EXPECT_FALSE(header_of(ex, "Access-Control-Allow-Origin")) << "credentials are never granted to every origin";
  EXPECT_FALSE(Cors({}).enabled());
}

}  // namespace
