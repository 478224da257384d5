// listRoles, createRole, updateRole, deleteRole, grantPermission, revokePermission. Only an
// organization's own (custom) roles change; system roles are read-only. Nobody adds to a role a
// permission they do not hold themselves.
#include <algorithm>
#include <bunbase/guards.hpp>

#include "src/saas/org_access.hpp"
#include "src/saas/roles.hpp"
#include "src/saas/saas_types.hpp"
#include "src/saas/unique_conflict.hpp"

namespace bb::saas {

namespace {

template <class List>
std::vector<std::string> distinct(const List& keys) {
  std::vector<std::string> out(keys.begin(), keys.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Permissions must exist and be the caller's own to hand out.
void check_addable(Context& ctx, const std::vector<std::string>& keys) {
  require_known_permissions(ctx.db, keys);
  require_grantable(ctx.auth, keys);
}

void add_permissions(db::Database& db, const std::string& role_id, const std::vector<std::string>& keys) {
  for (const auto& k : keys)
    db.exec("INSERT INTO role_permissions (role_id, permission_key) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            {role_id, k});
}

std::vector<Guard> manage_guards() { return {guards::in_org(), guards::has_permission("roles:manage")}; }

Action list_roles() {
  return action<OrgInput, RoleList>(
      {.name = "listRoles",
       .description = "The system roles and the organization's custom roles, with their permissions",
       .triggers = {triggers::api("GET", "/orgs/:orgId/roles")},
       .guards = {guards::in_org()},
       .scope = "roles:read"},
      [](const OrgInput& in, Context& ctx) {
        RoleList out;
        for (const auto& r : ctx.db.query_as<RoleRow>(
                 "SELECT id, key, name, description, is_system, org_id FROM roles WHERE org_id IS NULL OR org_id = $1 "
                 "ORDER BY is_system DESC, key",
                 {acting_org(ctx, in.orgId)}))
          out.items.push_back(role_view(ctx.db, r));
        return out;
      });
}

Action create_role() {
  return action<CreateRoleInput, RoleView>(
      {.name = "createRole",
       .description = "Creates a custom role in the organization",
       .triggers = {triggers::api("POST", "/orgs/:orgId/roles", {.status = 201})},
       .guards = manage_guards()},
      [](const CreateRoleInput& in, Context& ctx) {
        const std::string& org_id = acting_org(ctx, in.orgId);
        const auto keys = distinct(in.permissions);
        check_addable(ctx, keys);
        auto taken = [&] {
          return Error(ErrorCode::conflict, "a role with this key already exists",
                       boost::json::object{{"role", in.key}})
              .with_code("role_exists");
        };
        if (find_role(ctx.db, org_id, in.key)) throw taken();  // system keys included: no shadowing
        const std::string id = new_id();
        ctx.db.transaction([&](db::Database& tx) {
          or_conflict(
              [&] {
                tx.exec(
                    "INSERT INTO roles (id, key, name, description, is_system, org_id) "
                    "VALUES ($1, $2, $3, $4, FALSE, $5)",
                    {id, in.key, in.name, in.description.value_or(Description()), org_id});
              },
              taken());
          add_permissions(tx, id, keys);
        });
        return role_view(ctx.db, require_custom_role(ctx.db, org_id, in.key));
      });
}

Action update_role() {
  return action<UpdateRoleInput, RoleView>(
      {.name = "updateRole",
       .description = "Renames a custom role, changes its description or replaces its permissions",
       .triggers = {triggers::api("PATCH", "/orgs/:orgId/roles/:roleKey")},
       .guards = manage_guards()},
      [](const UpdateRoleInput& in, Context& ctx) {
        const std::string& org_id = acting_org(ctx, in.orgId);
        RoleRow role = require_custom_role(ctx.db, org_id, in.roleKey);
        std::vector<std::string> keys;
        if (in.permissions) {
          keys = distinct(*in.permissions);
          const auto current = permissions_of(ctx.db, role.id);
          std::vector<std::string> added;
          std::set_difference(keys.begin(), keys.end(), current.begin(), current.end(), std::back_inserter(added));
          check_addable(ctx, added);
        }
        ctx.db.transaction([&](db::Database& tx) {
          boost::json::object changes;
          if (in.name) changes["name"] = *in.name;
          if (in.description) changes["description"] = *in.description;
          if (!changes.empty()) tx.update("roles", changes, "id = $1 AND org_id = $2", {role.id, org_id});
          if (in.permissions) {
            tx.exec("DELETE FROM role_permissions WHERE role_id = $1", {role.id});
            add_permissions(tx, role.id, keys);
          }
        });
        return role_view(ctx.db, require_custom_role(ctx.db, org_id, in.roleKey));
      });
}

Action delete_role() {
  return action<RoleInput, Empty>(
      {.name = "deleteRole",
       .description = "Deletes a custom role no member holds and no pending invitation offers",
       .triggers = {triggers::api("DELETE", "/orgs/:orgId/roles/:roleKey", {.status = 204})},
       .guards = manage_guards()},
      [](const RoleInput& in, Context& ctx) {
        const std::string& org_id = acting_org(ctx, in.orgId);
        RoleRow role = require_custom_role(ctx.db, org_id, in.roleKey);
        ctx.db.transaction([&](db::Database& tx) {
          if (tx.query_one("SELECT 1 AS x FROM org_memberships WHERE org_id = $1 AND role = $2", {org_id, role.key}) ||
              tx.query_one("SELECT 1 AS x FROM org_invitations WHERE org_id = $1 AND role = $2 AND status = 'pending'",
                           {org_id, role.key}))
            throw Error(ErrorCode::conflict, "the role is in use: give its members another role first",
                        boost::json::object{{"role", role.key}})
                .with_code("role_in_use");
          tx.exec("DELETE FROM roles WHERE id = $1 AND org_id = $2", {role.id, org_id});
        });
        return Empty{};
      });
}

Action grant_permission() {
  return action<RolePermissionInput, RoleView>(
      {.name = "grantPermission",
       .description = "Adds a permission to a custom role",
       .triggers = {triggers::api("POST", "/orgs/:orgId/roles/:roleKey/permissions")},
       .guards = manage_guards()},
      [](const RolePermissionInput& in, Context& ctx) {
        RoleRow role = require_custom_role(ctx.db, acting_org(ctx, in.orgId), in.roleKey);
        check_addable(ctx, {in.permission});
        add_permissions(ctx.db, role.id, {in.permission});
        return role_view(ctx.db, role);
      });
}

Action revoke_permission() {
  return action<RolePermissionInput, RoleView>(
      {.name = "revokePermission",
       .description = "Removes a permission from a custom role",
       .triggers = {triggers::api("DELETE", "/orgs/:orgId/roles/:roleKey/permissions/:permission")},
       .guards = manage_guards()},
      [](const RolePermissionInput& in, Context& ctx) {
        RoleRow role = require_custom_role(ctx.db, acting_org(ctx, in.orgId), in.roleKey);
        require_known_permissions(ctx.db, {in.permission});
        ctx.db.exec("DELETE FROM role_permissions WHERE role_id = $1 AND permission_key = $2",
                    {role.id, in.permission});
        return role_view(ctx.db, role);
      });
}

}  // namespace

std::vector<Action> role_actions() {
  return {list_roles(), create_role(), update_role(), delete_role(), grant_permission(), revoke_permission()};
}

}  // namespace bb::saas
