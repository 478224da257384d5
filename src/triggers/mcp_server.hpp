// The MCP protocol core, transport-neutral: one JSON-RPC message in, at most one response out.
// Every action with a tool trigger is a tool; tools/call runs it through the executor. The
// Streamable HTTP transport (mcp_http.hpp) and stdio (`<app> mcp`) wrap it.
//
//   McpServer mcp(registry, executor, {.name = "saas-demo", .version = "0.1.0"});
//   McpOutcome out = mcp.handle(json::parse(line), {.session = "stdio", .auth = principal});
//   if (out.response) write(json::serialize(*out.response));
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bunbase/core/auth.hpp"
#include "bunbase/core/registry.hpp"
#include "bunbase/runtime/executor.hpp"

namespace bb::triggers {

namespace mcp {
// Revisions with the initialize handshake, newest first; the first is what we answer with
// when a client asks for one we do not know.
inline constexpr std::string_view kHandshakeVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26"};
inline constexpr std::string_view kLatestHandshake = "2025-11-25";
// The stateless revision: no initialize or session, the version in every request's _meta.
inline constexpr std::string_view kStateless = "2026-07-28";
inline constexpr std::string_view kMetaVersionKey = "io.modelcontextprotocol/protocolVersion";

// JSON-RPC and MCP error codes.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kUnsupportedVersion = -32022;

bool supported_version(std::string_view v);  // a handshake revision or the stateless one

// {"jsonrpc":"2.0","id":id,"error":{code,message[,data]}}; a null id leaves "id" out.
boost::json::value error_response(const boost::json::value& id, int code, std::string_view message,
                                  boost::json::value data = nullptr);
}  // namespace mcp

struct McpServerOptions {
  std::string name;              // serverInfo.name: the app's name
  std::string version = "0.1.0";
  std::string instructions;      // optional, sent with the InitializeResult
  std::size_t page_size = 50;    // tools per tools/list page
};

// Who and where a message comes from.
struct McpCaller {
  std::string_view session;           // the run's trigger detail: the session id, "stdio", ...
  const Request* request = nullptr;   // HTTP: the request, so that guards read its bearer token
  Auth auth;                          // stdio: the principal from the environment
  bool stateless = false;             // the transport already knows it speaks 2026-07-28
};

struct McpOutcome {
  std::optional<boost::json::value> response;  // none for notifications and client responses
  // tools/call failed with `unauthenticated`: HTTP may answer 401 instead of the tool result.
  bool unauthenticated = false;
  // A request for an unsupported stateless version (-32022): HTTP answers 400.
  bool bad_version = false;
  std::string negotiated;  // initialize: the protocol version agreed
};

// What a message is, for transports that must decide before handling it.
struct McpMessage {
  enum class Kind { request, notification, response, invalid } kind = Kind::invalid;
  std::string_view method;
  const boost::json::value* id = nullptr;  // requests only
  // The version a 2026-07-28 request names in params._meta, if any.
  std::optional<std::string_view> meta_version;
};
McpMessage classify(const boost::json::value& msg);

class McpServer {
 public:
  // Collects the tools from the registry; throws std::runtime_error for two tools of one name.
  McpServer(const Registry& registry, Executor& executor, McpServerOptions options);

  // Handles one parsed message (parse errors are the transport's: mcp::error_response).
  McpOutcome handle(const boost::json::value& msg, const McpCaller& caller);
  // Parses then handles; a parse error answers -32700 without an id.
  McpOutcome handle_text(std::string_view text, const McpCaller& caller);

  struct Tool {
    std::string name;
    const RegisteredAction* action = nullptr;
    boost::json::object descriptor;  // as tools/list shows it
    bool wrapped = false;  // the input is not an object: arguments are {"input": <value>}
    bool structured = false;  // the output is an object: sent as structuredContent too
  };
  const std::vector<Tool>& tools() const { return tools_; }

 private:
  boost::json::value initialize(const boost::json::object& params, McpOutcome& out) const;
  boost::json::value list_tools(const boost::json::object& params, bool stateless) const;
  boost::json::value call_tool(const Tool& tool, const boost::json::object& params, const McpCaller& caller,
                               McpOutcome& out) const;
  boost::json::object capabilities() const;
  boost::json::object server_info() const;

  Executor& executor_;
  McpServerOptions options_;
  std::vector<Tool> tools_;
};

}  // namespace bb::triggers
