// Role lookups shared by the guards and the actions: a role key resolves in an organization to
// its custom role or to a system role; the default role set names the creator's and invitees' roles.
//
//   auto role = find_role(ctx.db, org_id, "admin");     // std::optional<RoleRow>
//   check_assignable(ctx, org_id, in.role, current);    // 400 / 403 before a role changes hands
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bunbase/core/context.hpp"
#include "bunbase/db/database.hpp"
#include "src/saas/saas_types.hpp"

namespace bb::saas {

struct RoleRow {
  std::string id, key, name, description;
  bool is_system = false;
  std::optional<std::string> org_id;  // empty for system roles
};
BOOST_DESCRIBE_STRUCT(RoleRow, (), (id, key, name, description, is_system, org_id))

// The role `key` as seen from the organization: its own custom role, else the system role.
std::optional<RoleRow> find_role(db::Database& db, const std::string& org_id, std::string_view key);
// find_role or 404 role_not_found.
RoleRow require_role(db::Database& db, const std::string& org_id, std::string_view key);
// find_role, refusing system roles (403 system_role): only an organization's own roles change.
RoleRow require_custom_role(db::Database& db, const std::string& org_id, std::string_view key);

// The permission keys a role grants, sorted.
std::vector<std::string> permissions_of(db::Database& db, const std::string& role_id);
// The permission keys the role named `key` grants in the organization (none for an unknown role).
std::vector<std::string> role_permissions(db::Database& db, const std::string& org_id, std::string_view key);
RoleView role_view(db::Database& db, const RoleRow& role);

struct RoleSetRow {
  std::string id, key, name;
  bool is_primary = false;
  bool is_default = false;
};
BOOST_DESCRIBE_STRUCT(RoleSetRow, (), (id, key, name, is_primary, is_default))

// The role set `key`, or 404 role_set_not_found.
RoleSetRow require_role_set(db::Database& db, std::string_view key);
// The set with its roles, sorted by key.
RoleSetView role_set_view(db::Database& db, const RoleSetRow& set);

// The default role set's creator role ("owner") or default member role ("member").
enum class DefaultRole { creator, member };
std::string default_role(db::Database& db, DefaultRole which);

// 400 unknown_permission unless every key is a known permission.
void require_known_permissions(db::Database& db, const std::vector<std::string>& keys);

// May the caller give role `key` to someone whose role is now `current` ("" for a newcomer)?
// 400 unknown_role; 403 owner_required when the owner role is given or taken by a non-owner;
// 403 permission_escalation when the role grants something the caller lacks.
void check_assignable(Context& ctx, const std::string& org_id, std::string_view key, std::string_view current);

}  // namespace bb::saas
