// The MCP Streamable HTTP transport: POST one JSON-RPC message, get one JSON reply (202 for
// notifications); sessions by Mcp-Session-Id; DELETE ends one; GET is 405 (no server stream).
// Requests without initialize that name 2026-07-28 are served statelessly on the same path.
//
//   McpHttp mcp(server, workers, {.allowed_origins = config.mcp.allowed_origins});
//   adapter.mount(config.mcp.path, mcp);
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "bunbase/runtime/worker_pool.hpp"
#include "src/http/exchange.hpp"
#include "src/triggers/mcp_server.hpp"

namespace bb::triggers {

struct McpHttpOptions {
  // Browser origins allowed besides a loopback page of this very server ("https://app.example").
  std::vector<std::string> allowed_origins;
  // The app's public address ([http] public_url): a Host accepted from this machine besides
  // loopback names.
  std::string public_url;
  // Whether the request carries valid credentials (a live session or API key). A tools/call
  // refused as unauthenticated becomes HTTP 401 when this says no; unset: always.
  std::function<bool(const Request&)> has_credentials;
  std::size_t max_sessions = 10000;  // the least recently used goes when full
  std::chrono::seconds session_idle{24 * 3600};
};

class McpHttp final : public http::Handler {
 public:
  McpHttp(McpServer& server, WorkerPool& workers, McpHttpOptions options);

  void handle(http::Exchange& ex) override;

  std::size_t session_count() const;

 private:
  struct Session {
    std::string version;
    bool initialized = false;
    std::chrono::steady_clock::time_point last_used;
  };

  bool origin_allowed(const http::Exchange& ex) const;
  // The JSON-RPC message of a POST: parsed, routed, answered.
  void post(http::Exchange& ex);
  void respond(http::Exchange& ex, const McpOutcome& out, const std::string& session);
  // Bodies up to this size are parsed on the network thread (cheaper than a hop to a worker).
  static constexpr std::size_t kParseInline = 16 * 1024;
  std::string new_session(std::string version);
  // Touches and returns the session's version, or nullopt when it is unknown or ended.
  std::optional<std::string> touch(const std::string& id, bool initialized);

  McpServer& server_;
  WorkerPool& workers_;
  McpHttpOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Session> sessions_;
};

}  // namespace bb::triggers
