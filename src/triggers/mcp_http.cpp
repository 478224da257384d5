#include "src/triggers/mcp_http.hpp"

#include <sodium.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <memory>

#include "src/http/json_body.hpp"
#include "src/http/text.hpp"

namespace bb::triggers {

namespace json = boost::json;

using http::lower;
using http::trim;

namespace {

// "application/json; charset=utf-8" -> true
bool is_json(std::string_view content_type) {
  return lower(trim(content_type.substr(0, content_type.find(';')))) == "application/json";
}

// Whether an Accept header admits application/json (absent: anything goes).
bool accepts_json(std::optional<std::string_view> accept) {
  if (!accept) return true;
  std::string_view rest = *accept;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string type = lower(trim(rest.substr(0, comma).substr(0, rest.substr(0, comma).find(';'))));
    if (type == "application/json" || type == "application/*" || type == "*/*") return true;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return false;
}

// "http://localhost:3000/x" -> {"localhost:3000", "localhost"}
struct OriginParts {
  std::string authority, host;
};
std::optional<OriginParts> parse_origin(std::string_view origin) {
  auto scheme = origin.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  std::string_view rest = origin.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  if (rest.empty()) return std::nullopt;
  std::string_view host = rest;
  if (host.front() == '[') host = host.substr(0, host.find(']') + 1);
  else host = host.substr(0, host.find(':'));
  return OriginParts{lower(rest), lower(host)};
}

void send_json(http::Exchange& ex, int status, const json::value& body) {
  ex.status = status;
  ex.content_type = "application/json";
  ex.body_out = json::serialize(body);
  ex.finish();
}

// An HTTP refusal with an id-less JSON-RPC error in the body, as the SDK's server sends.
void refuse(http::Exchange& ex, int status, int code, std::string_view message, json::value data = nullptr) {
  send_json(ex, status, mcp::error_response(nullptr, code, message, std::move(data)));
}

json::array supported_versions() {
  json::array a{mcp::kStateless};
  for (auto v : mcp::kHandshakeVersions) a.emplace_back(v);
  return a;
}

}  // namespace

McpHttp::McpHttp(McpServer& server, WorkerPool& workers, McpHttpOptions options)
    : server_(server), workers_(workers), options_(std::move(options)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::size_t McpHttp::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

bool McpHttp::origin_allowed(const http::Exchange& ex) const {
  auto origin = ex.header("origin");
  if (!origin) return true;  // not a browser (the Node SDK sends none)
  for (const auto& allowed : options_.allowed_origins)
    if (lower(allowed) == lower(trim(*origin))) return true;
  auto parts = parse_origin(trim(*origin));
  if (!parts) return false;
  auto host = ex.header("host");
  // A page served by this very server on a loopback address (DNS rebinding needs another name).
  return host && lower(trim(*host)) == parts->authority && is_loopback_host(parts->host);
}

std::string McpHttp::new_session(std::string version) {
  unsigned char raw[24];
  randombytes_buf(raw, sizeof raw);
  char hex[sizeof raw * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  std::string id = std::string("mcp_") + hex;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [&](const auto& kv) { return now - kv.second.last_used > options_.session_idle; });
  if (sessions_.size() >= options_.max_sessions && !sessions_.empty()) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    sessions_.erase(oldest);
  }
  sessions_.emplace(id, Session{.version = std::move(version), .initialized = false, .last_used = now});
  return id;
}

std::optional<std::string> McpHttp::touch(const std::string& id, bool initialized) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  if (now - it->second.last_used > options_.session_idle) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used = now;
  if (initialized) it->second.initialized = true;
  return it->second.version;
}

void McpHttp::handle(http::Exchange& ex) {
  // DNS rebinding: a page whose name now resolves to 127.0.0.1 reaches us with its own Host.
  if (ex.from_this_machine() && !ex.host_is_ours(options_.public_url))
    return refuse(ex, 403, -32000, "Forbidden: host not allowed");
  if (!origin_allowed(ex)) return refuse(ex, 403, -32000, "Forbidden: origin not allowed");

  const std::string_view method = ex.method();
  const auto version_header = ex.header("mcp-protocol-version");
  const bool stateless_header = version_header && trim(*version_header) == mcp::kStateless;
  if (version_header && !mcp::supported_version(trim(*version_header)))
    return refuse(ex, 400, mcp::kUnsupportedVersion,
                  "Unsupported MCP-Protocol-Version: " + std::string(*version_header),
                  json::object{{"supported", supported_versions()}});

  auto session_header = ex.header("mcp-session-id");
  if (method == "GET" || (method == "DELETE" && stateless_header) ||
      (method != "POST" && method != "DELETE")) {
    ex.response.headers.emplace_back("Allow", stateless_header ? "POST" : "POST, DELETE");
    return refuse(ex, 405, -32000, "Method not allowed");
  }
  if (method == "DELETE") {
    if (!session_header) return refuse(ex, 400, -32000, "Bad Request: Mcp-Session-Id header is required");
    std::lock_guard lock(mutex_);
    if (sessions_.erase(std::string(trim(*session_header))) == 0) {
      ex.status = 404;
      ex.content_type = "application/json";
      ex.body_out = json::serialize(mcp::error_response(nullptr, -32001, "Session not found"));
      return ex.finish();
    }
    ex.status = 200;
    ex.body_out.clear();
    return ex.finish();
  }

  // POST
  auto content_type = ex.header("content-type");
  if (!content_type || !is_json(*content_type))
    return refuse(ex, 415, -32000, "Unsupported Media Type: Content-Type must be application/json");
  if (!accepts_json(ex.header("accept")))
    return refuse(ex, 406, -32000, "Not Acceptable: the client must accept application/json");

  // A large body is parsed on a worker: it never holds up a network thread.
  if (ex.body().size() > kParseInline) return workers_.post([this, &ex] { post(ex); });
  post(ex);
}

void McpHttp::post(http::Exchange& ex) {
  const auto version_header = ex.header("mcp-protocol-version");
  const bool stateless_header = version_header && trim(*version_header) == mcp::kStateless;
  const auto session_header = ex.header("mcp-session-id");
  http::ParsedBody parsed = http::parse_json_body(ex.body(), ex.body_limit(), ex.memory_budget());
  if (parsed.status == 503) {
    ex.response.headers.emplace_back("Retry-After", "1");
    return refuse(ex, 503, -32000, "Service Unavailable: " + parsed.error->message());
  }
  if (parsed.status == 413) return refuse(ex, 413, -32000, "Payload Too Large: " + parsed.error->message());
  if (parsed.error) return refuse(ex, 400, mcp::kParseError, "Parse error: " + parsed.error->message());
  if (ex.body().empty()) return refuse(ex, 400, mcp::kParseError, "Parse error: the body is empty");
  json::value msg = std::move(parsed.value);
  if (msg.is_array()) return refuse(ex, 400, mcp::kInvalidRequest, "Invalid Request: batches are not supported");

  McpMessage m = classify(msg);
  if (m.kind == McpMessage::Kind::invalid) {
    McpOutcome out = server_.handle(msg, {});
    return send_json(ex, 400, *out.response);
  }

  // Which era: 2026-07-28 when the request says so (header or _meta) or asks for discovery;
  // otherwise the session of an earlier initialize.
  const bool is_initialize = m.kind == McpMessage::Kind::request && m.method == "initialize";
  const bool stateless = !is_initialize && (stateless_header || m.meta_version || m.method == "server/discover");

  std::string session;
  if (is_initialize) {
    // The session exists once the InitializeResult is sent (below).
  } else if (!stateless) {
    if (!session_header) return refuse(ex, 400, -32000, "Bad Request: Mcp-Session-Id header is required");
    session = std::string(trim(*session_header));
    bool initialized = m.kind == McpMessage::Kind::notification && m.method == "notifications/initialized";
    if (!touch(session, initialized)) {
      ex.status = 404;
      ex.content_type = "application/json";
      ex.body_out = json::serialize(mcp::error_response(nullptr, -32001, "Session not found"));
      return ex.finish();
    }
  } else {
    session = "stateless";
  }

  if (m.kind != McpMessage::Kind::request) {  // notifications and responses: accepted, no body
    ex.status = 202;
    ex.body_out.clear();
    return ex.finish();
  }

  auto run = [this, &ex, session = std::move(session), stateless, is_initialize,
              msg = std::make_shared<json::value>(std::move(msg))]() mutable {
    McpOutcome out;
    try {
      out = server_.handle(*msg, McpCaller{.session = session, .request = &ex, .stateless = stateless});
    } catch (const std::exception&) {
      const json::value* id = msg->get_object().if_contains("id");
      out.response = mcp::error_response(id ? *id : json::value(), mcp::kInternalError, "Internal error");
    }
    if (is_initialize && out.response && out.response->get_object().contains("result"))
      ex.response.headers.emplace_back("Mcp-Session-Id", new_session(out.negotiated));
    respond(ex, out, session);
  };
  if (m.method == "tools/call") {
    // Handlers may block (a database round trip, an HTTP call): never on the network thread.
    auto job = std::make_shared<decltype(run)>(std::move(run));
    workers_.post([job] { (*job)(); });
  } else {
    run();
  }
}

void McpHttp::respond(http::Exchange& ex, const McpOutcome& out, const std::string& /*session*/) {
  if (out.bad_version) return send_json(ex, 400, *out.response);
  if (out.unauthenticated && (!options_.has_credentials || !options_.has_credentials(ex))) {
    // The authorization section: no (valid) token -> 401 with a Bearer challenge.
    bool sent_token = ex.header("authorization").has_value();
    ex.response.headers.emplace_back(
        "WWW-Authenticate",
        sent_token ? R"(Bearer error="invalid_token", error_description="the token is invalid or expired")"
                   : "Bearer");
    const json::value* id = nullptr;
    if (out.response) id = out.response->get_object().if_contains("id");
    return send_json(ex, 401, mcp::error_response(id ? *id : json::value(), -32000, "Unauthorized: authentication required"));
  }
  send_json(ex, 200, *out.response);
}

}  // namespace bb::triggers
