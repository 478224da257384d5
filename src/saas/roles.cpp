// Role lookups and the rule for handing a role to someone (see roles.hpp).
#include "src/saas/roles.hpp"

#include <algorithm>

#include "src/saas/org_access.hpp"

namespace bb::saas {

std::optional<RoleRow> find_role(db::Database& db, const std::string& org_id, std::string_view key) {
  // Custom keys never shadow system ones (createRole refuses them); custom first all the same.
  return db.query_one_as<RoleRow>(
      "SELECT id, key, name, description, is_system, org_id FROM roles "
      "WHERE key = $1 AND (org_id = $2 OR org_id IS NULL) ORDER BY org_id IS NULL LIMIT 1",
      {key, org_id});
}

RoleRow require_role(db::Database& db, const std::string& org_id, std::string_view key) {
  auto role = find_role(db, org_id, key);
  if (!role)
    throw Error(ErrorCode::not_found, "role not found", boost::json::object{{"role", key}}).with_code("role_not_found");
  return *role;
}

RoleRow require_custom_role(db::Database& db, const std::string& org_id, std::string_view key) {
  RoleRow role = require_role(db, org_id, key);
  if (role.is_system || !role.org_id)
    throw Error(ErrorCode::permission_denied, "system roles are read-only", boost::json::object{{"role", key}})
        .with_code("system_role");
  return role;
}

std::vector<std::string> permissions_of(db::Database& db, const std::string& role_id) {
  std::vector<std::string> out;
  for (const auto& r :
       db.query("SELECT permission_key FROM role_permissions WHERE role_id = $1 ORDER BY permission_key", {role_id}))
    out.emplace_back(r.at("permission_key").as_string());
  return out;
}

std::vector<std::string> role_permissions(db::Database& db, const std::string& org_id, std::string_view key) {
  auto role = find_role(db, org_id, key);
  return role ? permissions_of(db, role->id) : std::vector<std::string>{};
}

RoleView role_view(db::Database& db, const RoleRow& role) {
  return {.key = role.key,
          .name = role.name,
          .description = role.description,
          .is_system = role.is_system,
          .permissions = permissions_of(db, role.id)};
}

RoleSetRow require_role_set(db::Database& db, std::string_view key) {
  auto set =
      db.query_one_as<RoleSetRow>("SELECT id, key, name, is_primary, is_default FROM role_sets WHERE key = $1", {key});
  if (!set)
    throw Error(ErrorCode::not_found, "role set not found", boost::json::object{{"role_set", key}})
        .with_code("role_set_not_found");
  return *set;
}

RoleSetView role_set_view(db::Database& db, const RoleSetRow& set) {
  return {.key = set.key,
          .name = set.name,
          .is_primary = set.is_primary,
          .is_default = set.is_default,
          .roles = db.query_as<RoleSetRoleView>(
              "SELECT r.key, r.name, sr.is_creator_role, sr.is_default_member_role FROM role_set_roles sr "
              "JOIN roles r ON r.id = sr.role_id WHERE sr.role_set_id = $1 ORDER BY r.key",
              {set.id})};
}

std::string default_role(db::Database& db, DefaultRole which) {
  auto row =
      db.query_one(which == DefaultRole::creator
                       ? "SELECT r.key FROM role_sets s JOIN role_set_roles sr ON sr.role_set_id = s.id "
                         "JOIN roles r ON r.id = sr.role_id WHERE s.is_default AND sr.is_creator_role LIMIT 1"
                       : "SELECT r.key FROM role_sets s JOIN role_set_roles sr ON sr.role_set_id = s.id "
                         "JOIN roles r ON r.id = sr.role_id WHERE s.is_default AND sr.is_default_member_role LIMIT 1");
  if (!row) throw Error(ErrorCode::internal, "the default role set lacks a creator or default member role");
  return std::string(row->at("key").as_string());
}

void require_known_permissions(db::Database& db, const std::vector<std::string>& keys) {
  std::vector<std::string> known;
  for (const auto& r : db.query("SELECT key FROM permissions")) known.emplace_back(r.at("key").as_string());
  for (const auto& k : keys)
    if (std::find(known.begin(), known.end(), k) == known.end())
      throw Error(ErrorCode::invalid_argument, "unknown permission \"" + k + "\"",
                  boost::json::object{{"permission", k}})
          .with_code("unknown_permission");
}

void check_assignable(Context& ctx, const std::string& org_id, std::string_view key, std::string_view current) {
  auto role = find_role(ctx.db, org_id, key);
  if (!role)
    throw Error(ErrorCode::invalid_argument, "unknown role \"" + std::string(key) + "\"",
                boost::json::object{{"role", key}})
        .with_code("unknown_role");
  if (key == kOwnerRole || current == kOwnerRole) require_owner(ctx.auth, "give or take the owner role");
  require_grantable(ctx.auth, permissions_of(ctx.db, role->id));
}

}  // namespace bb::saas
