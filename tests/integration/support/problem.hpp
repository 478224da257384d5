// Assertions on what the API answers: problem+json errors, validation paths, traceparent.
//
//   expect_problem(r, 404, "not_found");
//   EXPECT_THAT(error_paths(r), Contains("/limit"));
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <set>
#include <string>

#include "tests/integration/support/http_client.hpp"

// A test that documents a known framework bug: skipped so the suite stays green, run anyway
// with BUNBASE_IT_RUN_BUGS=1 (to check a fix).
#define BBIT_KNOWN_BUG(why)                                    \
  do {                                                         \
    const char* run_bugs = std::getenv("BUNBASE_IT_RUN_BUGS"); \
    if (!run_bugs || std::string_view(run_bugs) != "1")        \
      GTEST_SKIP() << "BUG: " << why;                          \
  } while (0)

namespace bbit {

inline bool is_lower_hex(std::string_view s, std::size_t size) {
  if (s.size() != size) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

struct TraceParent {
  std::string version, trace_id, span_id, flags;
};

// A W3C traceparent (version 00) with non-zero ids, or nullopt.
inline std::optional<TraceParent> parse_traceparent(std::string_view h) {
  if (h.size() != 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  TraceParent t{std::string(h.substr(0, 2)), std::string(h.substr(3, 32)), std::string(h.substr(36, 16)),
                std::string(h.substr(53, 2))};
  if (t.version != "00" || !is_lower_hex(t.trace_id, 32) || !is_lower_hex(t.span_id, 16) ||
      !is_lower_hex(t.flags, 2) || t.trace_id == std::string(32, '0') || t.span_id == std::string(16, '0'))
    return std::nullopt;
  return t;
}

// The response's traceparent, which must be present, single and valid.
inline TraceParent response_trace(const Response& r) {
  EXPECT_EQ(r.header_count("traceparent"), 1u) << r;
  auto h = r.header("traceparent");
  if (!h) return {};
  auto t = parse_traceparent(*h);
  EXPECT_TRUE(t.has_value()) << "invalid traceparent in the response: " << *h;
  return t.value_or(TraceParent{});
}

inline std::string str(const boost::json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : boost::json::serialize(v);
}

enum class Instance { required, optional };

// An RFC 9457 body with the fields DESIGN.md promises. Errors the connection layer answers
// before a request is routed (413, 431, unreadable requests) may lack `instance`.
inline void expect_problem(const Response& r, int status, std::string_view code,
                           Instance instance = Instance::required) {
  EXPECT_EQ(r.status, status) << r;
  EXPECT_THAT(r.header("content-type").value_or(""), ::testing::StartsWith("application/problem+json")) << r;
  auto v = r.json();
  ASSERT_TRUE(v.is_object()) << "not a JSON object:\n" << r;
  const auto& o = v.get_object();
  for (const char* field : {"type", "title", "detail", "code", "traceId"})
    EXPECT_TRUE(o.contains(field) && o.at(field).is_string()) << "missing string field " << field << "\n" << r;
  if (instance == Instance::required || o.contains("instance")) {
    EXPECT_TRUE(o.contains("instance") && o.at("instance").is_string()) << "missing string field instance\n" << r;
  }
  EXPECT_TRUE(o.contains("status") && o.at("status").is_int64() && o.at("status").as_int64() == status) << r;
  if (o.contains("code")) {
    EXPECT_EQ(str(o.at("code")), code) << r;
  }
  if (o.contains("traceId")) {
    EXPECT_TRUE(is_lower_hex(str(o.at("traceId")), 32)) << r;
  }
  if (o.contains("title")) {
    EXPECT_FALSE(str(o.at("title")).empty()) << r;
  }
}

// The JSON pointers of a validation problem's `errors`.
inline std::set<std::string> error_paths(const Response& r) {
  std::set<std::string> paths;
  auto v = r.json();
  if (!v.is_object() || !v.get_object().contains("errors") || !v.at("errors").is_array()) return paths;
  for (const auto& e : v.at("errors").get_array()) {
    if (!e.is_object()) continue;
    EXPECT_TRUE(e.get_object().contains("message") && e.at("message").is_string()) << r;
    if (e.get_object().contains("path")) paths.insert(str(e.at("path")));
  }
  return paths;
}

inline void expect_validation(const Response& r, std::initializer_list<std::string> paths) {
  expect_problem(r, 400, "validation_failed");
  auto got = error_paths(r);
  for (const auto& p : paths) EXPECT_TRUE(got.count(p)) << "no validation error at " << p << "\n" << r;
}

}  // namespace bbit
