// createOrganization, listMyOrganizations, getOrganization, activateOrganization,
// updateOrganization, deleteOrganization.
#include <bunbase/guards.hpp>

#include "src/saas/org_access.hpp"
#include "src/saas/roles.hpp"
#include "src/saas/saas_types.hpp"
#include "src/saas/subscriptions.hpp"
#include "src/saas/unique_conflict.hpp"

namespace bb::saas {

namespace {

Error slug_taken() {
  return Error(ErrorCode::conflict, "an organization with this slug already exists").with_code("slug_taken");
}

Action create_organization() {
  return action<CreateOrganizationInput, OrganizationView>(
      {.name = "createOrganization",
       .description = "Creates an organization; the caller becomes its owner and, with a session, acts in it",
       .triggers = {triggers::api("POST", "/orgs", {.status = 201})},
       .scope = "orgs:create"},
      [](const CreateOrganizationInput& in, Context& ctx) {
        const std::string& user_id = require_user(ctx);
        const std::string id = new_id(), now = iso_now();
        std::string role;
        ctx.db.transaction([&](db::Database& tx) {
          role = default_role(tx, DefaultRole::creator);
          or_conflict(
              [&] {
                tx.exec(
                    "INSERT INTO organizations (id, name, slug, owner_id, created_at, updated_at) "
                    "VALUES ($1, $2, $3, $4, $5, $5)",
                    {id, in.name, in.slug, user_id, now});
              },
              slug_taken());
          tx.exec("INSERT INTO org_memberships (id, org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4, $5)",
                  {new_id(), id, user_id, role, now});
          if (config_of(ctx).saas.enabled) start_subscription(tx, ctx, id);  // the default plan, with its trial
          activate_org(ctx, id);
        });
        ctx.log.info("organization created", {{"orgId", id}, {"userId", user_id}});
        return organization_view(ctx.db, id, role);
      });
}

Action list_my_organizations() {
  return action<Empty, OrganizationList>(
      {.name = "listMyOrganizations",
       .description = "The organizations the caller belongs to, with the caller's role in each",
       .triggers = {triggers::api("GET", "/orgs")},
       .scope = "orgs:read"},
      [](const Empty&, Context& ctx) {
        OrganizationList out;
        if (ctx.auth.is_system()) {  // the operator sees every organization, as in_org() admits it
          out.items = ctx.db.query_as<OrganizationView>(
              "SELECT id, name, slug, '' AS role, created_at, updated_at FROM organizations ORDER BY name, id");
          for (auto& o : out.items) o.role = kOwnerRole;
          return out;
        }
        out.items = ctx.db.query_as<OrganizationView>(
            "SELECT o.id, o.name, o.slug, m.role, o.created_at, o.updated_at FROM org_memberships m "
            "JOIN organizations o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.name, o.id",
            {require_user(ctx)});
        return out;
      });
}

Action get_organization() {
  return action<OrgInput, CurrentOrganization>(
      {.name = "getOrganization",
       .description = "The organization, the caller's role and what it permits",
       .triggers = {triggers::api("GET", "/orgs/:orgId")},
       .guards = {guards::in_org()},
       .scope = "orgs:read"},
      [](const OrgInput& in, Context& ctx) {
        const std::string& org_id = acting_org(ctx, in.orgId);
        return CurrentOrganization{.organization = organization_view(ctx.db, org_id, ctx.auth.role),
                                   .permissions = ctx.auth.permissions};
      });
}

Action activate_organization() {
  return action<OrgInput, OrganizationView>(
      {.name = "activateOrganization",
       .description = "Makes the organization the session's active one: in_org() uses it when a request names none",
       .triggers = {triggers::api("POST", "/orgs/:orgId/activate")},
       .guards = {guards::in_org()},
       .scope = "orgs:read"},
      [](const OrgInput& in, Context& ctx) {
        const std::string& org_id = acting_org(ctx, in.orgId);
        if (ctx.auth.via != Auth::Via::session)
          throw Error(ErrorCode::invalid_argument, "only a session has an active organization").with_code("session_required");
        activate_org(ctx, org_id);
        return organization_view(ctx.db, org_id, ctx.auth.role);
      });
}

Action update_organization() {
  return action<UpdateOrganizationInput, OrganizationView>(
      {.name = "updateOrganization",
       .description = "Renames the organization or changes its slug",
       .triggers = {triggers::api("PATCH", "/orgs/:orgId")},
       .guards = {guards::in_org(), guards::has_permission("org:update")}},
      [](const UpdateOrganizationInput& in, Context& ctx) {
        const std::string& org_id = acting_org(ctx, in.orgId);
        boost::json::object changes;
        if (in.name) changes["name"] = *in.name;
        if (in.slug) changes["slug"] = *in.slug;
        if (!changes.empty()) {
          changes["updated_at"] = iso_now();
          or_conflict([&] { ctx.db.update("organizations", changes, "id = $1", {org_id}); }, slug_taken());
        }
        return organization_view(ctx.db, org_id, ctx.auth.role);
      });
}

Action delete_organization() {
  return action<OrgInput, Empty>(
      {.name = "deleteOrganization",
       .description = "Deletes the organization with its members, invitations and custom roles",
       .triggers = {triggers::api("DELETE", "/orgs/:orgId", {.status = 204})},
       .guards = {guards::in_org(), guards::has_permission("org:delete")}},
      [](const OrgInput& in, Context& ctx) {
        const std::string org_id = acting_org(ctx, in.orgId);
        ctx.db.transaction([&](db::Database& tx) {
          tx.exec("UPDATE sessions SET active_org_id = NULL WHERE active_org_id = $1", {org_id});
          tx.exec("DELETE FROM organizations WHERE id = $1", {org_id});
        });
        ctx.log.info("organization deleted", {{"orgId", org_id}});
        return Empty{};
      });
}

}  // namespace

std::vector<Action> organization_actions() {
  return {create_organization(), list_my_organizations(), get_organization(), activate_organization(),
          update_organization(), delete_organization()};
}

}  // namespace bb::saas
