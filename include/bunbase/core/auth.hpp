// Who is running an action: anonymous, a user (filled by auth guards) or the system
// (cron, the CLI, internal work). ctx.auth holds it.
#pragma once

#include <string>
#include <vector>

namespace bb {

struct Auth {
  enum class Kind { anonymous, user, system };

  Kind kind = Kind::anonymous;
  std::string user_id;
  std::string org_id;
  std::string role;
  std::vector<std::string> permissions;

  bool authenticated() const { return kind != Kind::anonymous; }
  bool is_system() const { return kind == Kind::system; }

  static Auth system() { return {.kind = Kind::system}; }
  static Auth user(std::string id) { return {.kind = Kind::user, .user_id = std::move(id)}; }
};

}  // namespace bb
