// Who the caller is in an organization: the in_org() resolution the guards share, and the checks
// handlers make on top of it (which org the run acts in, owner-only steps, permissions + scopes).
//
//   resolve_org(ctx);                                   // what in_org() does
//   const std::string& org = acting_org(ctx, in.orgId); // refuses an input naming another org
//   if (!grants(ctx.auth, "members:manage")) ...
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bunbase/core/context.hpp"
#include "bunbase/runtime/config.hpp"
#include "src/saas/saas_types.hpp"

namespace bb::saas {

// The role that owns an organization: only holders may grant, change or remove it, and an
// organization always keeps at least one.
inline constexpr std::string_view kOwnerRole = "owner";

// ctx.config, or the defaults when a run has none (unit setups).
const Config& config_of(const Context& ctx);

// Fills ctx.auth.org_id, role, permissions and ctx.org from the caller's membership; nothing when
// an earlier call did. 401 not signed in, 400 (org_required / org_mismatch) no or two org ids,
// 403 (not_a_member) not a member or no such organization, 404 for the system principal only.
void resolve_org(Context& ctx);

// The organization the run acts in (resolved by in_org()); 400 org_mismatch when the input names
// another one (non-HTTP callers, whose input the guards cannot see).
const std::string& acting_org(const Context& ctx, std::string_view requested);

// The caller's role grants the permission and, for an API key with scopes, the key carries it.
bool grants(const Auth& auth, std::string_view permission);
// The system principal or an owner of the organization.
bool acts_as_owner(const Auth& auth);
// 403 (owner_required) unless acts_as_owner.
void require_owner(const Auth& auth, std::string_view why);
// 403 (permission_escalation) unless the caller holds every one of the permissions: nobody hands
// out (to a role or a member) more than they have themselves.
void require_grantable(const Auth& auth, const std::vector<std::string>& permissions);

// Makes the organization the caller's session's active one, when the caller came with a session.
void activate_org(Context& ctx, const std::string& org_id);

// The organization with the caller's role in it; 404 org_not_found.
OrganizationView organization_view(db::Database& db, const std::string& org_id, std::string_view role);

// The signed-in user's id; 400 (user_required) for the system principal.
const std::string& require_user(const Context& ctx);

}  // namespace bb::saas
