// The MCP protocol core against an in-process app: lifecycle, error codes, tools/list with its
// schemas and pages, tools/call through the executor (success, tool errors, guards), and the
// stateless 2026-07-28 requests.
#include "src/triggers/mcp_server.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdio>

#include "bunbase/bunbase.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/testing/test_app.hpp"

namespace bb::triggers {
namespace {

namespace json = boost::json;

struct AddInput {
  std::int64_t a;
  bb::Int<bb::Minimum<0>> b;
};
BOOST_DESCRIBE_STRUCT(AddInput, (), (a, b))
struct AddOutput {
  std::int64_t sum;
};
BOOST_DESCRIBE_STRUCT(AddOutput, (), (sum))

Guard needs_user() {
  return Guard("needs_user", [](Context& ctx) {
    if (!ctx.auth.authenticated()) throw Error(ErrorCode::unauthenticated, "authentication required").with_code("unauthenticated");
  });
}

Module tools_module() {
  std::vector<Action> actions;
  actions.push_back(action<AddInput, AddOutput>(
      {.name = "add",
       .description = "Adds two integers",
       .triggers = {triggers::tool({.annotations = {.read_only = true, .idempotent = true}})}},
      [](const AddInput& in, Context&) { return AddOutput{in.a + in.b.value}; }));
  actions.push_back(action<std::string, std::string>(
      {.name = "echo", .description = "Echoes", .triggers = {triggers::tool({.name = "echo_text", .title = "Echo", .description = "Says it back"})}},
      [](const std::string& in, Context&) { return in; }));
  actions.push_back(action<Empty, AddOutput>(
      {.name = "whoami", .triggers = {triggers::tool({.name = "whoami"})}, .guards = {needs_user()}},
      [](const Empty&, Context& ctx) { return AddOutput{static_cast<std::int64_t>(ctx.auth.user_id.size())}; }));
  actions.push_back(action<Empty, Empty>(
      {.name = "failing", .triggers = {triggers::tool({.name = "failing"})}},
      [](const Empty&, Context&) -> Empty { throw Error(ErrorCode::conflict, "already taken").with_code("taken"); }));
  actions.push_back(action<Empty, Empty>({.name = "notATool"}, [](const Empty&, Context&) { return Empty{}; }));
  return module({.name = "tools", .actions = std::move(actions)});
}

// 120 more tools, for pagination.
Module many_module() {
  std::vector<Action> actions;
  for (int i = 0; i < 120; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "t%03d", i);
    actions.push_back(action<Empty, Empty>({.name = name, .triggers = {triggers::tool()}},
                                           [](const Empty&, Context&) { return Empty{}; }));
  }
  return module({.name = "many", .actions = std::move(actions)});
}

const AppManifest& manifest() {
  static const AppManifest m{.name = "mcp-test", .modules = {&tools_module, &many_module}};
  return m;
}

class McpServerTest : public ::testing::Test {
 protected:
  testing::TestApp app{manifest()};
  McpServer server{app.app().registry(), app.app().executor(), {.name = "mcp-test", .version = "1.2.3"}};

  McpOutcome send(std::string_view text, const McpCaller& caller = {.session = "s1"}) {
    return server.handle_text(text, caller);
  }
  json::value result(std::string_view text, const McpCaller& caller = {.session = "s1"}) {
    McpOutcome o = send(text, caller);
    EXPECT_TRUE(o.response.has_value());
    if (!o.response) return nullptr;
    EXPECT_TRUE(o.response->as_object().contains("result")) << json::serialize(*o.response);
    const auto* r = o.response->as_object().if_contains("result");
    return r ? *r : json::value();
  }
  int error_code(std::string_view text) {
    McpOutcome o = send(text);
    if (!o.response || !o.response->as_object().contains("error")) {
      ADD_FAILURE() << "no error for " << text;
      return 0;
    }
    return static_cast<int>(o.response->at("error").at("code").as_int64());
  }
  json::object tool(std::string_view name) {
    for (const auto& t : server.tools())
      if (t.name == name) return t.descriptor;
    ADD_FAILURE() << "no tool " << name;
    return {};
  }
  json::value call(std::string_view name, std::string_view arguments, const McpCaller& caller = {.session = "s1"}) {
    return result(R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":")" + std::string(name) +
                      R"(","arguments":)" + std::string(arguments) + "}}",
                  caller);
  }
};

TEST_F(McpServerTest, InitializeEchoesAKnownVersionElseOurLatest) {
  for (std::string_view v : {"2025-11-25", "2025-06-18", "2025-03-26"}) {
    auto r = result(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":")" + std::string(v) +
                    R"(","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
    EXPECT_EQ(r.at("protocolVersion"), json::value(json::string(v)));
  }
  McpOutcome o = send(R"({"jsonrpc":"2.0","id":"x","method":"initialize","params":{"protocolVersion":"2024-11-05"}})");
  ASSERT_TRUE(o.response);
  EXPECT_EQ(o.negotiated, "2025-11-25");
  const auto& r = o.response->at("result");
  EXPECT_EQ(o.response->at("id"), "x");
  EXPECT_EQ(r.at("protocolVersion"), "2025-11-25");
  EXPECT_EQ(r.at("capabilities"), (json::value{{"tools", {{"listChanged", false}}}}));
  EXPECT_EQ(r.at("serverInfo"), (json::value{{"name", "mcp-test"}, {"version", "1.2.3"}}));
}

TEST_F(McpServerTest, NotificationsAndResponsesGetNoAnswer) {
  EXPECT_FALSE(send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").response);
  EXPECT_FALSE(send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})").response);
  EXPECT_FALSE(send(R"({"jsonrpc":"2.0","method":"no/such/notification"})").response);
  EXPECT_FALSE(send(R"({"jsonrpc":"2.0","id":5,"result":{}})").response);
  EXPECT_EQ(result(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"), json::object());
}

TEST_F(McpServerTest, ProtocolFaultsAreJsonRpcErrors) {
  McpOutcome parse = send("{\"jsonrpc\":");
  ASSERT_TRUE(parse.response);
  EXPECT_EQ(parse.response->at("error").at("code"), -32700);
  EXPECT_FALSE(parse.response->as_object().contains("id"));

  EXPECT_EQ(error_code("[1,2]"), -32600);
  EXPECT_EQ(error_code(R"({"id":1,"method":"ping"})"), -32600);                      // no jsonrpc
  EXPECT_EQ(error_code(R"({"jsonrpc":"1.0","id":1,"method":"ping"})"), -32600);
  EXPECT_EQ(error_code(R"({"jsonrpc":"2.0","id":null,"method":"ping"})"), -32600);    // id never null
  EXPECT_EQ(error_code(R"({"jsonrpc":"2.0","id":{},"method":"ping"})"), -32600);
  EXPECT_EQ(error_code(R"({"jsonrpc":"2.0","id":1,"method":7})"), -32600);
  EXPECT_EQ(error_code(R"({"jsonrpc":"2.0","id":1,"method":"prompts/list"})"), -32601);
  EXPECT_EQ(error_code(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1]})"), -32602);
  EXPECT_EQ(error_code(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}})"), -32602);
  EXPECT_EQ(error_code(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope"}})"), -32602);
  EXPECT_EQ(error_code(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":[]}})"), -32602);
  // The id comes back as sent.
  McpOutcome o = send(R"({"jsonrpc":"2.0","id":"abc","method":"nope"})");
  EXPECT_EQ(o.response->at("id"), "abc");
}

TEST_F(McpServerTest, ToolsCarryTheActionsSchemasAndHints) {
  EXPECT_EQ(server.tools().size(), 124u);  // notATool has no tool trigger
  auto add = tool("add");
  EXPECT_EQ(add.at("description"), "Adds two integers");
  EXPECT_EQ(add.at("inputSchema").at("type"), "object");
  EXPECT_EQ(add.at("inputSchema").at("required"), (json::array{"a", "b"}));
  EXPECT_EQ(add.at("inputSchema").at("properties").at("b").at("minimum"), 0);
  EXPECT_EQ(add.at("inputSchema").at("additionalProperties"), false);
  auto expected_in = schema_of<AddInput>().to_json_schema();
  EXPECT_EQ(add.at("inputSchema"), expected_in);
  EXPECT_EQ(add.at("outputSchema"), schema_of<AddOutput>().to_json_schema());
  EXPECT_EQ(add.at("annotations"), (json::value{{"readOnlyHint", true}, {"idempotentHint", true}}));

  // A string input is wrapped into an object (the SDK refuses other roots); no outputSchema.
  auto echo = tool("echo_text");
  EXPECT_EQ(echo.at("title"), "Echo");
  EXPECT_EQ(echo.at("description"), "Says it back");
  EXPECT_EQ(echo.at("inputSchema").at("type"), "object");
  EXPECT_EQ(echo.at("inputSchema").at("required"), json::array{"input"});
  EXPECT_EQ(echo.at("inputSchema").at("properties").at("input").at("type"), "string");
  EXPECT_FALSE(echo.contains("outputSchema"));
  EXPECT_FALSE(tool("whoami").contains("annotations"));
  EXPECT_EQ(tool("whoami").at("inputSchema").at("type"), "object");
}

TEST_F(McpServerTest, ToolsListPages) {
  std::vector<std::string> names;
  std::string cursor;
  int pages = 0;
  do {
    std::string params = cursor.empty() ? "{}" : R"({"cursor":")" + cursor + R"("})";
    auto r = result(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":)" + params + "}");
    ++pages;
    for (const auto& t : r.at("tools").as_array()) names.emplace_back(t.at("name").as_string());
    EXPECT_LE(r.at("tools").as_array().size(), 50u);
    cursor = r.as_object().contains("nextCursor") ? std::string(r.at("nextCursor").as_string()) : "";
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(names.size(), 124u);
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), 124u);
  EXPECT_EQ(error_code(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"nope"}})"), -32602);
  EXPECT_EQ(error_code(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"bbt1.9999"}})"), -32602);
  EXPECT_EQ(error_code(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"bbt1.0"}})"), -32602);
  EXPECT_EQ(error_code(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":3}})"), -32602);
}

TEST_F(McpServerTest, CallRunsTheActionThroughTheExecutor) {
  auto r = call("add", R"({"a":2,"b":3})");
  EXPECT_EQ(r.at("structuredContent"), (json::value{{"sum", 5}}));
  EXPECT_EQ(json::parse(r.at("content").at(0).at("text").as_string()), (json::value{{"sum", 5}}));
  EXPECT_EQ(r.at("content").at(0).at("type"), "text");
  EXPECT_FALSE(r.as_object().contains("isError"));

  auto echoed = call("echo_text", R"({"input":"hi"})");
  EXPECT_EQ(echoed.at("content").at(0).at("text"), "\"hi\"");
  EXPECT_FALSE(echoed.as_object().contains("structuredContent"));

  // Tool execution errors are results, with the error code and a message naming the field.
  auto invalid = call("add", R"({"a":2,"b":-1})");
  EXPECT_EQ(invalid.at("isError"), true);
  std::string text(invalid.at("content").at(0).at("text").as_string());
  EXPECT_TRUE(text.starts_with("validation_failed: ")) << text;
  EXPECT_NE(text.find("/b"), std::string::npos) << text;
  auto failing = call("failing", "{}");
  EXPECT_EQ(failing.at("content").at(0).at("text"), "taken: already taken");
  EXPECT_EQ(failing.at("isError"), true);
  // Missing arguments are an empty object.
  auto missing = result(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add"}})");
  EXPECT_EQ(missing.at("isError"), true);
}

TEST_F(McpServerTest, GuardsSeeTheCallersPrincipal) {
  McpOutcome anon = send(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}})");
  ASSERT_TRUE(anon.response);
  EXPECT_TRUE(anon.unauthenticated);
  EXPECT_EQ(anon.response->at("result").at("isError"), true);
  EXPECT_EQ(anon.response->at("result").at("content").at(0).at("text"), "unauthenticated: authentication required");

  auto r = call("whoami", "{}", {.session = "s1", .auth = Auth::user("user-1234")});
  EXPECT_EQ(r.at("structuredContent").at("sum"), 9);
  McpOutcome ok = send(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"failing"}})");
  EXPECT_FALSE(ok.unauthenticated);
}

TEST_F(McpServerTest, RunsAreRecordedAsToolRunsOfTheSession) {
  call("add", R"({"a":1,"b":1})", {.session = "mcp_abc"});
  call("add", R"({"a":1,"b":-1})", {.session = "stdio"});
  app.flush();
  auto rows = app.db().query("SELECT trigger_type, trigger_detail, status FROM action_runs WHERE action_name = 'add' ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("trigger_type"), "tool");
  EXPECT_EQ(rows[0].at("trigger_detail"), "mcp_abc");
  EXPECT_EQ(rows[0].at("status"), "success");
  EXPECT_EQ(rows[1].at("trigger_detail"), "stdio");
  EXPECT_EQ(rows[1].at("status"), "error");
}

TEST_F(McpServerTest, StatelessRequestsNameTheirVersion) {
  const std::string meta = R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"})";
  auto d = result(R"({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{)" + meta + "}}");
  EXPECT_EQ(d.at("resultType"), "complete");
  EXPECT_EQ(d.at("serverInfo").at("name"), "mcp-test");
  EXPECT_EQ(d.at("supportedVersions").at(0), "2026-07-28");
  auto list = result(R"({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{)" + meta + "}}");
  EXPECT_EQ(list.at("resultType"), "complete");
  EXPECT_TRUE(list.as_object().contains("ttlMs"));
  EXPECT_TRUE(list.as_object().contains("cacheScope"));
  auto call_r = result(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},)" +
                       meta + "}}");
  EXPECT_EQ(call_r.at("resultType"), "complete");
  EXPECT_EQ(call_r.at("structuredContent").at("sum"), 3);
  // The transport may know it already (the MCP-Protocol-Version header).
  auto ping = result(R"({"jsonrpc":"2.0","id":4,"method":"ping"})", {.session = "x", .stateless = true});
  EXPECT_EQ(ping.at("resultType"), "complete");
  // Handshake-era results carry no resultType.
  EXPECT_FALSE(result(R"({"jsonrpc":"2.0","id":5,"method":"tools/list"})").as_object().contains("resultType"));

  McpOutcome bad = send(R"({"jsonrpc":"2.0","id":6,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2030-01-01"}}})");
  EXPECT_TRUE(bad.bad_version);
  EXPECT_EQ(bad.response->at("error").at("code"), -32022);
  EXPECT_EQ(bad.response->at("error").at("data").at("supported").at(0), "2026-07-28");
}

TEST(McpServer, DuplicateToolNamesAreRefused) {
  static const AppManifest m{
      .name = "dup",
      .modules = {+[] {
        return module({.name = "dup",
                       .actions = {action<Empty, Empty>({.name = "a", .triggers = {triggers::tool({.name = "same"})}},
                                                        [](const Empty&, Context&) { return Empty{}; }),
                                   action<Empty, Empty>({.name = "b", .triggers = {triggers::tool({.name = "same"})}},
                                                        [](const Empty&, Context&) { return Empty{}; })}});
      }}};
  testing::TestApp app(m);
  EXPECT_THROW(McpServer(app.app().registry(), app.app().executor(), {.name = "dup"}), std::runtime_error);
}

}  // namespace
}  // namespace bb::triggers
