// The users API over real sockets: CRUD and its statuses, query-string coercion, path
// params, routing errors (404, 405 + Allow, 415), validation, keep-alive and pipelining.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/support/auth_client.hpp"
#include "tests/integration/support/demo_server.hpp"
#include "tests/integration/support/problem.hpp"

namespace bbit {
namespace {

using ::testing::HasSubstr;

class HttpApi : public ::testing::Test {
 protected:
  Response call(std::string_view method, std::string_view target, std::string_view body = {},
                const Headers& headers = {}) {
    return http(server.port(), method, target, body, headers);
  }

  // POST /users; returns the new id (empty after a failed assertion).
  std::string create(std::string_view email, std::string_view name = "Ada", std::string_view role = "") {
    std::string body = R"({"email":")" + std::string(email) + R"(","name":")" + std::string(name) + "\"";
    if (!role.empty()) body += R"(,"role":")" + std::string(role) + "\"";
    body += "}";
    Response r = call("POST", "/users", body);
    EXPECT_EQ(r.status, 201) << r;
    auto v = r.json();
    if (!v.is_object() || !v.get_object().contains("id")) return "";
    return str(v.at("id"));
  }

  // GET /users's total: the users that exist already (DemoServer's signed-in owner) are the
  // baseline a test's own creates and deletes are counted from.
  std::int64_t total() {
    Response r = call("GET", "/users");
    EXPECT_EQ(r.status, 200) << r;
    auto v = r.json();
    if (!v.is_object() || !v.get_object().contains("total") || !v.at("total").is_int64()) {
      ADD_FAILURE() << "GET /users has no integer total\n" << r;
      return -1;
    }
    return v.at("total").as_int64();
  }

  DemoServer server;
};

constexpr std::string_view kUnknownId = "0190a4c2-7d1e-7c4b-9a3f-2b1c0d9e8f7a";

TEST_F(HttpApi, HealthzAndReadyzAnswer200WithAMigratedDatabase) {
  Response h = call("GET", "/healthz");
  EXPECT_EQ(h.status, 200) << h;
  EXPECT_EQ(h.json(), boost::json::parse(R"({"status":"ok"})")) << h;
  Response r = call("GET", "/readyz");
  EXPECT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.json(), boost::json::parse(R"({"status":"ready"})")) << r;
}

TEST_F(HttpApi, PingIsAStandaloneAction) {
  Response r = call("GET", "/ping");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_THAT(r.header("content-type").value_or(""), ::testing::StartsWith("application/json"));
  auto v = r.json();
  ASSERT_TRUE(v.is_object()) << r;
  EXPECT_EQ(str(v.at("message")), "pong");
  EXPECT_THAT(str(v.at("time")), ::testing::MatchesRegex(R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}.*Z)"));
}

TEST_F(HttpApi, CrudFlowWithStatuses) {
  const std::int64_t before = total();
  // create: 201 {id, email}
  Response created = call("POST", "/users", R"({"email":"ada@example.com","name":"Ada","role":"admin"})");
  ASSERT_EQ(created.status, 201) << created;
  auto c = created.json();
  ASSERT_TRUE(c.is_object()) << created;
  EXPECT_EQ(c.get_object().size(), 2u) << created;
  EXPECT_EQ(str(c.at("email")), "ada@example.com");
  const std::string id = str(c.at("id"));
  EXPECT_THAT(id, ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));

  // read: 200 with every field
  Response got = call("GET", "/users/" + id);
  ASSERT_EQ(got.status, 200) << got;
  auto g = got.json();
  EXPECT_EQ(str(g.at("id")), id);
  EXPECT_EQ(str(g.at("email")), "ada@example.com");
  EXPECT_EQ(str(g.at("name")), "Ada");
  EXPECT_EQ(str(g.at("role")), "admin");
  EXPECT_TRUE(g.at("created_at").is_string() && g.at("updated_at").is_string()) << got;

  // update: 200 with the new state
  Response patched = call("PATCH", "/users/" + id, R"({"name":"Ada Lovelace","role":"user"})");
  ASSERT_EQ(patched.status, 200) << patched;
  EXPECT_EQ(str(patched.json().at("name")), "Ada Lovelace");
  EXPECT_EQ(str(patched.json().at("role")), "user");
  EXPECT_EQ(str(call("GET", "/users/" + id).json().at("name")), "Ada Lovelace");

  // an empty patch changes nothing and answers the user
  Response noop = call("PATCH", "/users/" + id, "{}");
  EXPECT_EQ(noop.status, 200) << noop;
  EXPECT_EQ(str(noop.json().at("name")), "Ada Lovelace");

  // list: the one new user, after those that were there before (oldest first)
  Response list = call("GET", "/users");
  ASSERT_EQ(list.status, 200) << list;
  EXPECT_EQ(list.json().at("total"), before + 1) << list;
  ASSERT_EQ(list.json().at("users").as_array().size(), static_cast<std::size_t>(before + 1)) << list;
  EXPECT_EQ(str(list.json().at("users").as_array().back().at("id")), id);

  // delete: 200 then gone
  Response deleted = call("DELETE", "/users/" + id);
  ASSERT_EQ(deleted.status, 200) << deleted;
  EXPECT_EQ(deleted.json(), boost::json::parse(R"({"deleted":true})")) << deleted;
  expect_problem(call("GET", "/users/" + id), 404, "not_found");
  expect_problem(call("DELETE", "/users/" + id), 404, "not_found");
  expect_problem(call("PATCH", "/users/" + id, R"({"name":"X"})"), 404, "not_found");
  EXPECT_EQ(total(), before);
}

TEST_F(HttpApi, UnknownIdIs404ProblemWithInstance) {
  Response r = call("GET", "/users/" + std::string(kUnknownId));
  expect_problem(r, 404, "not_found");
  EXPECT_EQ(str(r.json().at("instance")), "/users/" + std::string(kUnknownId)) << r;
  EXPECT_EQ(str(r.json().at("title")), "Not Found") << r;
}

TEST_F(HttpApi, DuplicateEmailIs409) {
  const std::int64_t before = total();
  create("dup@example.com");
  Response again = call("POST", "/users", R"({"email":"dup@example.com","name":"Other"})");
  expect_problem(again, 409, "email_taken");
  // The column is COLLATE NOCASE: the same address in another case is the same address.
  Response other_case = call("POST", "/users", R"({"email":"DUP@Example.com","name":"Other"})");
  EXPECT_EQ(other_case.status, 409) << other_case;
  EXPECT_EQ(total(), before + 1);
}

TEST_F(HttpApi, PatchToAnotherUsersEmailIs409) {
  create("first@example.com");
  std::string second = create("second@example.com");
  Response r = call("PATCH", "/users/" + second, R"({"email":"first@example.com"})");
  expect_problem(r, 409, "email_taken");
  EXPECT_EQ(str(call("GET", "/users/" + second).json().at("email")), "second@example.com");
}

TEST_F(HttpApi, ListPaginationWithQueryStringCoercion) {
  // the users that exist before this test's (DemoServer's owner), oldest first
  Response existing = call("GET", "/users?limit=100");
  ASSERT_EQ(existing.status, 200) << existing;
  const auto listed = existing.json();
  std::vector<std::string> all;
  for (const auto& u : listed.at("users").as_array()) all.push_back(str(u.at("id")));
  ASSERT_EQ(listed.at("total"), static_cast<std::int64_t>(all.size())) << existing;
  const std::size_t before = all.size();

  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(create("u" + std::to_string(i) + "@example.com"));
  all.insert(all.end(), ids.begin(), ids.end());

  Response page1 = call("GET", "/users?limit=2");
  ASSERT_EQ(page1.status, 200) << page1;
  EXPECT_EQ(page1.json().at("total"), static_cast<std::int64_t>(before + 5));
  ASSERT_EQ(page1.json().at("users").as_array().size(), 2u) << page1;
  EXPECT_EQ(str(page1.json().at("users").at(0).at("id")), all[0]) << "oldest first";
  EXPECT_EQ(str(page1.json().at("users").at(1).at("id")), all[1]) << "oldest first";

  // the last page, one user: this test's last
  Response page3 = call("GET", "/users?limit=2&offset=" + std::to_string(before + 4));
  ASSERT_EQ(page3.status, 200) << page3;
  ASSERT_EQ(page3.json().at("users").as_array().size(), 1u) << page3;
  EXPECT_EQ(str(page3.json().at("users").at(0).at("id")), ids[4]);

  EXPECT_EQ(call("GET", "/users?offset=" + std::to_string(before + 5)).json().at("users").as_array().size(), 0u);
  EXPECT_EQ(call("GET", "/users?limit=100").json().at("users").as_array().size(), before + 5);
  EXPECT_EQ(call("GET", "/users?limit=1").json().at("users").as_array().size(), 1u);
  // query values are percent-decoded before they are coerced
  EXPECT_EQ(call("GET", "/users?limit=%32").json().at("users").as_array().size(), 2u);
}

TEST_F(HttpApi, ListRejectsOutOfRangeOrNonIntegerLimitWithItsJsonPointer) {
  for (std::string q : {"limit=0", "limit=101", "limit=abc", "limit=1.5", "limit=", "limit=-1", "limit",
                        "limit=99999999999999999999", "limit=2%00"}) {
    SCOPED_TRACE(q);
    Response r = call("GET", "/users?" + q);
    expect_validation(r, {"/limit"});
  }
  expect_validation(call("GET", "/users?offset=-1"), {"/offset"});
  // a repeated scalar parameter is not silently reduced to one of its values
  expect_validation(call("GET", "/users?limit=1&limit=2"), {"/limit"});
  // every failure is reported, not only the first
  expect_validation(call("GET", "/users?limit=0&offset=x"), {"/limit", "/offset"});
}

TEST_F(HttpApi, UnknownQueryParameterIsRejected) {
  expect_validation(call("GET", "/users?limti=5"), {"/limti"});
}

TEST_F(HttpApi, PathParamIsValidatedAsAUuid) {
  expect_validation(call("GET", "/users/not-a-uuid"), {"/id"});
  expect_validation(call("DELETE", "/users/123"), {"/id"});
  // a percent-encoded path segment is decoded before it is matched
  std::string id = create("pct@example.com");
  std::string encoded = id;
  encoded.replace(0, 1, "%" + [&] {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned char>(id[0]));
    return std::string(buf);
  }());
  Response r = call("GET", "/users/" + encoded);
  EXPECT_EQ(r.status, 200) << r;
}

TEST_F(HttpApi, PathParamWinsOverTheSameKeyInTheBody) {
  std::string a = create("a@example.com", "A");
  std::string b = create("b@example.com", "B");
  Response r = call("PATCH", "/users/" + a, R"({"id":")" + b + R"(","name":"Changed"})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(str(r.json().at("id")), a);
  EXPECT_EQ(str(call("GET", "/users/" + a).json().at("name")), "Changed");
  EXPECT_EQ(str(call("GET", "/users/" + b).json().at("name")), "B") << "the body's id must not pick the row";
}

TEST_F(HttpApi, TrailingSlashMatchesTheSameRoute) {
  const std::int64_t before = total();
  create("slash@example.com");
  Response r = call("GET", "/users/");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.json().at("total"), before + 1);
}

TEST_F(HttpApi, CreateValidationReportsEveryFailingPointer) {
  const std::int64_t before = total();
  expect_validation(call("POST", "/users", "{}"), {"/email", "/name"});
  // no body at all is the same as {}
  expect_validation(call("POST", "/users", ""), {"/email", "/name"});
  expect_validation(call("POST", "/users", R"({"email":"not-an-email","name":""})"), {"/email", "/name"});
  expect_validation(call("POST", "/users", R"({"email":"a@b.co","name":"A","role":"superuser"})"), {"/role"});
  expect_validation(call("POST", "/users", R"({"email":"a@b.co","name":"A","admin":true})"), {"/admin"});
  expect_validation(call("POST", "/users", R"({"email":"a@b.co","name":")" + std::string(201, 'x') + "\"}"),
                    {"/name"});
  EXPECT_EQ(total(), before);
}

TEST_F(HttpApi, WrongJsonTypesAre400) {
  expect_validation(call("POST", "/users", R"({"email":5,"name":true})"), {"/email", "/name"});
  expect_validation(call("POST", "/users", R"({"email":null,"name":["A"]})"), {"/email", "/name"});
  expect_validation(call("POST", "/users", R"({"email":"a@b.co","name":{"first":"A"}})"), {"/name"});
  std::string id = create("types@example.com");
  expect_validation(call("PATCH", "/users/" + id, R"({"role":1})"), {"/role"});
}

TEST_F(HttpApi, JsonBodyThatIsNotAnObjectIs400) {
  for (std::string body : {"[]", R"([{"email":"a@b.co","name":"A"}])", "42", "\"text\"", "true", "null"}) {
    SCOPED_TRACE(body);
    Response r = call("POST", "/users", body);
    EXPECT_EQ(r.status, 400) << r;
    EXPECT_THAT(r.header("content-type").value_or(""), ::testing::StartsWith("application/problem+json"));
  }
  EXPECT_TRUE(server.healthy());
}

TEST_F(HttpApi, UnknownRouteIs404Problem) {
  for (std::string target : std::vector<std::string>{"/nope", "/users/a/b", "/users/" + std::string(kUnknownId) + "/extra"}) {
    SCOPED_TRACE(target);
    Response r = call("GET", target);
    expect_problem(r, 404, "route_not_found");
  }
}

// GET / in development is a front door (links to the reference, the dashboard, the document
// and how to connect an MCP client); in production it is a 404 unless something owns it.
TEST(HttpFrontDoor, DevelopmentOnly) {
  NoDefaultHeaders plain;
  DemoServer dev({.sign_in = false});
  Response page = http(dev.port(), "GET", "/");
  ASSERT_EQ(page.status, 200) << page;
  EXPECT_THAT(page.header("content-type").value_or(""), HasSubstr("text/html"));
  for (const char* link : {"href=\"/docs\"", "href=\"/_admin\"", "href=\"/openapi.json\"", "/mcp"})
    EXPECT_THAT(page.body, HasSubstr(link));
  EXPECT_EQ(http(dev.port(), "HEAD", "/").status, 200);
  expect_problem(http(dev.port(), "POST", "/", "{}"), 404, "route_not_found");
  DemoServer prod({.env = {{"BUNBASE_ENV", "production"}}, .sign_in = false});
  expect_problem(http(prod.port(), "GET", "/"), 404, "route_not_found");
}

// OPTIONS: the methods of a path (Allow), and CORS preflights for the listed origins only.
TEST(HttpCors, PreflightsForListedOriginsOnly) {
  NoDefaultHeaders plain;
  DemoServer server({.env = {{"BUNBASE_CORS_ORIGINS", "http://app.example"}}, .sign_in = false});
  Response allow = http(server.port(), "OPTIONS", "/auth/sign-in");
  EXPECT_EQ(allow.status, 204) << allow;
  EXPECT_THAT(allow.header("allow").value_or(""), HasSubstr("POST"));
  const Headers preflight = {{"Origin", "http://app.example"}, {"Access-Control-Request-Method", "POST"},
                             {"Access-Control-Request-Headers", "content-type"}};
  Response ok = http(server.port(), "OPTIONS", "/auth/sign-in", {}, preflight);
  EXPECT_EQ(ok.status, 204) << ok;
  EXPECT_EQ(ok.header("access-control-allow-origin"), "http://app.example");
  EXPECT_THAT(ok.header("access-control-allow-methods").value_or(""), HasSubstr("POST"));
  EXPECT_EQ(ok.header("access-control-allow-headers"), "content-type");
  Response other = http(server.port(), "OPTIONS", "/auth/sign-in", {},
                        {{"Origin", "http://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(other.status, 204);
  EXPECT_FALSE(other.header("access-control-allow-origin")) << other;
  expect_problem(http(server.port(), "OPTIONS", "/no/such/route", {}, preflight), 404, "route_not_found");
  // An actual request from the listed origin is readable by its page; the dashboard is not.
  Response ping = http(server.port(), "GET", "/ping", {}, {{"Origin", "http://app.example"}});
  EXPECT_EQ(ping.header("access-control-allow-origin"), "http://app.example") << ping;
  EXPECT_THAT(ping.header("access-control-expose-headers").value_or(""), HasSubstr("traceparent"));
  for (const char* target : {"/_admin/api/overview", "/%5Fadmin/api/overview", "/mcp"}) {
    Response privileged = http(server.port(), "GET", target, {}, {{"Origin", "http://app.example"}});
    EXPECT_FALSE(privileged.header("access-control-allow-origin")) << target << "\n" << privileged;
  }
}

TEST_F(HttpApi, WrongMethodIs405WithAllow) {
  auto allowed = [](const Response& r) {
    std::set<std::string> verbs;
    std::string a = r.header("allow").value_or("");
    std::size_t start = 0;
    while (start <= a.size()) {
      auto comma = a.find(',', start);
      std::string v = a.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      v.erase(0, v.find_first_not_of(' '));
      v.erase(v.find_last_not_of(' ') + 1);
      if (!v.empty()) verbs.insert(v);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return verbs;
  };
  Response put = call("PUT", "/users", "{}");
  expect_problem(put, 405, "method_not_allowed");
  EXPECT_EQ(allowed(put), (std::set<std::string>{"GET", "POST"})) << put;
  Response del = call("DELETE", "/users");
  expect_problem(del, 405, "method_not_allowed");
  EXPECT_EQ(allowed(del), (std::set<std::string>{"GET", "POST"})) << del;
  Response post = call("POST", "/users/" + std::string(kUnknownId), "{}");
  expect_problem(post, 405, "method_not_allowed");
  EXPECT_EQ(allowed(post), (std::set<std::string>{"GET", "PATCH", "DELETE"})) << post;
  Response ping = call("POST", "/ping", "{}");
  expect_problem(ping, 405, "method_not_allowed");
  EXPECT_EQ(allowed(ping), (std::set<std::string>{"GET"})) << ping;
}

TEST_F(HttpApi, NonJsonContentTypeIs415) {
  const std::int64_t before = total();
  const std::string body = R"({"email":"a@b.co","name":"A"})";
  for (std::string type : {"text/plain", "application/x-www-form-urlencoded", "application/jsonx", "json"}) {
    SCOPED_TRACE(type);
    Response r = call("POST", "/users", body, {{"Content-Type", type}});
    expect_problem(r, 415, "unsupported_media_type");
  }
  // a body without any Content-Type
  Connection c(server.port());
  Response none = c.request("POST", "/users", body, {}, /*add_json_type=*/false);
  expect_problem(none, 415, "unsupported_media_type");
  EXPECT_EQ(total(), before);
  // JSON media types with parameters or in another case are JSON
  EXPECT_EQ(call("POST", "/users", body, {{"Content-Type", "Application/JSON; charset=utf-8"}}).status, 201);
}

TEST_F(HttpApi, ManyRequestsOnOneKeepAliveConnection) {
  Connection c(server.port());
  Response created = c.request("POST", "/users", R"({"email":"ka@example.com","name":"K"})");
  ASSERT_EQ(created.status, 201) << created;
  EXPECT_FALSE(created.closes()) << created;
  const std::string id = str(created.json().at("id"));
  // successes and errors alike keep the connection open
  struct Step {
    std::string method, target, body;
    int status;
  };
  std::vector<Step> steps = {
      {"GET", "/users/" + id, "", 200},        {"GET", "/nope", "", 404},
      {"PUT", "/users", "{}", 405},            {"GET", "/users?limit=0", "", 400},
      {"POST", "/users", "{", 400},            {"POST", "/users", R"({"email":"ka@example.com","name":"K"})", 409},
      {"PATCH", "/users/" + id, R"({"name":"L"})", 200}, {"GET", "/healthz", "", 200},
      {"GET", "/users", "", 200},              {"DELETE", "/users/" + id, "", 200},
  };
  for (const auto& s : steps) {
    SCOPED_TRACE(s.method + " " + s.target);
    Response r = c.request(s.method, s.target, s.body);
    EXPECT_EQ(r.status, s.status) << r;
    EXPECT_FALSE(r.closes()) << r;
  }
  // Connection: close is honoured: the response says so and the socket closes
  Response last = c.request("GET", "/healthz", "", {{"Connection", "close"}});
  EXPECT_EQ(last.status, 200);
  EXPECT_TRUE(last.closes()) << last;
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpApi, PipelinedRequestsAreAnsweredInOrder) {
  Connection c(server.port());
  std::string batch = Connection::build_request("GET", "/healthz") +
                      Connection::build_request("POST", "/users", R"({"email":"p@example.com","name":"P"})") +
                      Connection::build_request("GET", "/users?limit=1") + Connection::build_request("GET", "/nope");
  ASSERT_TRUE(c.send_raw(batch));
  std::vector<int> statuses;
  for (int i = 0; i < 4; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << "response " << i << " missing";
    statuses.push_back(r->status);
  }
  EXPECT_EQ(statuses, (std::vector<int>{200, 201, 200, 404}));
}

TEST_F(HttpApi, Http10RequestIsAnsweredAndClosed) {
  Connection c(server.port());
  ASSERT_TRUE(c.send_raw("GET /healthz HTTP/1.0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << *r;
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpApi, HeadResponseHasNoBody) {
  Connection c(server.port(), std::chrono::seconds(2));
  ASSERT_TRUE(c.send_raw(Connection::build_request("HEAD", "/healthz") + Connection::build_request("GET", "/healthz")));
  auto head = c.read_response(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200) << *head;
  auto next = c.read_response();
  ASSERT_TRUE(next) << "the response after HEAD is unreadable; bytes on the wire: " << c.pending();
  EXPECT_EQ(next->status, 200) << *next;
  EXPECT_EQ(next->body, R"({"status":"ok"})");
}

TEST_F(HttpApi, ExpectContinueIsAnsweredWith100) {
  const std::string body = R"({"email":"e@example.com","name":"E"})";
  Connection c(server.port(), std::chrono::milliseconds(1500));
  // signed in: POST /users requires authentication, and this test is about 100-continue
  ASSERT_TRUE(c.send_raw("POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         "Authorization: Bearer " + server.token() + "\r\n"
                         "Expect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  auto interim = c.read_response();
  ASSERT_TRUE(interim) << "no 100 Continue within 1.5 s";
  EXPECT_EQ(interim->status, 100) << *interim;
  ASSERT_TRUE(c.send_raw(body));
  auto final_response = c.read_response();
  ASSERT_TRUE(final_response);
  EXPECT_EQ(final_response->status, 201) << *final_response;
}

}  // namespace
}  // namespace bbit
