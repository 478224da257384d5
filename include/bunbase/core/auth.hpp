// Who is running an action: anonymous, a user (filled by the auth guards from a session or an
// API key, or given by an internal trigger) or the system (cron, the CLI, internal work).
// ctx.auth holds it; the org fields are filled by bb::guards::in_org().
#pragma once

#include <algorithm>
#include <string>
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
  std::vector<std::string> scopes;  // an API key's scopes (empty: the user's full rights)

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

  static Auth system() { return {.kind = Kind::system, .via = Via::internal}; }
  static Auth user(std::string id) { return {.kind = Kind::user, .via = Via::internal, .user_id = std::move(id)}; }
};

// The organization a run acts in (ctx.org), filled by bb::guards::in_org().
struct Org {
  std::string id, name, slug;
};

}  // namespace bb
