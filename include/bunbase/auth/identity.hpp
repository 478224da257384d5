// Who is calling, from the request: a session token (cookie `bb_session` or a bearer token
// starting "bbs_") or an API key (a bearer token starting "bbk_"). Used by the auth guards and
// by the auth module's actions; needs the auth feature's tables.
//
//   if (!bb::auth::identify(ctx)) throw bb::GuardError(401, "sign in first");
//   auto session = bb::auth::start_session(ctx, user_id);   // sign-in: new token + cookie
#pragma once

#include <string>

#include "bunbase/core/context.hpp"

namespace bb::auth {

inline constexpr std::string_view kSessionCookie = "bb_session";
inline constexpr std::string_view kSessionPrefix = "bbs_";
inline constexpr std::string_view kApiKeyPrefix = "bbk_";

// Fills ctx.auth from the request when it holds a live session or API key; true when the
// caller is authenticated (already, or now). Renews a session in use (sliding expiry).
// Throws bb::Error(permission_denied) for a cookie-signed unsafe request from another site.
bool identify(Context& ctx);

// Refuses (403) an unsafe request that a browser made from another site: an `Origin` that is
// neither the app's own (scheme and host as the client sees them, Request::origin()) nor one of
// [auth] trusted_origins or [http.cors] origins; without Origin, `Sec-Fetch-Site: cross-site`.
// Requests with neither header pass (non-browser clients).
void check_same_origin(const Context& ctx);

// Whether cookies the app sets carry `Secure`: always outside development, and in development
// when the client came over https (through a trusted proxy).
bool secure_cookies(const Context& ctx);

struct NewSession {
  std::string id, token, expires_at;
};
// Creates a session for the user, sets the `bb_session` cookie when there is a response, and
// returns the token (shown once: only its hash is stored).
NewSession start_session(Context& ctx, const std::string& user_id);
// Deletes every session of the user (sign-out everywhere, password change and reset).
void revoke_sessions(Context& ctx, const std::string& user_id);
// Clears the `bb_session` cookie in the response, if there is one.
void clear_session_cookie(Context& ctx);

}  // namespace bb::auth
