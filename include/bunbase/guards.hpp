// The built-in guards. Put them in a module's or an action's `.guards`; they run in the
// cascade order (module guards, then action guards) for every trigger.
//
//   .guards = {bb::guards::authenticated()}                        // 401 without a session or key
//   .guards = {bb::guards::in_org(), bb::guards::has_permission("members:manage")}   // 403
//   .guards = {bb::guards::rate_limit({.limit = 10, .window = 60s, .key = bb::guards::RateKey::ip})}
//
// Principals: the system principal (cron, the CLI, internal work) passes the auth guards and is
// never rate limited; a user principal handed over by an internal trigger passes authenticated().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "bunbase/core/guard.hpp"

namespace bb::guards {

// The caller is signed in: a session (cookie `bb_session` or `Authorization: Bearer <token>`) or
// an API key (`Authorization: Bearer bbk_...`). Fills ctx.auth. 401 otherwise. A cookie-signed
// unsafe request from another site (Sec-Fetch-Site / Origin) is refused with 403.
Guard authenticated();

// The caller acts in an organization it belongs to: the org id from the `X-Org-Id` header, the
// `:orgId` path parameter or the session's active organization. Fills ctx.auth.org_id, role,
// permissions and ctx.org. 401 when not signed in, 403 when not a member, 400 without an org.
Guard in_org();

// The caller's role in the organization is one of these (resolves the org first if needed). 403.
Guard has_role(std::vector<std::string> roles);
inline Guard has_role(std::initializer_list<std::string> roles) { return has_role(std::vector<std::string>(roles)); }
template <class... S>
  requires(sizeof...(S) >= 1 && (std::convertible_to<S, std::string> && ...))
Guard has_role(S&&... roles) {
  return has_role(std::vector<std::string>{std::string(std::forward<S>(roles))...});
}

// The caller's role grants every one of these permissions ("<feature>:<action>"). An API key with
// scopes must also carry them. 403.
Guard has_permission(std::vector<std::string> permissions);
template <class... S>
  requires(sizeof...(S) >= 1 && (std::convertible_to<S, std::string> && ...))
Guard has_permission(S&&... permissions) {
  return has_permission(std::vector<std::string>{std::string(std::forward<S>(permissions))...});
}

// The SaaS cockpit's plan guards (`[saas] enabled`); each resolves the organization first, as
// in_org() does, and reads ctx.org's plan and subscription, loaded once per run. With SaaS on,
// has_permission("<feature>:<action>") also needs the plan to include <feature> when <feature> is
// a plan feature (in the features catalog), and says which half failed.

// The plan includes the feature (403 feature_not_in_plan) and the subscription is usable:
// trialing before its end, active or past_due (403 subscription_inactive, with the status).
Guard has_feature(std::string feature);
// The subscription is usable (see has_feature). 403 subscription_inactive, with the status.
Guard trial_active_or_paid();
// Room for one more: counter(ctx) is below the plan's limit for the feature (403 limit_reached,
// with the limit and the count). An unlimited feature passes without counting; a plan without
// the feature refuses with feature_not_in_plan.
//
//   within_limit("seats", [](bb::Context& ctx) { return count_members(ctx); })
Guard within_limit(std::string feature, std::function<std::int64_t(Context&)> counter);

enum class RateKey { ip, user, org };

struct RateLimit {
  int limit = 60;                          // requests per window
  std::chrono::seconds window{60};
  RateKey key = RateKey::ip;               // user/org fall back to the IP when unknown
  std::function<std::string(Context&)> custom_key;  // when set, wins over `key`
};

// At most `limit` runs per window and key; then 429 with Retry-After, and RateLimit-Limit,
// RateLimit-Remaining and RateLimit-Reset headers on every HTTP response. In memory, per
// process, on SQLite; on PostgreSQL the windows are in the database, shared by the instances.
Guard rate_limit(RateLimit options);

}  // namespace bb::guards
