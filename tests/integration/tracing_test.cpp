// W3C traceparent over HTTP: a valid incoming one is continued (same trace id, new span id)
// on successes and on errors; a malformed one is replaced by a fresh valid one; a problem's
// traceId is the trace id of the response's traceparent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/support/demo_server.hpp"
#include "tests/integration/support/problem.hpp"

namespace bbit {
namespace {

constexpr std::string_view kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kParent = "00f067aa0ba902b7";
const std::string kTraceparent = "00-" + std::string(kTrace) + "-" + std::string(kParent) + "-01";
constexpr std::string_view kUnknownId = "0190a4c2-7d1e-7c4b-9a3f-2b1c0d9e8f7a";

class Tracing : public ::testing::Test {
 protected:
  Response call(std::string_view method, std::string_view target, std::string_view body = {},
                Headers headers = {}) {
    return http(server.port(), method, target, body, headers);
  }
  Response traced(std::string_view method, std::string_view target, std::string_view body = {},
                  Headers headers = {}) {
    headers.emplace_back("traceparent", kTraceparent);
    return call(method, target, body, headers);
  }

  // The response continues the caller's trace with a span of its own.
  static void expect_continues(const Response& r) {
    TraceParent t = response_trace(r);
    EXPECT_EQ(t.trace_id, kTrace) << r;
    EXPECT_NE(t.span_id, kParent) << "the response must carry a new span id\n" << r;
  }
  // A problem's traceId is the response's trace id.
  static void expect_problem_trace(const Response& r) {
    auto v = r.json();
    ASSERT_TRUE(v.is_object() && v.get_object().contains("traceId")) << r;
    EXPECT_EQ(str(v.at("traceId")), response_trace(r).trace_id) << r;
  }

  DemoServer server;
};

TEST_F(Tracing, ValidTraceparentIsContinuedOnSuccess) {
  Response created = traced("POST", "/users", R"({"email":"t@example.com","name":"T"})");
  ASSERT_EQ(created.status, 201) << created;
  expect_continues(created);
  Response got = traced("GET", "/users/" + str(created.json().at("id")));
  EXPECT_EQ(got.status, 200);
  expect_continues(got);
  Response ping = traced("GET", "/ping");
  EXPECT_EQ(ping.status, 200);
  expect_continues(ping);
  // each response has a span of its own
  EXPECT_NE(response_trace(got).span_id, response_trace(ping).span_id);
}

TEST_F(Tracing, ValidTraceparentIsContinuedOnErrors) {
  struct Case {
    std::string method, target, body;
    Headers headers;
    int status;
  };
  std::vector<Case> cases = {
      {"GET", "/users/" + std::string(kUnknownId), "", {}, 404},                     // action: not found
      {"GET", "/users?limit=0", "", {}, 400},                                        // action: validation
      {"POST", "/users", "{}", {}, 400},                                             // action: validation
      {"GET", "/no/such/route", "", {}, 404},                                        // router
      {"PUT", "/users", "{}", {}, 405},                                              // router
      {"POST", "/users", "{}", {{"Content-Type", "text/plain"}}, 415},               // adapter
      {"POST", "/users", "{", {}, 400},                                              // adapter: malformed
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + c.target + " " + c.body);
    Response r = traced(c.method, c.target, c.body, c.headers);
    EXPECT_EQ(r.status, c.status) << r;
    expect_continues(r);
    expect_problem_trace(r);
  }
  // an action's conflict too
  ASSERT_EQ(call("POST", "/users", R"({"email":"c@example.com","name":"C"})").status, 201);
  Response dup = traced("POST", "/users", R"({"email":"c@example.com","name":"C"})");
  EXPECT_EQ(dup.status, 409) << dup;
  expect_continues(dup);
  expect_problem_trace(dup);
}

TEST_F(Tracing, MalformedTraceparentIsReplacedByAFreshOne) {
  const std::string t(kTrace), p(kParent);
  std::string upper = t;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  for (std::string bad : {std::string("garbage"), std::string(""), "00-" + upper + "-" + p + "-01",
                          "00-" + std::string(32, '0') + "-" + p + "-01", "00-" + t + "-" + std::string(16, '0') + "-01",
                          "ff-" + t + "-" + p + "-01", "00-" + t + "-" + p + "-01-extra", "00-" + t.substr(1) + "-" + p + "-01",
                          "00_" + t + "_" + p + "_01", "0g-" + t + "-" + p + "-01"}) {
    SCOPED_TRACE(bad);
    const std::vector<std::tuple<std::string, std::string, std::string, int>> requests = {
        {"GET", "/ping", "", 200}, {"GET", "/users/" + std::string(kUnknownId), "", 404}, {"GET", "/nowhere", "", 404}};
    for (const auto& [method, target, body, status] : requests) {
      Response r = call(method, target, body, {{"traceparent", bad}});
      EXPECT_EQ(r.status, status) << r;
      TraceParent tp = response_trace(r);
      EXPECT_NE(tp.trace_id, t) << "a malformed traceparent must not be continued\n" << r;
      if (status >= 400) expect_problem_trace(r);
    }
  }
}

TEST_F(Tracing, WithoutTraceparentEveryResponseStartsItsOwnTrace) {
  Response a = call("GET", "/ping");
  Response b = call("GET", "/ping");
  Response e = call("GET", "/users/" + std::string(kUnknownId));
  std::string ta = response_trace(a).trace_id, tb = response_trace(b).trace_id, te = response_trace(e).trace_id;
  EXPECT_NE(ta, tb);
  EXPECT_NE(ta, te);
  expect_problem_trace(e);
}

TEST_F(Tracing, HeaderNameIsCaseInsensitive) {
  Response r = call("GET", "/ping", "", {{"TraceParent", kTraceparent}});
  EXPECT_EQ(r.status, 200);
  expect_continues(r);
}

TEST_F(Tracing, FutureVersionTraceparentIsContinued) {
  // W3C: a higher version may carry more fields; its first four are read as version 00's.
  Response r = call("GET", "/ping", "", {{"traceparent", "cc-" + std::string(kTrace) + "-" + std::string(kParent) + "-01-what-ever"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(response_trace(r).trace_id, kTrace) << r;
}

TEST_F(Tracing, BodyLimitErrorCarriesTheTraceToo) {
  std::string body = R"({"email":"a@b.co","name":")" + std::string(1024 * 1024 + 10, 'x') + "\"}";
  Connection c(server.port());
  c.send_raw(Connection::build_request("POST", "/users", body, {{"traceparent", kTraceparent}}));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  expect_problem(*r, 413, "payload_too_large");
  expect_continues(*r);
  expect_problem_trace(*r);
}

}  // namespace
}  // namespace bbit
