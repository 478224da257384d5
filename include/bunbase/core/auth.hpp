// Who is running an action: anonymous, a user (filled by the auth guards from a session or an
// API key, or given by an internal trigger) or the system (cron, the CLI, internal work).
// ctx.auth holds it; the org fields are filled by bb::guards::in_org().
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bb {

struct Auth {
  enum class Kind { anonymous, user, system };
  enum class Via { none, session, api_key, internal };

  Kind kind = Kind::anonymous;
  Via via = Via::none;
  std::string user_id;
  std::string session_id;  // via == session
  std::string api_key_id;  // via == api_key
  // An API key's scopes (empty: the user's full rights). A scoped key is denied by default: it
  // may run only an action whose has_permission() guard or declared `scope` its scopes cover.
  std::vector<std::string> scopes;

  // Filled by in_org(): the organization the run acts in, the caller's role there and the
  // role's permissions ("<feature>:<action>").
  std::string org_id;
  std::string role;
  std::vector<std::string> permissions;

  bool authenticated() const { return kind != Kind::anonymous; }
  bool is_system() const { return kind == Kind::system; }
  bool is_user() const { return kind == Kind::user; }
  bool has_permission(std::string_view p) const {
    return std::find(permissions.begin(), permissions.end(), p) != permissions.end();
  }
  // An API key limited to its scopes (not a session, not an unscoped key, not the system).
  bool scoped() const { return via == Via::api_key && !scopes.empty(); }
  // The scopes cover `scope` ("<feature>:<action>"): listed, "*", or "<feature>:*". Unscoped
  // callers are covered by everything.
  bool scope_allows(std::string_view scope) const {
    if (!scoped()) return true;
    for (const auto& s : scopes) {
      if (s == scope || s == "*") return true;
      auto colon = scope.find(':');
      if (colon != std::string_view::npos && s.size() == colon + 2 && s.ends_with(":*") &&
          scope.starts_with(std::string_view(s).substr(0, colon)))
        return true;
    }
    return false;
  }

  static Auth system() { return {.kind = Kind::system, .via = Via::internal}; }
  static Auth user(std::string id) { return {.kind = Kind::user, .via = Via::internal, .user_id = std::move(id)}; }
};

// The organization a run acts in (ctx.org), filled by bb::guards::in_org(). With the SaaS
// cockpit on (`[saas] enabled`), also its current subscription and what its plan includes,
// read once per run:
//
//   if (ctx.org->includes("billing")) ...
//   auto seats = ctx.org->limit("seats");  // nullopt: unlimited; 0: not in the plan
struct Org {
  std::string id, name, slug;

  // The current subscription; empty without the SaaS cockpit or before the first one.
  std::string plan;    // the plan's key
  std::string status;  // trialing | active | past_due | canceled | unpaid | incomplete | ...
  std::optional<std::string> trial_ends_at, current_period_end;  // ISO 8601 UTC
  bool cancel_at_period_end = false;
  // What the plan includes: feature key and its limit (nullopt: unlimited).
  std::vector<std::pair<std::string, std::optional<std::int64_t>>> features;
  // trialing before trial_ends_at, active, or past_due (Stripe is still retrying the payment).
  bool subscription_usable = false;

  bool includes(std::string_view feature) const {
    return std::any_of(features.begin(), features.end(), [&](const auto& f) { return f.first == feature; });
  }
  // The plan's limit for the feature: nullopt when unlimited, 0 when the plan lacks it.
  std::optional<std::int64_t> limit(std::string_view feature) const {
    for (const auto& [key, value] : features)
      if (key == feature) return value;
    return 0;
  }
};

}  // namespace bb
