// in_org(), has_role() and has_permission() (declared in bunbase/guards.hpp), and
// has_any_permission(): the organization guards, over the resolution in org_access; system_only().
#include "src/saas/org_guards.hpp"

#include <algorithm>

#include "bunbase/core/error.hpp"
#include "bunbase/guards.hpp"
#include "src/saas/org_access.hpp"
#include "src/saas/plan_guards.hpp"

namespace bb {

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

boost::json::array json_list(const std::vector<std::string>& items) {
  boost::json::array out;
  for (const auto& i : items) out.emplace_back(i);
  return out;
}

Error permission_denied(const std::vector<std::string>& wanted) {
  return Error(ErrorCode::permission_denied, "missing permission: " + joined(wanted),
               boost::json::object{{"required", json_list(wanted)}})
      .with_code("permission_denied");
}

}  // namespace

Guard guards::in_org() {
  return Guard("in_org", [](Context& ctx) { saas::resolve_org(ctx); });
}

Guard guards::has_role(std::vector<std::string> roles) {
  std::string name = "has_role(" + joined(roles) + ")";
  return Guard(std::move(name), [roles = std::move(roles)](Context& ctx) {
    if (ctx.auth.is_system()) return;
    saas::resolve_org(ctx);
    if (std::find(roles.begin(), roles.end(), ctx.auth.role) == roles.end())
      throw Error(ErrorCode::permission_denied, "this needs the role " + joined(roles),
                  boost::json::object{{"required", json_list(roles)}})
          .with_code("missing_role");
  });
}

Guard guards::has_permission(std::vector<std::string> permissions) {
  std::string name = "has_permission(" + joined(permissions) + ")";
  auto demanded = permissions;
  return Guard(std::move(name), [permissions = std::move(permissions)](Context& ctx) {
    if (ctx.auth.is_system()) return;
    saas::resolve_org(ctx);
    // As in the seed: the plan half first (does the plan include the feature?), then the role's.
    for (const auto& p : permissions) saas::require_plan_for_permission(ctx, p);
    for (const auto& p : permissions)
      if (!saas::grants(ctx.auth, p)) throw permission_denied(permissions);
  }, std::move(demanded));
}

Guard saas::has_any_permission(std::vector<std::string> permissions) {
  std::string name = "has_any_permission(" + joined(permissions) + ")";
  auto demanded = permissions;
  return Guard(std::move(name), [permissions = std::move(permissions)](Context& ctx) {
    if (ctx.auth.is_system()) return;
    resolve_org(ctx);
    for (const auto& p : permissions)
      if (grants(ctx.auth, p)) return;
    throw permission_denied(permissions);
  }, std::move(demanded));
}

Guard saas::system_only() {
  return Guard("system_only", [](Context& ctx) {
    if (!ctx.auth.is_system())
      throw Error(ErrorCode::permission_denied, "only the operator may do this (the CLI's run, internal work)")
          .with_code("operator_only");
  });
}

}  // namespace bb
