// The in_org() resolution and the caller checks built on it (see org_access.hpp).
#include "src/saas/org_access.hpp"

#include <algorithm>

#include "bunbase/auth/identity.hpp"
#include "bunbase/core/error.hpp"
#include "bunbase/db/database.hpp"
#include "src/saas/roles.hpp"
#include "src/saas/subscriptions.hpp"

namespace bb::saas {

namespace {

Error org_mismatch() {
  return Error(ErrorCode::invalid_argument, "the request names two different organizations").with_code("org_mismatch");
}

// The organization the request names: the X-Org-Id header, the :orgId path parameter, or an org
// id the caller set beforehand (internal triggers, tests). Two different ones are refused.
std::string requested_org(const Context& ctx, std::string_view preset) {
  std::string found;
  auto consider = [&](std::string_view id) {
    if (id.empty()) return;
    if (found.empty())
      found = id;
    else if (found != id)
      throw org_mismatch();
  };
  if (ctx.request) {
    if (auto header = ctx.request->header("x-org-id")) consider(*header);
    if (auto param = ctx.request->param("orgId")) consider(*param);
  }
  consider(preset);
  return found;
}

// The organization the caller's session last chose (created, joined).
std::string session_org(Context& ctx) {
  if (ctx.auth.via != Auth::Via::session || ctx.auth.session_id.empty()) return {};
  auto row = ctx.db.query_one("SELECT active_org_id FROM sessions WHERE id = $1", {ctx.auth.session_id});
  if (!row || !row->at("active_org_id").is_string()) return {};
  return std::string(row->at("active_org_id").as_string());
}

std::vector<std::string> all_permissions(db::Database& db) {
  std::vector<std::string> out;
  for (const auto& r : db.query("SELECT key FROM permissions ORDER BY key")) out.emplace_back(r.at("key").as_string());
  return out;
}

std::string text(const db::Row& row, std::string_view column) { return std::string(row.at(column).as_string()); }

}  // namespace

const Config& config_of(const Context& ctx) {
  static const Config defaults;
  return ctx.config ? *ctx.config : defaults;
}

void resolve_org(Context& ctx) {
  if (!ctx.auth.org_id.empty() && !ctx.auth.role.empty()) return;  // an earlier in_org() did it
  const std::string preset = ctx.auth.org_id;
  if (!ctx.auth.authenticated() && !auth::identify(ctx))
    throw Error(ErrorCode::unauthenticated, "authentication required").with_code("unauthenticated");

  std::string org_id = requested_org(ctx, preset);
  if (org_id.empty()) org_id = session_org(ctx);
  if (org_id.empty())
    throw Error(ErrorCode::invalid_argument, "no organization given: send X-Org-Id or use an /orgs/:orgId route")
        .with_code("org_required");

  std::optional<db::Row> row;
  if (ctx.auth.is_system()) {
    row = ctx.db.query_one("SELECT id, name, slug FROM organizations WHERE id = $1", {org_id});
    if (!row) throw Error(ErrorCode::not_found, "organization not found").with_code("org_not_found");
  } else {
    // One lookup decides: no membership and no organization look the same (no existence leak).
    row = ctx.db.query_one(
        "SELECT o.id, o.name, o.slug, m.role FROM org_memberships m JOIN organizations o ON o.id = m.org_id "
        "WHERE m.org_id = $1 AND m.user_id = $2",
        {org_id, ctx.auth.user_id});
    if (!row) throw Error(ErrorCode::permission_denied, "not a member of this organization").with_code("not_a_member");
  }
  ctx.auth.org_id = org_id;
  ctx.auth.role = ctx.auth.is_system() ? std::string(kOwnerRole) : text(*row, "role");
  ctx.auth.permissions =
      ctx.auth.is_system() ? all_permissions(ctx.db) : role_permissions(ctx.db, org_id, ctx.auth.role);
  ctx.org = Org{.id = org_id, .name = text(*row, "name"), .slug = text(*row, "slug")};
  if (config_of(ctx).saas.enabled) load_plan(ctx.db, *ctx.org);
}

const std::string& acting_org(const Context& ctx, std::string_view requested) {
  if (ctx.auth.org_id.empty()) throw Error(ErrorCode::internal, "an organization action runs without in_org()");
  if (!requested.empty() && requested != ctx.auth.org_id) throw org_mismatch();
  return ctx.auth.org_id;
}

bool grants(const Auth& auth, std::string_view permission) {
  if (auth.is_system()) return true;
  return auth.has_permission(permission) && auth.scope_allows(permission);
}

bool acts_as_owner(const Auth& auth) { return auth.is_system() || auth.role == kOwnerRole; }

void require_owner(const Auth& auth, std::string_view why) {
  if (!acts_as_owner(auth))
    throw Error(ErrorCode::permission_denied, "only an owner may " + std::string(why)).with_code("owner_required");
}

void require_grantable(const Auth& auth, const std::vector<std::string>& permissions) {
  for (const auto& p : permissions)
    if (!grants(auth, p))
      throw Error(ErrorCode::permission_denied, "you cannot hand out a permission you do not have: " + p,
                  boost::json::object{{"permission", p}})
          .with_code("permission_escalation");
}

void activate_org(Context& ctx, const std::string& org_id) {
  if (ctx.auth.via != Auth::Via::session || ctx.auth.session_id.empty()) return;
  ctx.db.exec("UPDATE sessions SET active_org_id = $1 WHERE id = $2 AND user_id = $3",
              {org_id, ctx.auth.session_id, ctx.auth.user_id});
}

OrganizationView organization_view(db::Database& db, const std::string& org_id, std::string_view role) {
  auto org = db.query_one_as<OrganizationView>(
      "SELECT id, name, slug, '' AS role, created_at, updated_at FROM organizations WHERE id = $1", {org_id});
  if (!org) throw Error(ErrorCode::not_found, "organization not found").with_code("org_not_found");
  org->role = role;
  return *org;
}

const std::string& require_user(const Context& ctx) {
  if (!ctx.auth.is_user())
    throw Error(ErrorCode::invalid_argument, "this action needs a signed-in user, not the system principal")
        .with_code("user_required");
  return ctx.auth.user_id;
}

}  // namespace bb::saas
