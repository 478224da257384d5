// createPermission, updatePermission, deletePermission, createRoleSet, updateRoleSet,
// deleteRoleSet: the operator's changes to the catalog every organization shares. Behind
// system_only(): the CLI's `run` and internal work may, no user may (so over HTTP they answer 403;
// the routes exist for a dashboard that acts as the operator).
#include <algorithm>

#include "src/saas/org_access.hpp"
#include "src/saas/org_guards.hpp"
#include "src/saas/roles.hpp"
#include "src/saas/saas_types.hpp"
#include "src/saas/unique_conflict.hpp"

namespace bb::saas {

namespace {

PermissionView require_permission(db::Database& db, std::string_view key) {
  auto p = db.query_one_as<PermissionView>("SELECT key, name, feature FROM permissions WHERE key = $1", {key});
  if (!p)
    throw Error(ErrorCode::not_found, "permission not found", boost::json::object{{"permission", key}})
        .with_code("permission_not_found");
  return *p;
}

Error invalid_role_set(std::string message, boost::json::object details = {}) {
  return Error(ErrorCode::invalid_argument, std::move(message), std::move(details)).with_code("invalid_role_set");
}

// The system role `key`'s id; 400 unknown_role (custom roles belong to one organization, a role
// set to all of them).
std::string system_role_id(db::Database& db, std::string_view key) {
  auto row = db.query_one("SELECT id FROM roles WHERE key = $1 AND org_id IS NULL AND is_system", {key});
  if (!row)
    throw Error(ErrorCode::invalid_argument, "unknown system role \"" + std::string(key) + "\"",
                boost::json::object{{"role", key}})
        .with_code("unknown_role");
  return std::string(row->at("id").as_string());
}

// Each role once, exactly one creator role and one default member role, and the creator role is
// `owner`: an organization is born with an owner, whom the last-owner and owner-only rules need.
void check_role_set_roles(const std::vector<RoleSetRoleInput>& roles) {
  std::vector<std::string> seen;
  std::vector<std::string> creators, members;
  for (const auto& r : roles) {
    if (std::find(seen.begin(), seen.end(), r.role) != seen.end())
      throw invalid_role_set("the role \"" + r.role + "\" is listed twice", {{"role", r.role}});
    seen.push_back(r.role);
    if (r.is_creator_role.value_or(false)) creators.push_back(r.role);
    if (r.is_default_member_role.value_or(false)) members.push_back(r.role);
  }
  if (creators.size() != 1)
    throw invalid_role_set("a role set needs exactly one creator role",
                           {{"creator_roles", static_cast<std::int64_t>(creators.size())}});
  if (members.size() != 1)
    throw invalid_role_set("a role set needs exactly one default member role",
                           {{"default_member_roles", static_cast<std::int64_t>(members.size())}});
  if (creators.front() != kOwnerRole)
    throw invalid_role_set("the creator role must be \"" + std::string(kOwnerRole) + "\"",
                           {{"creator_role", creators.front()}});
}

std::vector<Guard> operator_guards() { return {system_only()}; }

Action create_permission() {
  return action<CreatePermissionInput, PermissionView>(
      {.name = "createPermission",
       .description = "Operator only: adds a permission (<feature>:<action>) to the catalog and grants it to the "
                      "owner role (owners hold every permission, so they can hand it out to custom roles)",
       .triggers = {triggers::api("POST", "/rbac/permissions", {.status = 201})},
       .guards = operator_guards()},
      [](const CreatePermissionInput& in, Context& ctx) {
        const std::string feature = in.key.substr(0, in.key.find(':'));
        if (in.feature && *in.feature != feature)
          throw Error(ErrorCode::invalid_argument, "the feature is the key's part before \":\"",
                      boost::json::object{{"feature", *in.feature}, {"expected", feature}})
              .with_code("feature_mismatch");
        ctx.db.transaction([&](db::Database& tx) {
          or_conflict(
              [&] {
                tx.exec("INSERT INTO permissions (key, name, feature) VALUES ($1, $2, $3)", {in.key, in.name, feature});
              },
              Error(ErrorCode::conflict, "this permission already exists", boost::json::object{{"permission", in.key}})
                  .with_code("permission_exists"));
          tx.exec("INSERT INTO role_permissions (role_id, permission_key) SELECT id, $1 FROM roles "
                  "WHERE key = $2 AND org_id IS NULL",
                  {in.key, kOwnerRole});
        });
        ctx.log.info("permission created", {{"permission", in.key}});
        return PermissionView{.key = in.key, .name = in.name, .feature = feature};
      });
}

Action update_permission() {
  return action<UpdatePermissionInput, PermissionView>(
      {.name = "updatePermission",
       .description = "Operator only: renames a permission (its key never changes)",
       .triggers = {triggers::api("PATCH", "/rbac/permissions/:key")},
       .guards = operator_guards()},
      [](const UpdatePermissionInput& in, Context& ctx) {
        PermissionView p = require_permission(ctx.db, in.key);
        if (in.name) {
          ctx.db.exec("UPDATE permissions SET name = $1 WHERE key = $2", {*in.name, in.key});
          p.name = *in.name;
        }
        return p;
      });
}

Action delete_permission() {
  return action<PermissionInput, Empty>(
      {.name = "deletePermission",
       .description = "Operator only: removes a permission from the catalog with its grants; the built-in "
                      "permissions (used by the framework's own actions) cannot be removed (409 permission_in_use)",
       .triggers = {triggers::api("DELETE", "/rbac/permissions/:key", {.status = 204})},
       .guards = operator_guards()},
      [](const PermissionInput& in, Context& ctx) {
        std::int64_t grants_removed = 0;
        ctx.db.transaction([&](db::Database& tx) {
          require_permission(tx, in.key);
          // Tested in SQL: a boolean reads back as 0/1 from SQLite but true/false from PostgreSQL.
          if (tx.query_one("SELECT 1 AS builtin FROM permissions WHERE key = $1 AND is_system", {in.key}))
            throw Error(ErrorCode::conflict, "a built-in permission cannot be removed",
                        boost::json::object{{"permission", in.key}})
                .with_code("permission_in_use");
          grants_removed = tx.exec("DELETE FROM role_permissions WHERE permission_key = $1", {in.key});
          tx.exec("DELETE FROM permissions WHERE key = $1", {in.key});
        });
        ctx.log.info("permission deleted", {{"permission", in.key}, {"grants_removed", grants_removed}});
        return Empty{};
      });
}

Action create_role_set() {
  return action<CreateRoleSetInput, RoleSetView>(
      {.name = "createRoleSet",
       .description = "Operator only: a new role set of system roles, with exactly one creator role (owner) and "
                      "one default member role; not the default until updateRoleSet makes it so",
       .triggers = {triggers::api("POST", "/rbac/role-sets", {.status = 201})},
       .guards = operator_guards()},
      [](const CreateRoleSetInput& in, Context& ctx) {
        check_role_set_roles(in.roles);
        std::vector<std::string> role_ids;
        for (const auto& r : in.roles) role_ids.push_back(system_role_id(ctx.db, r.role));
        auto taken = [&] {
          return Error(ErrorCode::conflict, "a role set with this key already exists",
                       boost::json::object{{"role_set", in.key}})
              .with_code("role_set_exists");
        };
        const std::string id = new_id();
        ctx.db.transaction([&](db::Database& tx) {
          or_conflict(
              [&] {
                tx.exec(
                    "INSERT INTO role_sets (id, key, name, is_primary, is_default) VALUES ($1, $2, $3, FALSE, FALSE)",
                    {id, in.key, in.name});
              },
              taken());
          for (std::size_t i = 0; i < in.roles.size(); ++i)
            tx.exec(
                "INSERT INTO role_set_roles (role_set_id, role_id, is_creator_role, is_default_member_role) "
                "VALUES ($1, $2, $3, $4)",
                {id, role_ids[i], in.roles[i].is_creator_role.value_or(false),
                 in.roles[i].is_default_member_role.value_or(false)});
        });
        ctx.log.info("role set created", {{"role_set", in.key}});
        return role_set_view(ctx.db, require_role_set(ctx.db, in.key));
      });
}

Action update_role_set() {
  return action<UpdateRoleSetInput, RoleSetView>(
      {.name = "updateRoleSet",
       .description = "Operator only: renames a role set or makes it the default (the former default stops being "
                      "one, in the same transaction); a default set stops being one only when another becomes it",
       .triggers = {triggers::api("PATCH", "/rbac/role-sets/:key")},
       .guards = operator_guards()},
      [](const UpdateRoleSetInput& in, Context& ctx) {
        bool made_default = false;
        ctx.db.transaction([&](db::Database& tx) {
          RoleSetRow set = require_role_set(tx, in.key);
          if (in.is_default == false && set.is_default)
            throw Error(ErrorCode::conflict, "there is always one default role set: make another one the default",
                        boost::json::object{{"role_set", set.key}})
                .with_code("default_role_set_required");
          if (in.name) tx.exec("UPDATE role_sets SET name = $1 WHERE id = $2", {*in.name, set.id});
          if (in.is_default == true && !set.is_default) {
            tx.exec("UPDATE role_sets SET is_default = FALSE WHERE is_default AND id <> $1", {set.id});
            tx.exec("UPDATE role_sets SET is_default = TRUE WHERE id = $1", {set.id});
            made_default = true;
          }
        });
        if (made_default) ctx.log.info("default role set changed", {{"role_set", in.key}});
        return role_set_view(ctx.db, require_role_set(ctx.db, in.key));
      });
}

Action delete_role_set() {
  return action<RoleSetInput, Empty>(
      {.name = "deleteRoleSet",
       .description = "Operator only: deletes a role set; the default and the primary set are refused (409)",
       .triggers = {triggers::api("DELETE", "/rbac/role-sets/:key", {.status = 204})},
       .guards = operator_guards()},
      [](const RoleSetInput& in, Context& ctx) {
        ctx.db.transaction([&](db::Database& tx) {
          RoleSetRow set = require_role_set(tx, in.key);
          if (set.is_default || set.is_primary)
            throw Error(ErrorCode::conflict, "the default and the primary role set cannot be deleted",
                        boost::json::object{
                            {"role_set", set.key}, {"is_default", set.is_default}, {"is_primary", set.is_primary}})
                .with_code("role_set_in_use");
          tx.exec("DELETE FROM role_set_roles WHERE role_set_id = $1", {set.id});
          tx.exec("DELETE FROM role_sets WHERE id = $1", {set.id});
        });
        ctx.log.info("role set deleted", {{"role_set", in.key}});
        return Empty{};
      });
}

}  // namespace

std::vector<Action> catalog_admin_actions() {
  return {create_permission(), update_permission(), delete_permission(),
          create_role_set(),   update_role_set(),   delete_role_set()};
}

}  // namespace bb::saas
