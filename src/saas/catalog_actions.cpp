// listPermissions and listRoleSets: what every organization shares (read-only, any signed-in user).
#include "src/saas/saas_types.hpp"

namespace bb::saas {

namespace {

struct RoleSetRow {
  std::string id, key, name;
  bool is_primary = false;
  bool is_default = false;
};
BOOST_DESCRIBE_STRUCT(RoleSetRow, (), (id, key, name, is_primary, is_default))

Action list_permissions() {
  return action<Empty, PermissionList>({.name = "listPermissions",
                                        .description = "Every permission a role can grant (<feature>:<action>)",
                                        .triggers = {triggers::api("GET", "/rbac/permissions")}},
                                       [](const Empty&, Context& ctx) {
                                         return PermissionList{ctx.db.query_as<PermissionView>(
                                             "SELECT key, name, feature FROM permissions ORDER BY feature, key")};
                                       });
}

Action list_role_sets() {
  return action<Empty, RoleSetList>(
      {.name = "listRoleSets",
       .description = "The role sets, with their roles and which one creators and invitees get",
       .triggers = {triggers::api("GET", "/rbac/role-sets")}},
      [](const Empty&, Context& ctx) {
        RoleSetList out;
        for (auto& s : ctx.db.query_as<RoleSetRow>(
                 "SELECT id, key, name, is_primary, is_default FROM role_sets ORDER BY is_primary DESC, key"))
          out.items.push_back(
              {.key = s.key,
               .name = s.name,
               .is_primary = s.is_primary,
               .is_default = s.is_default,
               .roles = ctx.db.query_as<RoleSetRoleView>(
                   "SELECT r.key, r.name, sr.is_creator_role, sr.is_default_member_role FROM role_set_roles sr "
                   "JOIN roles r ON r.id = sr.role_id WHERE sr.role_set_id = $1 ORDER BY r.key",
                   {s.id})});
        return out;
      });
}

}  // namespace

std::vector<Action> catalog_actions() { return {list_permissions(), list_role_sets()}; }

}  // namespace bb::saas
