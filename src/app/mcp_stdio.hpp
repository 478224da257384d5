// `<app> mcp`: the MCP server on stdin/stdout (newline-delimited JSON), for agents that launch
// the app themselves. stdout carries only MCP messages; everything else goes to stderr.
// Also the principal lookup the HTTP transport uses to tell "no credentials" from "refused".
//
//   if (*mcp_cmd) return serve_mcp_stdio(app);
#pragma once

#include <optional>

#include "bunbase/core/auth.hpp"
#include "bunbase/core/request.hpp"
#include "bunbase/runtime/app.hpp"

namespace bb {

// Who the request's credentials (bearer session token or API key, or session cookie) name,
// or nullopt when it has none that are valid. Needs the auth feature's tables.
std::optional<Auth> identify_request(App& app, const Request& request);

// Runs until stdin closes. The principal: the API key in BUNBASE_API_KEY, else the system
// principal when [mcp] stdio_system = true, else anonymous. Refuses to start (exit 1) with
// migrations pending or an invalid key.
int serve_mcp_stdio(App& app);

}  // namespace bb
