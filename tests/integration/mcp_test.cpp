// The demo's MCP server, spoken to by the official TypeScript SDK client (tests/js/mcp_client.mjs)
// over Streamable HTTP and over stdio (`saas-demo mcp`), and by hand for the protocol's edges:
// sessions, origins, error codes, pagination, the 401 challenge and the stateless revision.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "tests/integration/support/demo_server.hpp"

namespace bbit {
namespace {

namespace json = boost::json;

const std::string kNode = BUNBASE_NODE_BIN;
const std::string kJsDir = BUNBASE_JS_DIR;

// The SDK client's report (see mcp_client.mjs), after checking it ran to the end.
json::object run_client(const TempDir& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{kJsDir + "/mcp_client.mjs"};
  argv.insert(argv.end(), args.begin(), args.end());
  Completed c = run_to_end(kNode, argv, ProcessOptions{.cwd = dir.path(), .name = "mcp-client"}, std::chrono::seconds(30));
  EXPECT_EQ(c.code, 0) << "stdout: " << c.out << "\nstderr: " << c.err;
  boost::system::error_code ec;
  json::value v = json::parse(c.out, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "the client printed no JSON: " << c.out << "\nstderr: " << c.err;
    return {};
  }
  return v.as_object();
}

const json::object* find_tool(const json::object& report, std::string_view name) {
  for (const auto& t : report.at("tools").as_array())
    if (t.at("name").as_string() == name) return &t.as_object();
  return nullptr;
}

const json::object& call_result(const json::object& report, std::size_t i) {
  const auto& call = report.at("calls").as_array().at(i).as_object();
  EXPECT_TRUE(call.contains("result")) << json::serialize(call);
  static const json::object empty;
  return call.contains("result") ? call.at("result").as_object() : empty;
}

std::string text_of(const json::object& result) {
  const auto& content = result.at("content").as_array();
  return content.empty() ? "" : std::string(content[0].at("text").as_string());
}

std::string mcp_url(const DemoServer& s) { return "http://127.0.0.1:" + std::to_string(s.port()) + "/mcp"; }

std::string create_api_key(const DemoServer& s) {
  Response r = http(s.port(), "POST", "/auth/api-keys", R"({"name":"mcp agent"})");
  if (r.status != 201) throw std::runtime_error("api key: " + std::to_string(r.status) + " " + r.body);
  return std::string(r.json().at("key").as_string());
}

// Signs up a user that is not one of the demo's admins; returns its bearer token.
std::string member_token(const DemoServer& s) {
  Response up = http(s.port(), "POST", "/auth/sign-up",
                     R"({"email":"member@example.com","password":"correct horse","name":"Member"})",
                     {{"Authorization", ""}});
  if (up.status != 202) throw std::runtime_error("sign-up: " + std::to_string(up.status) + " " + up.body);
  Response r = http(s.port(), "POST", "/auth/sign-in", R"({"email":"member@example.com","password":"correct horse"})",
                    {{"Authorization", ""}});
  if (r.status != 200) throw std::runtime_error("sign-in: " + std::to_string(r.status) + " " + r.body);
  return std::string(r.json().at("token").as_string());
}

// Raw JSON-RPC over POST /mcp.
Headers mcp_headers(std::optional<std::string> session = std::nullopt, Headers extra = {}) {
  Headers h{{"Accept", "application/json, text/event-stream"}, {"Content-Type", "application/json"}};
  if (session) h.emplace_back("Mcp-Session-Id", *session);
  for (auto& kv : extra) h.push_back(std::move(kv));
  return h;
}

std::string initialize(const DemoServer& s, std::string_view version = "2025-11-25") {
  Response r = http(s.port(), "POST", "/mcp",
                    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":")" +
                        std::string(version) + R"(","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}})",
                    mcp_headers());
  EXPECT_EQ(r.status, 200) << r;
  auto id = r.header("mcp-session-id");
  EXPECT_TRUE(id.has_value()) << r;
  EXPECT_EQ(r.json().at("result").at("protocolVersion"), json::value(json::string(version)));
  return id.value_or("");
}

TEST(Mcp, HttpSdkClientListsToolsWithTheActionsSchemasAndCallsThem) {
  DemoServer server;
  const std::string key = create_api_key(server);
  auto report = run_client(server.dir(), {"--url", mcp_url(server), "--token", key,
                                          "--call", "create_user", R"({"email":"ada@example.com","name":"Ada"})",
                                          "--call", "create_user", R"({"email":"not-an-email","name":"Bad"})",
                                          "--call", "list_users", R"({"limit":10})"});
  ASSERT_FALSE(report.empty());
  EXPECT_EQ(report.at("protocolVersion"), "2025-11-25");
  EXPECT_EQ(report.at("serverInfo").at("name"), "saas-demo");
  EXPECT_EQ(report.at("capabilities").at("tools").at("listChanged"), false);
  const std::string session(report.at("sessionId").as_string());
  EXPECT_FALSE(session.empty());

  // The advertised schemas are the actions' types (CreateUserInput, CreateUserOutput, ...).
  const auto* create = find_tool(report, "create_user");
  ASSERT_NE(create, nullptr);
  EXPECT_EQ(create->at("description"), "Creates a new user account");
  EXPECT_EQ(create->at("title"), "Create a user");
  const auto& in = create->at("inputSchema").as_object();
  EXPECT_EQ(in.at("type"), "object");
  EXPECT_EQ(in.at("additionalProperties"), false);
  EXPECT_EQ(in.at("required"), (json::array{"email", "name"}));
  EXPECT_EQ(in.at("properties").at("email").at("type"), "string");
  EXPECT_EQ(in.at("properties").at("email").at("format"), "email");
  EXPECT_EQ(in.at("properties").at("name").at("minLength"), 1);
  EXPECT_EQ(in.at("properties").at("name").at("maxLength"), 200);
  EXPECT_EQ(in.at("properties").at("role").at("enum"), (json::array{"user", "admin"}));
  const auto& out = create->at("outputSchema").as_object();
  EXPECT_EQ(out.at("type"), "object");
  EXPECT_EQ(out.at("required"), (json::array{"id", "email"}));
  EXPECT_EQ(create->at("annotations").at("readOnlyHint"), false);
  EXPECT_EQ(create->at("annotations").at("destructiveHint"), false);

  const auto* get = find_tool(report, "get_user");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->at("inputSchema").at("properties").at("id").at("format"), "uuid");
  EXPECT_EQ(get->at("inputSchema").at("required"), json::array{"id"});
  EXPECT_EQ(get->at("outputSchema").at("properties").at("role").at("enum"), (json::array{"user", "admin"}));
  EXPECT_EQ(get->at("annotations").at("readOnlyHint"), true);
  const auto* list = find_tool(report, "list_users");
  ASSERT_NE(list, nullptr);
  const auto& limit = list->at("inputSchema").at("properties").at("limit");
  EXPECT_EQ(limit.at("type"), "integer");
  EXPECT_EQ(limit.at("minimum"), 1);
  EXPECT_EQ(limit.at("maximum"), 100);
  EXPECT_FALSE(list->at("inputSchema").as_object().contains("required"));
  EXPECT_EQ(list->at("outputSchema").at("properties").at("users").at("type"), "array");

  // Success: structured content (checked against outputSchema by the SDK) and the same JSON as text.
  const auto& ok = call_result(report, 0);
  EXPECT_FALSE(ok.contains("isError") && ok.at("isError") == true) << json::serialize(ok);
  EXPECT_EQ(ok.at("structuredContent").at("email"), "ada@example.com");
  EXPECT_FALSE(ok.at("structuredContent").at("id").as_string().empty());
  EXPECT_EQ(json::parse(text_of(ok)), ok.at("structuredContent"));

  // A validation failure is a tool result the model can act on: it names the field.
  const auto& invalid = call_result(report, 1);
  EXPECT_EQ(invalid.at("isError"), true);
  EXPECT_NE(text_of(invalid).find("validation_failed"), std::string::npos) << text_of(invalid);
  EXPECT_NE(text_of(invalid).find("/email"), std::string::npos) << text_of(invalid);

  const auto& listed = call_result(report, 2);
  EXPECT_GE(listed.at("structuredContent").at("total").as_int64(), 2);

  // Runs are recorded as tool runs of this session.
  ASSERT_EQ(server.stop(SIGTERM), 0);
  Db db(server.db_url());
  auto runs = db.query("SELECT action_name, status, trigger_detail FROM action_runs WHERE trigger_type = 'tool' ORDER BY id");
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0]["action_name"], "createUser");
  EXPECT_EQ(runs[0]["status"], "success");
  EXPECT_EQ(runs[1]["status"], "error");
  EXPECT_EQ(runs[2]["action_name"], "listUsers");
  for (auto& r : runs) EXPECT_EQ(r["trigger_detail"], session);
  EXPECT_EQ(db.count("SELECT count(*) FROM users WHERE email = 'ada@example.com'"), 1);
}

TEST(Mcp, HttpGuardsSeeTheBearerToken) {
  DemoServer server;
  // A session token of a user who is not an admin: admin_only refuses, as a tool result.
  auto report = run_client(server.dir(), {"--url", mcp_url(server), "--token", member_token(server),
                                          "--call", "create_user", R"({"email":"eve@example.com","name":"Eve"})"});
  ASSERT_FALSE(report.empty());
  const auto& denied = call_result(report, 0);
  EXPECT_EQ(denied.at("isError"), true);
  EXPECT_NE(text_of(denied).find("permission_denied"), std::string::npos) << text_of(denied);
  EXPECT_FALSE(denied.contains("structuredContent"));

  // The admin's session token works as well as an API key.
  report = run_client(server.dir(), {"--url", mcp_url(server), "--token", server.token(),
                                     "--call", "get_user", "{\"id\":\"" + server.user_id() + "\"}"});
  ASSERT_FALSE(report.empty());
  EXPECT_EQ(call_result(report, 0).at("structuredContent").at("email"), "owner@example.com");
}

TEST(Mcp, NoCredentialsIsA401WithABearerChallenge) {
  DemoServer server;
  const Headers no_auth{{"Authorization", ""}};
  // The SDK connects and lists without credentials, and its call fails on the 401.
  default_headers().clear();
  auto report = run_client(server.dir(), {"--url", mcp_url(server),
                                          "--call", "list_users", "{}"});
  ASSERT_FALSE(report.empty());
  const auto& call = report.at("calls").as_array().at(0).as_object();
  ASSERT_TRUE(call.contains("error")) << json::serialize(call);
  EXPECT_EQ(call.at("error").at("code"), 401) << json::serialize(call);  // the SDK's StreamableHTTPError

  std::string session = initialize(server);
  Response r = http(server.port(), "POST", "/mcp",
                    R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_users","arguments":{}}})",
                    mcp_headers(session, {{"MCP-Protocol-Version", "2025-11-25"}}));
  EXPECT_EQ(r.status, 401) << r;
  ASSERT_TRUE(r.header("www-authenticate").has_value()) << r;
  EXPECT_TRUE(r.header("www-authenticate")->starts_with("Bearer")) << r;

  // An invalid token: 401 too, saying so.
  r = http(server.port(), "POST", "/mcp",
           R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"list_users","arguments":{}}})",
           mcp_headers(session, {{"Authorization", "Bearer bbk_not_a_key"}}));
  EXPECT_EQ(r.status, 401) << r;
  EXPECT_NE(r.header("www-authenticate").value_or("").find("invalid_token"), std::string::npos) << r;
}

TEST(Mcp, StdioWithAnApiKey) {
  DemoServer server;
  const std::string key = create_api_key(server);
  auto report = run_client(server.dir(), {"--command", kSaasDemo, "--arg", "mcp", "--cwd", server.dir().path().string(),
                                          "--env", "BUNBASE_API_KEY=" + key, "--env", "DATABASE_URL=" + server.db_url(),
                                          "--env", "BUNBASE_PERSISTENCE_ENABLED=true",
                                          "--call", "create_user", R"({"email":"grace@example.com","name":"Grace"})",
                                          "--call", "create_user", R"({"email":"grace@example.com","name":""})"});
  ASSERT_FALSE(report.empty());
  EXPECT_EQ(report.at("serverInfo").at("name"), "saas-demo");
  ASSERT_NE(find_tool(report, "create_user"), nullptr);
  ASSERT_NE(find_tool(report, "list_users"), nullptr);
  EXPECT_EQ(call_result(report, 0).at("structuredContent").at("email"), "grace@example.com");
  const auto& invalid = call_result(report, 1);
  EXPECT_EQ(invalid.at("isError"), true);
  EXPECT_NE(text_of(invalid).find("/name"), std::string::npos) << text_of(invalid);

  Db db(server.db_url());
  EXPECT_EQ(db.count("SELECT count(*) FROM users WHERE email = 'grace@example.com'"), 1);
  // The stdio process flushed its run history when stdin closed.
  EXPECT_EQ(db.count("SELECT count(*) FROM action_runs WHERE trigger_type = 'tool' AND trigger_detail = 'stdio'"), 2);
}

TEST(Mcp, StdioWithoutAKeyIsAnonymousAndABadKeyStopsIt) {
  DemoServer server;
  auto report = run_client(server.dir(), {"--command", kSaasDemo, "--arg", "mcp", "--cwd", server.dir().path().string(),
                                          "--env", "DATABASE_URL=" + server.db_url(),
                                          "--call", "list_users", "{}"});
  ASSERT_FALSE(report.empty());
  const auto& refused = call_result(report, 0);
  EXPECT_EQ(refused.at("isError"), true);
  EXPECT_NE(text_of(refused).find("unauthenticated"), std::string::npos) << text_of(refused);

  Completed c = run_to_end(kSaasDemo, {"mcp"},
                           ProcessOptions{.cwd = server.dir().path(),
                                          .env = {{"DATABASE_URL", server.db_url()}, {"BUNBASE_API_KEY", "bbk_wrong"}},
                                          .name = "mcp-bad-key"});
  EXPECT_EQ(c.code, 1);
  EXPECT_TRUE(c.out.empty()) << c.out;
  EXPECT_NE(c.err.find("BUNBASE_API_KEY"), std::string::npos) << c.err;
}

TEST(Mcp, StdioRefusesPendingMigrations) {
  TempDir dir;
  write_demo_config(dir.path());
  TestDatabase fresh(dir.path(), "fresh.db");
  Completed c = run_to_end(kSaasDemo, {"mcp"},
                           ProcessOptions{.cwd = dir.path(),
                                          .env = {{"DATABASE_URL", fresh.url()}},
                                          .name = "mcp-fresh"});
  EXPECT_EQ(c.code, 1);
  EXPECT_TRUE(c.out.empty()) << c.out;
  EXPECT_NE(c.err.find("migration"), std::string::npos) << c.err;
}

TEST(Mcp, HttpProtocolEdges) {
  DemoServer server;
  const int port = server.port();
  // A bad Origin is refused before anything else.
  Response r = http(port, "POST", "/mcp", R"({"jsonrpc":"2.0","id":1,"method":"ping"})",
                    mcp_headers(std::nullopt, {{"Origin", "http://evil.example"}}));
  EXPECT_EQ(r.status, 403) << r;

  // Parse error, without an id.
  r = http(port, "POST", "/mcp", "{not json", mcp_headers());
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.json().at("error").at("code"), -32700);
  EXPECT_FALSE(r.json().as_object().contains("id"));
  // Wrong media type.
  r = http(port, "POST", "/mcp", R"({"jsonrpc":"2.0","id":1,"method":"ping"})", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 415) << r;
  // GET: no server-initiated stream.
  r = http(port, "GET", "/mcp");
  EXPECT_EQ(r.status, 405) << r;

  // Without a session: 400; with an unknown one: 404.
  r = http(port, "POST", "/mcp", R"({"jsonrpc":"2.0","id":1,"method":"ping"})", mcp_headers());
  EXPECT_EQ(r.status, 400) << r;
  r = http(port, "POST", "/mcp", R"({"jsonrpc":"2.0","id":1,"method":"ping"})", mcp_headers("mcp_nosuchsession"));
  EXPECT_EQ(r.status, 404) << r;

  // An older revision is echoed; an unknown one gets our latest.
  EXPECT_FALSE(initialize(server, "2025-03-26").empty());
  Response unknown = http(port, "POST", "/mcp",
                          R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-01-01","capabilities":{},"clientInfo":{"name":"x","version":"1"}}})",
                          mcp_headers());
  EXPECT_EQ(unknown.json().at("result").at("protocolVersion"), "2025-11-25");

  const std::string session = initialize(server);
  auto post = [&](std::string body, Headers extra = {}) {
    return http(port, "POST", "/mcp", body, mcp_headers(session, std::move(extra)));
  };
  r = post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(r.status, 202) << r;
  EXPECT_TRUE(r.body.empty());
  r = post(R"({"jsonrpc":"2.0","id":"p","method":"ping"})");
  EXPECT_EQ(r.json(), (json::value{{"jsonrpc", "2.0"}, {"id", "p"}, {"result", json::object()}})) << r;
  r = post(R"({"jsonrpc":"2.0","id":2,"method":"resources/list"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json().at("error").at("code"), -32601) << r;
  EXPECT_EQ(r.json().at("id"), 2);
  r = post(R"({"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"cursor":"garbage"}})");
  EXPECT_EQ(r.json().at("error").at("code"), -32602) << r;
  r = post(R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"no_such_tool","arguments":{}}})");
  EXPECT_EQ(r.json().at("error").at("code"), -32602) << r;
  r = post(R"({"jsonrpc":"2.0","id":null,"method":"ping"})");
  EXPECT_EQ(r.json().at("error").at("code"), -32600) << r;
  r = post(R"({"jsonrpc":"2.0","id":5,"method":"ping"})", {{"MCP-Protocol-Version", "1999-01-01"}});
  EXPECT_EQ(r.status, 400) << r;

  // The demo has three tools: one page.
  r = post(R"({"jsonrpc":"2.0","id":6,"method":"tools/list"})");
  EXPECT_EQ(r.json().at("result").at("tools").as_array().size(), 3u) << r;
  EXPECT_FALSE(r.json().at("result").as_object().contains("nextCursor"));

  // DELETE ends the session; afterwards it is unknown.
  r = http(port, "DELETE", "/mcp", {}, {{"Mcp-Session-Id", session}});
  EXPECT_EQ(r.status, 200) << r;
  r = post(R"({"jsonrpc":"2.0","id":7,"method":"ping"})");
  EXPECT_EQ(r.status, 404) << r;
  r = http(port, "DELETE", "/mcp", {}, {{"Mcp-Session-Id", session}});
  EXPECT_EQ(r.status, 404) << r;
}

TEST(Mcp, StatelessRevisionOnTheSameEndpoint) {
  DemoServer server;
  const int port = server.port();
  const Headers modern{{"Content-Type", "application/json"}, {"Accept", "application/json"},
                       {"MCP-Protocol-Version", "2026-07-28"}};
  auto meta = std::string(R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"})");
  Response r = http(port, "POST", "/mcp", R"({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{)" + meta + "}}",
                    modern);
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_FALSE(r.header("mcp-session-id").has_value());
  const json::value body = r.json();
  const auto& discover = body.at("result");
  EXPECT_EQ(discover.at("resultType"), "complete");
  EXPECT_EQ(discover.at("serverInfo").at("name"), "saas-demo");
  EXPECT_EQ(discover.at("capabilities").at("tools").at("listChanged"), false);

  // No initialize, no session: list and call, each request naming its version.
  r = http(port, "POST", "/mcp", R"({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{)" + meta + "}}",
           {{"Content-Type", "application/json"}, {"Accept", "application/json"}, {"Mcp-Method", "tools/list"}});
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.json().at("result").at("resultType"), "complete");
  EXPECT_TRUE(r.json().at("result").as_object().contains("ttlMs"));
  EXPECT_TRUE(r.json().at("result").as_object().contains("cacheScope"));
  EXPECT_EQ(r.json().at("result").at("tools").as_array().size(), 3u);

  r = http(port, "POST", "/mcp",
           R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_user","arguments":{"id":")" +
               server.user_id() + R"("},)" + meta + "}}",
           modern);
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.json().at("result").at("resultType"), "complete");
  EXPECT_EQ(r.json().at("result").at("structuredContent").at("email"), "owner@example.com");

  // An unsupported version named in _meta: 400 with -32022 and the supported list.
  r = http(port, "POST", "/mcp",
           R"({"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01"}}})",
           {{"Content-Type", "application/json"}, {"Accept", "application/json"}});
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.json().at("error").at("code"), -32022);
  EXPECT_TRUE(r.json().at("error").at("data").at("supported").is_array());

  // GET and DELETE: 405 in this revision.
  EXPECT_EQ(http(port, "GET", "/mcp", {}, modern).status, 405);
  EXPECT_EQ(http(port, "DELETE", "/mcp", {}, modern).status, 405);
}

}  // namespace
}  // namespace bbit
