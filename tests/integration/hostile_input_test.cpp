// Bad input is tested, not assumed: malformed and hostile requests each get a clear error (or
// a closed connection where HTTP itself is broken), and after every one the server still
// answers GET /healthz.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "tests/integration/support/demo_server.hpp"
#include "tests/integration/support/problem.hpp"

namespace bbit {
namespace {

using ::testing::HasSubstr;

const std::string kValidUser = R"({"email":"a@b.co","name":"A"})";

class HostileInput : public ::testing::Test {
 protected:
  explicit HostileInput(ServerOptions o = {}) : server(std::move(o)) {}

  Response post_users(std::string_view body, const Headers& headers = {}) {
    return http(server.port(), "POST", "/users", body, headers);
  }

  // Sends raw bytes on a fresh connection and reads what comes back, if anything.
  std::optional<Response> raw(std::string_view bytes) {
    Connection c(server.port());
    c.send_raw(bytes);  // the server may close before taking everything
    return c.read_response();
  }

  // GET /users's total (DemoServer's signed-in owner is there from the start).
  std::int64_t users_total() {
    Response r = http(server.port(), "GET", "/users");
    EXPECT_EQ(r.status, 200) << r;
    auto v = r.json();
    if (!v.is_object() || !v.get_object().contains("total") || !v.at("total").is_int64()) {
      ADD_FAILURE() << "GET /users has no integer total\n" << r;
      return -1;
    }
    return v.at("total").as_int64();
  }

  // The header line that authenticates a hand-written request to the guarded /users routes, for
  // the tests whose point is the bytes on the wire, not authentication.
  std::string auth_line() const { return "Authorization: Bearer " + server.token() + "\r\n"; }

  void expect_still_serving() {
    EXPECT_TRUE(server.healthy()) << "the server stopped answering GET /healthz";
    EXPECT_TRUE(server.process().running());
  }

  DemoServer server;
};

TEST_F(HostileInput, MalformedJsonIs400) {
  const std::int64_t before = users_total();
  for (std::string body : std::vector<std::string>{"{", R"({"email":})", "{'email':'a@b.co'}", R"({"email":"a@b.co"} x)",
                           R"({"email":"a@b.co",})", "nul", R"({"email":"a@b.co","name":"unterminated)",
                           std::string("{\"name\":\"A\0B\"}", 14)}) {
    SCOPED_TRACE(body);
    Response r = post_users(body);
    expect_problem(r, 400, "malformed_json");
    expect_still_serving();
  }
  EXPECT_EQ(users_total(), before);
}

// Amplification: ~90k unknown properties in a 1 MiB body answer a bounded problem document (the
// first 100 issues and the count of the rest), not one of several megabytes.
TEST_F(HostileInput, AHugeNumberOfIssuesAnswersABoundedDocument) {
  std::string body = R"({"email":"a@b.co","name":"A")";
  int extra = 0;
  while (body.size() < 1000 * 1000) body += ",\"u" + std::to_string(extra++) + "\":0";
  body += "}";
  Response r = post_users(body);
  expect_problem(r, 400, "validation_failed");
  const auto v = r.json();
  EXPECT_EQ(v.at("errors").as_array().size(), 100u);
  EXPECT_EQ(v.at("errorsOmitted").as_int64(), extra - 100);
  EXPECT_LT(r.body.size(), 16u * 1024) << "answered " << r.body.size() << " bytes to " << extra << " unknown properties";
  expect_still_serving();
}

TEST_F(HostileInput, InvalidUtf8InAJsonStringIs400) {
  const std::int64_t before = users_total();
  for (std::string bad : {"\xff\xfe", "\xc0\xaf", "\xe2\x82", "\xed\xa0\x80", "A\x80" "B", "\xf8\x88\x80\x80\x80"}) {
    SCOPED_TRACE(::testing::PrintToString(bad));
    Response r = post_users(R"({"email":"a@b.co","name":")" + bad + "\"}");
    EXPECT_EQ(r.status, 400) << r;
    EXPECT_THAT(r.header("content-type").value_or(""), ::testing::StartsWith("application/problem+json"));
    expect_still_serving();
  }
  // invalid UTF-8 in a key, too
  expect_problem(post_users("{\"\xff\":1}"), 400, "malformed_json");
  EXPECT_EQ(users_total(), before);
}

TEST_F(HostileInput, ANulCharacterInAStringIs400WithItsPath) {
  const std::int64_t before = users_total();
  for (std::string body : {R"({"email":"nul@example.com","name":"a\u0000b"})", R"({"email":"nul\u0000@example.com","name":"N"})"}) {
    SCOPED_TRACE(body);
    Response r = post_users(body);
    expect_problem(r, 400, "validation_failed");
    EXPECT_NE(r.body.find("must not contain the NUL character"), std::string::npos) << r;
  }
  // Where no schema types the string (sign-up's email has one too): never a 500.
  Response signup = http(server.port(), "POST", "/auth/sign-up",
                         R"({"email":"x@example.com","password":"correct\u0000horse","name":"X"})");
  expect_problem(signup, 400, "validation_failed");
  EXPECT_EQ(users_total(), before);
  expect_still_serving();
}

TEST_F(HostileInput, ValidUtf8IsStoredAndReturnedIntact) {
  const std::string name = "Ad\xc3\xa0 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80";  // à, 日本, 😀
  Response r = post_users(R"({"email":"utf8@example.com","name":")" + name + "\"}");
  ASSERT_EQ(r.status, 201) << r;
  Response got = http(server.port(), "GET", "/users/" + str(r.json().at("id")));
  EXPECT_EQ(str(got.json().at("name")), name);
}

TEST_F(HostileInput, DeeplyNestedJsonIsAClear400) {
  for (std::string body : {std::string(10000, '['), std::string(10000, '[') + std::string(10000, ']'),
                           [] {
                             std::string s;
                             for (int i = 0; i < 10000; ++i) s += R"({"a":)";
                             return s + "1" + std::string(10000, '}');
                           }(),
                           R"({"email":"a@b.co","name":"A","role":)" + std::string(10000, '[')}) {
    SCOPED_TRACE(body.substr(0, 40));
    Response r = post_users(body);
    EXPECT_EQ(r.status, 400) << r;
    expect_problem(r, 400, "malformed_json");
    EXPECT_THAT(str(r.json().at("detail")), HasSubstr("malformed JSON")) << r;
    expect_still_serving();
  }
}

TEST_F(HostileInput, HugeHeadersAre431) {
  // one huge header
  auto r = raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
  ASSERT_TRUE(r) << "no response to a 64 KiB header";
  expect_problem(*r, 431, "headers_too_large", Instance::optional);
  expect_still_serving();
  // many small headers
  std::string many = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 3000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  r = raw(many + "\r\n");
  ASSERT_TRUE(r) << "no response to 3000 headers";
  EXPECT_EQ(r->status, 431) << *r;
  expect_still_serving();
}

TEST_F(HostileInput, HugeRequestTargetIsRefused) {
  auto r = raw("GET /users?limit=1&x=" + std::string(64 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n" + auth_line() + "\r\n");
  ASSERT_TRUE(r) << "no response to a 64 KiB request target";
  EXPECT_THAT(r->status, ::testing::AnyOf(414, 431)) << *r;
  expect_still_serving();
}

TEST_F(HostileInput, GarbageBytesAreRefusedOrClosed) {
  std::mt19937 rng(42);
  std::string random(4096, '\0');
  for (auto& ch : random) ch = static_cast<char>(rng());
  // a TLS ClientHello's first bytes: someone speaking https to the http port
  const std::string tls("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
  for (std::string bytes : {std::string("HELLO WORLD\r\n\r\n"), std::string("\x00\x01\x02\x03\r\n\r\n", 8), random, tls,
                            std::string("GET\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
                            std::string("GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n")}) {
    SCOPED_TRACE(::testing::PrintToString(bytes.substr(0, 24)));
    Connection c(server.port(), std::chrono::seconds(5));
    c.send_raw(bytes);
    auto r = c.read_response();
    if (r) {
      EXPECT_EQ(r->status, 400) << *r;
      EXPECT_TRUE(c.closed_by_peer()) << "the connection should close after a broken request";
    }
    expect_still_serving();
  }
}

TEST_F(HostileInput, HalfARequestThenHangUpLeavesTheServerServing) {
  for (std::string part : {"GET /heal", "POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n",
                           "POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"em"}) {
    {
      Connection c(server.port());
      c.send_raw(part);
    }  // closed here
    expect_still_serving();
  }
  // a whole request, then the client hangs up before the answer is written
  for (int i = 0; i < 20; ++i) {
    Connection c(server.port());
    c.send_raw(Connection::build_request("POST", "/users", R"({"email":"gone)" + std::to_string(i) + R"(@example.com","name":"G"})"));
  }
  expect_still_serving();
}

TEST(IdleTimeout, SilentAndSlowClientsAreDisconnected) {
  DemoServer server({.env = {{"BUNBASE_IDLE_TIMEOUT_S", "1"}}});
  Connection silent(server.port());
  Connection slow(server.port());
  ASSERT_TRUE(slow.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n"));  // never finishes the header
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.closed_by_peer(std::chrono::seconds(5)));
  EXPECT_TRUE(slow.closed_by_peer(std::chrono::seconds(5)));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(500));  // not before the timeout
  EXPECT_TRUE(server.healthy());
}

TEST_F(HostileInput, BrokenFramingIs400) {
  for (std::string head : {"Content-Length: abc\r\n", "Content-Length: -5\r\n",
                           "Content-Length: 2\r\nContent-Length: 3\r\n",
                           "Transfer-Encoding: chunked\r\n"}) {
    SCOPED_TRACE(head);
    auto r = raw("POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + auth_line() + head +
                 "\r\nzz\r\n\r\n");
    if (r) {
      EXPECT_EQ(r->status, 400) << *r;
    }
    expect_still_serving();
  }
}

TEST_F(HostileInput, ChunkedBodyIsAccepted) {
  std::string body = kValidUser;
  std::string req = "POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + auth_line() +
                    "Transfer-Encoding: chunked\r\n\r\n";
  char size[24];
  std::snprintf(size, sizeof size, "%zx", body.size() / 2);
  req += std::string(size) + "\r\n" + body.substr(0, body.size() / 2) + "\r\n";
  std::snprintf(size, sizeof size, "%zx", body.size() - body.size() / 2);
  req += std::string(size) + "\r\n" + body.substr(body.size() / 2) + "\r\n0\r\n\r\n";
  auto r = raw(req);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << *r;
  // the body arrived whole: the user it describes was created
  Response got = http(server.port(), "GET", "/users/" + str(r->json().at("id")));
  EXPECT_EQ(got.status, 200) << got;
  EXPECT_EQ(str(got.json().at("email")), "a@b.co") << got;
}

TEST_F(HostileInput, BadPercentEncodingInTheTargetIs400) {
  for (std::string target : {"/users?limit=%zz", "/users/%", "/users?%=1"}) {
    SCOPED_TRACE(target);
    Response r = http(server.port(), "GET", target);
    EXPECT_EQ(r.status, 400) << r;
    EXPECT_THAT(r.header("content-type").value_or(""), ::testing::StartsWith("application/problem+json"));
    expect_still_serving();
  }
}

TEST_F(HostileInput, BodyOverTheDefaultLimitIs413) {
  std::string body = R"({"email":"a@b.co","name":")" + std::string(1024 * 1024 + 1, 'x') + "\"}";
  auto r = raw(Connection::build_request("POST", "/users", body));
  ASSERT_TRUE(r) << "no response to a body over 1 MiB";
  expect_problem(*r, 413, "payload_too_large", Instance::optional);
  expect_still_serving();
}

// A server whose body limit comes from the environment.
class SmallBodyLimit : public HostileInput {
 protected:
  SmallBodyLimit() : HostileInput({.env = {{"BUNBASE_BODY_LIMIT", "1KiB"}}}) {}
};

TEST_F(SmallBodyLimit, BodyUnderTheLimitIsServed) {
  // name is at most 200 characters: fill with whitespace, which JSON allows between tokens
  std::string body = R"({"email":"a@b.co","name":"A")";
  body += std::string(1023 - body.size(), ' ') + "}";
  ASSERT_EQ(body.size(), 1024u);
  EXPECT_EQ(post_users(body).status, 201);
}

TEST_F(SmallBodyLimit, BodyOverTheLimitIs413AndTheServerKeepsServing) {
  const std::int64_t before = users_total();
  std::string body = R"({"email":"a@b.co","name":")" + std::string(2000, 'x') + "\"}";
  Connection c(server.port());
  c.send_raw(Connection::build_request("POST", "/users", body));
  auto r = c.read_response();
  ASSERT_TRUE(r) << "no response to a 2 KiB body";
  expect_problem(*r, 413, "payload_too_large", Instance::optional);
  EXPECT_THAT(str(r->json().at("detail")), HasSubstr("1024")) << *r;
  EXPECT_TRUE(r->closes()) << *r;
  expect_still_serving();
  EXPECT_EQ(users_total(), before);
}

TEST_F(SmallBodyLimit, ExpectContinueOverTheLimitIsRefusedBeforeTheBodyIsSent) {
  Connection c(server.port(), std::chrono::seconds(3));
  ASSERT_TRUE(c.send_raw("POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + auth_line() +
                         "Expect: 100-continue\r\nContent-Length: 5000000\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r) << "no immediate answer to a declared 5 MB body";
  EXPECT_EQ(r->status, 413) << *r;
  expect_still_serving();
}

TEST_F(SmallBodyLimit, ChunkedBodyOverTheLimitIs413) {
  std::string chunk(600, 'x');
  std::string req = "POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + auth_line() +
                    "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) req += "258\r\n" + chunk + "\r\n";
  req += "0\r\n\r\n";
  auto r = raw(req);
  ASSERT_TRUE(r) << "no response to a 1800-byte chunked body";
  EXPECT_EQ(r->status, 413) << *r;
  expect_still_serving();
}

TEST_F(SmallBodyLimit, MegabytesOverTheLimitGetA413OrAClosedConnection) {
  // The server answers after reading the headers; a client still pushing 8 MiB may see the
  // reset first. Either way the server must not buffer it and must keep serving.
  Connection c(server.port());
  std::string req = Connection::build_request("POST", "/users", std::string(8 * 1024 * 1024, ' '));
  bool sent_all = c.send_raw(req);
  auto r = c.read_response();
  if (r) {
    EXPECT_EQ(r->status, 413) << *r;
  } else {
    EXPECT_FALSE(sent_all) << "the whole body was accepted without an answer";
  }
  expect_still_serving();
}

}  // namespace
}  // namespace bbit
