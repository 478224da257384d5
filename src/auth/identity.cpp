#include "bunbase/auth/identity.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

#include "bunbase/auth/tokens.hpp"
#include "bunbase/core/error.hpp"
#include "bunbase/core/id.hpp"
#include "bunbase/core/time.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/runtime/config.hpp"

namespace bb::auth {

namespace {

using namespace std::chrono;

const Config& config_of(const Context& ctx) {
  static const Config defaults;
  return ctx.config ? *ctx.config : defaults;
}

bool is_safe_method(std::string_view m) { return m == "GET" || m == "HEAD" || m == "OPTIONS"; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<std::string_view> bearer(const Request& req) {
  auto h = req.header("authorization");
  if (!h) return std::nullopt;
  constexpr std::string_view kBearer = "Bearer ";
  if (h->size() <= kBearer.size() || lower(h->substr(0, kBearer.size())) != "bearer ") return std::nullopt;
  std::string_view token = h->substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return token;
}

std::string now() { return iso_now(); }

// Sessions in use are renewed at most once a minute (one write, not one per request).
bool from_session(Context& ctx, std::string_view token, bool from_cookie) {
  auto row = ctx.db.query_one(
      "SELECT id, user_id, expires_at, last_seen_at FROM sessions WHERE token_hash = $1 AND expires_at > $2",
      {token_hash(token), now()});
  if (!row) return false;
  if (from_cookie && ctx.request && !is_safe_method(ctx.request->method())) check_same_origin(ctx);
  std::string id(row->at("id").as_string());
  const auto& cfg = config_of(ctx);
  std::string renew_after = iso_time(system_clock::now() - seconds(60));
  if (std::string_view(row->at("last_seen_at").as_string()) < renew_after) {
    std::string expires = iso_in(cfg.auth.token_expiry);
    ctx.db.exec("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3", {now(), expires, id});
    if (from_cookie && ctx.response) {
      CookieOptions o{.max_age = static_cast<long>(cfg.auth.token_expiry.count()), .secure = secure_cookies(ctx)};
      ctx.response->set_cookie(kSessionCookie, token, o);
    }
  }
  ctx.auth = Auth{.kind = Auth::Kind::user, .via = Auth::Via::session, .user_id = std::string(row->at("user_id").as_string()),
                  .session_id = std::move(id)};
  return true;
}

bool from_api_key(Context& ctx, std::string_view key) {
  const std::string at = now();
  auto row = ctx.db.query_one(
      "SELECT id, user_id, scopes, last_used_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL "
      "AND (expires_at IS NULL OR expires_at > $2)",
      {token_hash(key), at});
  if (!row) return false;
  std::string id(row->at("id").as_string());
  // last_used_at to the minute: one write a minute per key, not one per request.
  const auto& last = row->at("last_used_at");
  if (last.is_null() || std::string_view(last.as_string()) < iso_time(system_clock::now() - seconds(60)))
    ctx.db.exec("UPDATE api_keys SET last_used_at = $1 WHERE id = $2", {at, id});
  Auth a{.kind = Auth::Kind::user, .via = Auth::Via::api_key, .user_id = std::string(row->at("user_id").as_string()),
         .api_key_id = std::move(id)};
  boost::system::error_code ec;
  auto scopes = boost::json::parse(row->at("scopes").as_string(), ec);
  if (!ec && scopes.is_array())
    for (const auto& s : scopes.as_array())
      if (s.is_string()) a.scopes.emplace_back(s.as_string());
  ctx.auth = std::move(a);
  return true;
}

}  // namespace

void check_same_origin(const Context& ctx) {
  if (!ctx.request) return;
  const Request& req = *ctx.request;
  auto refuse = [] {
    throw Error(ErrorCode::permission_denied, "cross-site request refused").with_code("cross_site_request");
  };
  // A listed origin ([auth] trusted_origins, [http.cors] origins) may be another site;
  // otherwise the Origin must be the app's own (scheme and host as the client sees them through
  // trusted proxies), and the browser must not call the request cross-site.
  if (auto origin = req.header("origin")) {
    const std::string given = normalize_origin(*origin);
    const Config& cfg = config_of(ctx);
    for (const auto* list : {&cfg.auth.trusted_origins, &cfg.http.cors.origins})
      for (const auto& trusted : *list)
        if (trusted != "*" && !given.empty() && normalize_origin(trusted) == given) return;
  }
  if (req.from_another_site()) refuse();
}

bool secure_cookies(const Context& ctx) {
  return !config_of(ctx).development() || (ctx.request && ctx.request->scheme() == "https");
}

bool identify(Context& ctx) {
  if (ctx.auth.authenticated()) return true;
  if (!ctx.request) return false;
  if (auto token = bearer(*ctx.request)) {
    if (token->starts_with(kApiKeyPrefix)) return from_api_key(ctx, *token);
    if (token->starts_with(kSessionPrefix)) return from_session(ctx, *token, false);
    return false;
  }
  if (auto cookie = ctx.request->cookie(kSessionCookie); cookie && cookie->starts_with(kSessionPrefix))
    return from_session(ctx, *cookie, true);
  return false;
}

NewSession start_session(Context& ctx, const std::string& user_id) {
  const auto& cfg = config_of(ctx);
  NewSession s{.id = new_id(), .token = random_token(kSessionPrefix), .expires_at = iso_in(cfg.auth.token_expiry)};
  const std::string at = now();
  std::string ip, agent;
  if (ctx.request) {
    ip = ctx.request->ip();
    agent = ctx.request->header("user-agent").value_or("").substr(0, 512);
  }
  ctx.db.exec(
      "INSERT INTO sessions (id, user_id, token_hash, expires_at, created_at, last_seen_at, ip, user_agent) "
      "VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
      {s.id, user_id, token_hash(s.token), s.expires_at, at, db::Value(ip.empty() ? boost::json::value(nullptr) : boost::json::value(ip)),
       db::Value(agent.empty() ? boost::json::value(nullptr) : boost::json::value(agent))});
  if (ctx.response) {
    CookieOptions o{.max_age = static_cast<long>(cfg.auth.token_expiry.count()), .secure = secure_cookies(ctx)};
    ctx.response->set_cookie(kSessionCookie, s.token, o);
  }
  return s;
}

void revoke_sessions(Context& ctx, const std::string& user_id) {
  ctx.db.exec("DELETE FROM sessions WHERE user_id = $1", {user_id});
}

void clear_session_cookie(Context& ctx) {
  if (!ctx.response) return;
  CookieOptions o{.max_age = 0, .secure = secure_cookies(ctx)};
  ctx.response->set_cookie(kSessionCookie, "", o);
}

}  // namespace bb::auth
