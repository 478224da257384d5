// inviteMember, listInvitations, revokeInvitation, acceptInvitation, declineInvitation. The token
// is shown once and emailed; only its hash is stored. A token works once, before it expires, and
// only for the signed-in user whose email it was sent to.
#include <algorithm>
#include <bunbase/guards.hpp>

#include "bunbase/auth/mailer.hpp"
#include "bunbase/auth/tokens.hpp"
#include "src/saas/org_access.hpp"
#include "src/saas/org_guards.hpp"
#include "src/saas/roles.hpp"
#include "src/saas/saas_types.hpp"
#include "src/saas/unique_conflict.hpp"

namespace bb::saas {

namespace {

constexpr std::string_view kTokenPrefix = "bbi_";
constexpr std::string_view kColumns =
    "SELECT id, org_id, email, role, status, invited_by, expires_at, created_at, responded_at FROM org_invitations ";

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A pending invitation past its expiry reads as expired, whether or not a refusal recorded it.
InvitationView effective(InvitationView v, const std::string& now) {
  if (v.status == "pending" && v.expires_at <= now) v.status = "expired";
  return v;
}

std::string accept_link(const Context& ctx, std::string_view token) {
  std::string base = config_of(ctx).auth.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/accept-invitation?token=" + std::string(token);
}

Error not_pending(std::string_view status) {
  return Error(ErrorCode::conflict, "this invitation is " + std::string(status),
               boost::json::object{{"status", status}})
      .with_code("invitation_not_pending");
}

// The invitation behind a token, checked for the signed-in user: 404 invitation_not_found,
// 403 invitation_email_mismatch, 409 invitation_not_pending, 400 invitation_expired.
InvitationView open_invitation(Context& ctx, std::string_view token) {
  const std::string& user_id = require_user(ctx);
  auto inv =
      ctx.db.query_one_as<InvitationView>(std::string(kColumns) + "WHERE token_hash = $1", {auth::token_hash(token)});
  if (!inv) throw Error(ErrorCode::not_found, "invitation not found").with_code("invitation_not_found");
  auto user = ctx.db.query_one("SELECT email FROM users WHERE id = $1", {user_id});
  if (!user || lower_ascii(user->at("email").as_string()) != inv->email)
    throw Error(ErrorCode::permission_denied, "this invitation was sent to another email address")
        .with_code("invitation_email_mismatch");
  const std::string now = iso_now();
  if (inv->status != "pending") throw not_pending(inv->status);
  if (inv->expires_at <= now) {
    ctx.db.exec("UPDATE org_invitations SET status = 'expired' WHERE id = $1 AND status = 'pending'", {inv->id});
    throw Error(ErrorCode::invalid_argument, "this invitation has expired: ask for a new one")
        .with_code("invitation_expired");
  }
  return *inv;
}

// Moves a pending invitation to `status`. The WHERE makes the token single-use under races.
void close_invitation(db::Database& db, InvitationView& inv, std::string_view status) {
  const std::string now = iso_now();
  if (db.exec("UPDATE org_invitations SET status = $1, responded_at = $2 WHERE id = $3 AND status = 'pending' "
              "AND expires_at > $2",
              {status, now, inv.id}) != 1)
    throw not_pending("no longer pending");
  inv.status = status;
  inv.responded_at = now;
}

Error already_member() {
  return Error(ErrorCode::conflict, "already a member of this organization").with_code("already_member");
}

Action invite_member() {
  return action<InviteMemberInput, CreatedInvitation>(
      {.name = "inviteMember",
       .description = "Invites an email address to the organization; the token is returned once and emailed",
       .triggers = {triggers::api("POST", "/orgs/:orgId/invitations", {.status = 201})},
       .guards = {guards::in_org(), has_any_permission({"invitations:manage", "members:manage"})},
       .redact = {"token"}},
      [](const InviteMemberInput& in, Context& ctx) {
        const std::string& org_id = acting_org(ctx, in.orgId);
        const std::string email = lower_ascii(in.email);
        const std::string role = in.role ? std::string(*in.role) : default_role(ctx.db, DefaultRole::member);
        check_assignable(ctx, org_id, role, "");
        if (ctx.db.query_one("SELECT 1 AS x FROM org_memberships m JOIN users u ON u.id = m.user_id "
                             "WHERE m.org_id = $1 AND lower(u.email) = $2",
                             {org_id, email}))
          throw already_member();

        CreatedInvitation out{.token = auth::random_token(kTokenPrefix)};
        const std::string now = iso_now();
        out.invitation = {.id = new_id(),
                          .org_id = org_id,
                          .email = email,
                          .role = role,
                          .status = "pending",
                          .expires_at = iso_in(config_of(ctx).saas.invitation_expiry),
                          .created_at = now};
        if (ctx.auth.is_user()) out.invitation.invited_by = ctx.auth.user_id;
        const InvitationView& v = out.invitation;
        ctx.db.transaction([&](db::Database& tx) {
          // An earlier invitation that lapsed unanswered makes way for this one.
          tx.exec(
              "UPDATE org_invitations SET status = 'expired' WHERE org_id = $1 AND email = $2 AND status = 'pending' "
              "AND expires_at <= $3",
              {org_id, email, now});
          or_conflict(
              [&] {
                tx.exec(
                    "INSERT INTO org_invitations (id, org_id, email, role, status, invited_by, token_hash, expires_at, "
                    "created_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8)",
                    {v.id, org_id, email, role, v.invited_by, auth::token_hash(out.token), v.expires_at, now});
              },
              Error(ErrorCode::conflict, "this address already has a pending invitation: revoke it to send another")
                  .with_code("invitation_pending"));
          const std::string org_name = ctx.org ? ctx.org->name : org_id;
          auth::send_mail(ctx, tx,
                          {.to = email,
                           .subject = "You are invited to join " + org_name,
                           .text = "You are invited to join " + org_name + " as " + role +
                                   ". Open this link to accept: " + accept_link(ctx, out.token) +
                                   "\nThe invitation expires at " + v.expires_at + ".",
                           .kind = "invitation"});
        });
        ctx.log.info("member invited", {{"orgId", org_id}, {"invitationId", v.id}});
        return out;
      });
}

Action list_invitations() {
  return action<OrgInput, InvitationList>(
      {.name = "listInvitations",
       .description = "The organization's invitations, newest first",
       .triggers = {triggers::api("GET", "/orgs/:orgId/invitations")},
       .guards = {guards::in_org(), has_any_permission({"invitations:manage", "members:manage"})}},
      [](const OrgInput& in, Context& ctx) {
        InvitationList out;
        const std::string now = iso_now();
        for (auto& v : ctx.db.query_as<InvitationView>(
                 std::string(kColumns) + "WHERE org_id = $1 ORDER BY created_at DESC, id DESC",
                 {acting_org(ctx, in.orgId)}))
          out.items.push_back(effective(std::move(v), now));
        return out;
      });
}

Action revoke_invitation() {
  return action<InvitationInput, InvitationView>(
      {.name = "revokeInvitation",
       .description = "Revokes a pending invitation: its token stops working",
       .triggers = {triggers::api("DELETE", "/orgs/:orgId/invitations/:invitationId")},
       .guards = {guards::in_org(), has_any_permission({"invitations:manage", "members:manage"})}},
      [](const InvitationInput& in, Context& ctx) {
        const std::string& org_id = acting_org(ctx, in.orgId);
        const bool revoked = ctx.db.exec(
                                 "UPDATE org_invitations SET status = 'revoked' WHERE id = $1 AND org_id = $2 "
                                 "AND status = 'pending'",
                                 {in.invitationId, org_id}) == 1;
        auto inv = ctx.db.query_one_as<InvitationView>(std::string(kColumns) + "WHERE id = $1 AND org_id = $2",
                                                       {in.invitationId, org_id});
        if (!inv) throw Error(ErrorCode::not_found, "invitation not found").with_code("invitation_not_found");
        if (!revoked) throw not_pending(inv->status);
        return *inv;
      });
}

Action accept_invitation() {
  return action<InvitationTokenInput, OrganizationView>(
      {.name = "acceptInvitation",
       .description = "Joins the organization with the invitation's role; the signed-in user's email must match",
       .triggers = {triggers::api("POST", "/invitations/:token/accept")},
       .scope = "invitations:respond",
       .redact = {"token"}},
      [](const InvitationTokenInput& in, Context& ctx) {
        InvitationView inv = open_invitation(ctx, in.token);
        const std::string& user_id = ctx.auth.user_id;
        if (ctx.db.query_one("SELECT 1 AS x FROM org_memberships WHERE org_id = $1 AND user_id = $2",
                             {inv.org_id, user_id}))
          throw already_member();
        ctx.db.transaction([&](db::Database& tx) {
          close_invitation(tx, inv, "accepted");
          or_conflict(
              [&] {
                tx.exec(
                    "INSERT INTO org_memberships (id, org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4, $5)",
                    {new_id(), inv.org_id, user_id, inv.role, *inv.responded_at});
              },
              already_member());
          activate_org(ctx, inv.org_id);
        });
        ctx.log.info("invitation accepted", {{"orgId", inv.org_id}, {"userId", user_id}});
        return organization_view(ctx.db, inv.org_id, inv.role);
      });
}

Action decline_invitation() {
  return action<InvitationTokenInput, InvitationView>(
      {.name = "declineInvitation",
       .description = "Declines the invitation; its token stops working",
       .triggers = {triggers::api("POST", "/invitations/:token/decline")},
       .scope = "invitations:respond",
       .redact = {"token"}},
      [](const InvitationTokenInput& in, Context& ctx) {
        InvitationView inv = open_invitation(ctx, in.token);
        close_invitation(ctx.db, inv, "declined");
        return inv;
      });
}

}  // namespace

std::vector<Action> invitation_actions() {
  return {invite_member(), list_invitations(), revoke_invitation(), accept_invitation(), decline_invitation()};
}

}  // namespace bb::saas
