#include "src/app/mcp_stdio.hpp"

#include <unistd.h>

#include <boost/json/serialize.hpp>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "bunbase/auth/identity.hpp"
#include "src/triggers/mcp_server.hpp"

namespace bb {

namespace {

// A request that only carries `Authorization: Bearer <key>`: the API key from the environment.
class BearerRequest final : public Request {
 public:
  explicit BearerRequest(std::string token) : header_("Bearer " + std::move(token)) {}
  std::string_view method() const override { return "POST"; }
  std::string_view path() const override { return "/mcp"; }
  std::optional<std::string_view> header(std::string_view name) const override {
    constexpr std::string_view kName = "authorization";
    bool match = name.size() == kName.size();
    for (std::size_t i = 0; match && i < name.size(); ++i)
      match = std::tolower(static_cast<unsigned char>(name[i])) == kName[i];
    if (match) return std::string_view(header_);
    return std::nullopt;
  }
  std::optional<std::string_view> cookie(std::string_view) const override { return std::nullopt; }
  std::string_view ip() const override { return "local"; }
  std::string_view body() const override { return {}; }

 private:
  std::string header_;
};

}  // namespace

std::optional<Auth> identify_request(App& app, const Request& request) {
  if (!app.config().auth.enabled) return std::nullopt;
  Context ctx{.db = app.db(), .log = Log(nullptr, {}), .config = &app.config(), .request = &request};
  try {
    if (auth::identify(ctx)) return ctx.auth;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

int serve_mcp_stdio(App& app) {
  // stdout is the protocol's: keep our own handle on it and send anything else that would
  // print there (a stray printf in a handler) to stderr.
  std::fflush(stdout);
  int protocol_fd = ::dup(STDOUT_FILENO);
  if (protocol_fd < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    std::fprintf(stderr, "error: cannot set up stdout for MCP\n");
    return 1;
  }
  std::FILE* out = ::fdopen(protocol_fd, "w");
  if (!out) {
    std::fprintf(stderr, "error: cannot set up stdout for MCP\n");
    return 1;
  }

  app.open();
  if (auto status = app.migration_status(); !status.pending.empty()) {
    std::fprintf(stderr, "error: %zu migration(s) pending (first: %s); run `%s migrate` first\n",
                 status.pending.size(), status.pending.front().c_str(), app.manifest().name.c_str());
    app.shutdown();
    return 1;
  }

  Auth principal;
  if (const char* key = std::getenv("BUNBASE_API_KEY"); key && *key) {
    if (!app.config().auth.enabled) {
      std::fprintf(stderr, "error: BUNBASE_API_KEY is set but auth is off ([auth] enabled = false)\n");
      app.shutdown();
      return 1;
    }
    auto who = identify_request(app, BearerRequest(key));
    if (!who || who->via != Auth::Via::api_key) {
      std::fprintf(stderr, "error: BUNBASE_API_KEY is not a valid API key (revoked, expired or mistyped)\n");
      app.shutdown();
      return 1;
    }
    principal = std::move(*who);
  } else if (app.config().mcp.stdio_system) {
    principal = Auth::system();
  }
  app.log().system(LogLevel::info, "mcp on stdio",
                   {{"principal", principal.is_system() ? "system"
                                  : principal.is_user() ? "user " + principal.user_id
                                                        : std::string("anonymous")}});

  triggers::McpServer server(app.registry(), app.executor(), {.name = app.manifest().name});
  const triggers::McpCaller caller{.session = "stdio", .auth = principal};
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    triggers::McpOutcome o = server.handle_text(line, caller);
    if (!o.response) continue;
    std::string text = boost::json::serialize(*o.response);  // one line: JSON escapes newlines
    text += '\n';
    std::fwrite(text.data(), 1, text.size(), out);
    std::fflush(out);
  }
  app.shutdown();
  std::fclose(out);
  return 0;
}

}  // namespace bb
