#include "src/admin/admin_access.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>

#include "bunbase/core/error.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/guards.hpp"
#include "bunbase/runtime/config.hpp"

namespace bb::admin {

namespace {

bool same_email(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

bool key_matches(std::string_view configured, std::string_view given) {
  if (configured.empty()) return false;
  // Hashes of equal size, compared in constant time: neither length nor content leaks.
  unsigned char a[crypto_generichash_BYTES], b[crypto_generichash_BYTES];
  crypto_generichash(a, sizeof a, reinterpret_cast<const unsigned char*>(configured.data()), configured.size(), nullptr, 0);
  crypto_generichash(b, sizeof b, reinterpret_cast<const unsigned char*>(given.data()), given.size(), nullptr, 0);
  return sodium_memcmp(a, b, sizeof a) == 0;
}

namespace {

std::string closed_message(const Config::Dashboard& d) {
  return d.key.empty() && d.admins.empty()
             ? "the dashboard is closed: set [dashboard] key (BUNBASE_ADMIN_KEY) or admins"
             : "the dashboard needs the admin key (X-Admin-Key) or an admin's session";
}

// "From this machine" is trusted only when nothing could have relayed or rebound it: a
// loopback peer with no forwarding header (a proxy on this host forwards strangers), a Host of
// ours (a rebound name is not) and no Origin but our own (another site's page).
bool loopback_admitted(const Config& config, const Request& request) {
  return config.dashboard.loopback.value_or(config.development()) && request.from_this_machine() &&
         request.host_is_ours(config.http.public_url) && !request.from_another_site();
}

bool is_safe_method(std::string_view m) { return m == "GET" || m == "HEAD" || m == "OPTIONS"; }

}  // namespace

Admission admit_without_session(const Config& config, const Request& request) {
  auto given = request.header(kKeyHeader);
  if (!given) given = request.cookie(kKeyCookie);
  if (given && !given->empty()) {
    if (key_matches(config.dashboard.key, *given)) return {.admitted = true};
    return {.wrong_key = true, .refused = "this admin key is not the dashboard's"};
  }
  if (loopback_admitted(config, request)) return {.admitted = true};
  return {.refused = closed_message(config.dashboard)};
}

Guard admin_access() {
  Guard signed_in = guards::authenticated();
  return Guard("admin", [signed_in](Context& ctx) {
    if (ctx.auth.is_system()) return;  // the CLI and internal work
    if (!ctx.config || !ctx.request)
      throw GuardError(403, "the dashboard's API answers HTTP requests and the CLI only");
    const Config::Dashboard& d = ctx.config->dashboard;
    if (!d.enabled) throw Error(ErrorCode::not_found, "the dashboard is turned off").with_code("dashboard_disabled");
    // Its cookie is SameSite=Strict; an unsafe request from another site's page is refused
    // whatever it carries, in every environment (CSRF).
    if (!is_safe_method(ctx.request->method()) && ctx.request->from_another_site())
      throw Error(ErrorCode::permission_denied, "cross-site request to the dashboard refused")
          .with_code("cross_site_request");

    // A presented key decides; then an admin's session; then loopback.
    const bool key_given = ctx.request->header(kKeyHeader) || ctx.request->cookie(kKeyCookie);
    if (key_given) {
      Admission a = admit_without_session(*ctx.config, *ctx.request);
      if (a.admitted) return;
      throw GuardError(401, a.refused);
    }
    if (!d.admins.empty() && ctx.config->auth.enabled &&
        (ctx.request->header("authorization") || ctx.request->cookie("bb_session"))) {
      signed_in.check(ctx);  // 401 for an expired or forged session
      auto row = ctx.db.query_one("SELECT email FROM users WHERE id = $1", {ctx.auth.user_id});
      const std::string email = row && row->at("email").is_string() ? std::string(row->at("email").as_string()) : "";
      for (const auto& admin : d.admins)
        if (!email.empty() && same_email(admin, email)) return;
      throw GuardError(403, "this account is not one of the dashboard's admins");
    }
    if (loopback_admitted(*ctx.config, *ctx.request)) return;
    throw GuardError(401, closed_message(d));
  });
}

}  // namespace bb::admin
