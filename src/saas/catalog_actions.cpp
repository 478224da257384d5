// listPermissions and listRoleSets: what every organization shares (read-only, any signed-in user).
// The operator changes it with the actions in catalog_admin_actions.cpp.
#include "src/saas/roles.hpp"
#include "src/saas/saas_types.hpp"

namespace bb::saas {

namespace {

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
        for (const auto& s : ctx.db.query_as<RoleSetRow>(
                 "SELECT id, key, name, is_primary, is_default FROM role_sets ORDER BY is_primary DESC, key"))
          out.items.push_back(role_set_view(ctx.db, s));
        return out;
      });
}

}  // namespace

std::vector<Action> catalog_actions() { return {list_permissions(), list_role_sets()}; }

}  // namespace bb::saas
