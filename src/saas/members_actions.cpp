// listMembers, changeMemberRole, removeMember, leaveOrganization. An organization always keeps an
// owner: the statement that demotes or removes one checks, in its own WHERE, that another remains.
#include <bunbase/guards.hpp>

#include "src/saas/org_access.hpp"
#include "src/saas/roles.hpp"
#include "src/saas/saas_types.hpp"

namespace bb::saas {

namespace {

// Appended to a statement on org_memberships whose $1 is the org id and $2 the owner role key.
constexpr std::string_view kKeepsAnOwner =
    " AND (role <> $2 OR (SELECT count(*) FROM org_memberships o WHERE o.org_id = $1 AND o.role = $2) > 1)";

Error last_owner() {
  return Error(ErrorCode::conflict, "an organization needs at least one owner: make someone else owner first")
      .with_code("last_owner");
}

MemberView member_view(db::Database& db, const std::string& org_id, std::string_view user_id) {
  auto m = db.query_one_as<MemberView>(
      "SELECT m.user_id, u.email, u.name, m.role, m.created_at AS joined_at FROM org_memberships m "
      "JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.user_id = $2",
      {org_id, user_id});
  if (!m) throw Error(ErrorCode::not_found, "member not found").with_code("member_not_found");
  return *m;
}

// Removes the membership unless it is the last owner's; the session stops acting in the org.
void remove_membership(Context& ctx, const std::string& org_id, const std::string& user_id) {
  ctx.db.transaction([&](db::Database& tx) {
    const std::string sql =
        "DELETE FROM org_memberships WHERE org_id = $1 AND user_id = $3" + std::string(kKeepsAnOwner);
    if (tx.exec(sql, {org_id, kOwnerRole, user_id}) == 0) throw last_owner();
    tx.exec("UPDATE sessions SET active_org_id = NULL WHERE user_id = $1 AND active_org_id = $2", {user_id, org_id});
  });
  ctx.log.info("member removed", {{"orgId", org_id}, {"userId", user_id}});
}

Action list_members() {
  return action<OrgInput, MemberList>(
      {.name = "listMembers",
       .description = "The organization's members and their roles, oldest first",
       .triggers = {triggers::api("GET", "/orgs/:orgId/members")},
       .guards = {guards::in_org(), guards::has_permission("members:read")}},
      [](const OrgInput& in, Context& ctx) {
        MemberList out;
        out.items = ctx.db.query_as<MemberView>(
            "SELECT m.user_id, u.email, u.name, m.role, m.created_at AS joined_at FROM org_memberships m "
            "JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY m.created_at, m.user_id",
            {acting_org(ctx, in.orgId)});
        return out;
      });
}

Action change_member_role() {
  return action<ChangeMemberRoleInput, MemberView>(
      {.name = "changeMemberRole",
       .description = "Gives a member another role; only owners give or take the owner role",
       .triggers = {triggers::api("PATCH", "/orgs/:orgId/members/:userId")},
       .guards = {guards::in_org(), guards::has_permission("members:manage")}},
      [](const ChangeMemberRoleInput& in, Context& ctx) {
        const std::string& org_id = acting_org(ctx, in.orgId);
        MemberView member;
        ctx.db.transaction([&](db::Database& tx) {
          member = member_view(tx, org_id, in.userId);
          if (member.role == in.role) return;
          check_assignable(ctx, org_id, in.role, member.role);
          const std::string sql =
              "UPDATE org_memberships SET role = $3 WHERE org_id = $1 AND user_id = $4" + std::string(kKeepsAnOwner);
          if (tx.exec(sql, {org_id, kOwnerRole, in.role, in.userId}) == 0) throw last_owner();
          member.role = in.role;
        });
        ctx.log.info("member role changed", {{"orgId", org_id}, {"userId", member.user_id}, {"role", member.role}});
        return member;
      });
}

Action remove_member() {
  return action<MemberInput, Empty>(
      {.name = "removeMember",
       .description = "Removes a member; only owners remove an owner, and never the last one",
       .triggers = {triggers::api("DELETE", "/orgs/:orgId/members/:userId", {.status = 204})},
       .guards = {guards::in_org(), guards::has_permission("members:manage")}},
      [](const MemberInput& in, Context& ctx) {
        const std::string& org_id = acting_org(ctx, in.orgId);
        MemberView member = member_view(ctx.db, org_id, in.userId);
        if (member.role == kOwnerRole) require_owner(ctx.auth, "remove an owner");
        remove_membership(ctx, org_id, member.user_id);
        return Empty{};
      });
}

Action leave_organization() {
  return action<OrgInput, Empty>({.name = "leaveOrganization",
                                  .description = "The caller leaves the organization (the last owner cannot)",
                                  .triggers = {triggers::api("POST", "/orgs/:orgId/leave", {.status = 204})},
                                  .guards = {guards::in_org()},
                                  .scope = "orgs:leave"},
                                 [](const OrgInput& in, Context& ctx) {
                                   remove_membership(ctx, acting_org(ctx, in.orgId), require_user(ctx));
                                   return Empty{};
                                 });
}

}  // namespace

std::vector<Action> member_actions() {
  return {list_members(), change_member_role(), remove_member(), leave_organization()};
}

}  // namespace bb::saas
