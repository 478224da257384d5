// has_feature(), trial_active_or_paid() and within_limit() (declared in bunbase/guards.hpp), and
// the plan half of has_permission(): the SaaS cockpit's guards over ctx.org's plan.
#include "src/saas/plan_guards.hpp"

#include "bunbase/core/error.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/guards.hpp"
#include "src/saas/org_access.hpp"

namespace bb {

namespace {

Error not_in_plan(const Org& org, std::string_view feature) {
  return Error(ErrorCode::permission_denied,
               "the " + (org.plan.empty() ? std::string("organization's") : "\"" + org.plan + "\"") +
                   " plan does not include " + std::string(feature),
               boost::json::object{{"feature", feature}, {"plan", org.plan}})
      .with_code("feature_not_in_plan");
}

Error inactive(const Org& org) {
  std::string why = org.status.empty()          ? "the organization has no subscription"
                    : org.status == "trialing" ? "the trial ended"
                                               : "the subscription is " + org.status;
  boost::json::object details{{"subscriptionStatus", org.status}, {"plan", org.plan}};
  if (org.trial_ends_at) details["trialEndsAt"] = *org.trial_ends_at;
  return Error(ErrorCode::permission_denied, why, std::move(details)).with_code("subscription_inactive");
}

// ctx.org with its plan, for a user principal; nullptr for the system principal (passes).
const Org* plan_of(Context& ctx) {
  if (ctx.auth.is_system()) return nullptr;
  saas::resolve_org(ctx);
  return &*ctx.org;
}

}  // namespace

void saas::require_plan_feature(const Org& org, std::string_view feature) {
  if (!org.includes(feature)) throw not_in_plan(org, feature);
  if (!org.subscription_usable) throw inactive(org);
}

void saas::require_plan_for_permission(Context& ctx, std::string_view permission) {
  if (ctx.auth.is_system() || !config_of(ctx).saas.enabled || !ctx.org) return;
  auto colon = permission.find(':');
  if (colon == std::string_view::npos) return;
  const std::string_view feature = permission.substr(0, colon);
  if (ctx.org->includes(feature)) {
    if (!ctx.org->subscription_usable) throw inactive(*ctx.org);
    return;
  }
  // Only plan features gate permissions: "members:manage" is not for sale.
  if (ctx.db.query_one("SELECT 1 AS found FROM features WHERE key = $1", {feature})) throw not_in_plan(*ctx.org, feature);
}

Guard guards::has_feature(std::string feature) {
  std::string name = "has_feature(" + feature + ")";
  return Guard(std::move(name), [feature = std::move(feature)](Context& ctx) {
    if (const Org* org = plan_of(ctx)) saas::require_plan_feature(*org, feature);
  });
}

Guard guards::trial_active_or_paid() {
  return Guard("trial_active_or_paid", [](Context& ctx) {
    const Org* org = plan_of(ctx);
    if (org && !org->subscription_usable) throw inactive(*org);
  });
}

Guard guards::within_limit(std::string feature, std::function<std::int64_t(Context&)> counter) {
  if (!counter) throw std::invalid_argument("within_limit(" + feature + ") needs a counter");
  std::string name = "within_limit(" + feature + ")";
  return Guard(std::move(name), [feature = std::move(feature), counter = std::move(counter)](Context& ctx) {
    const Org* org = plan_of(ctx);
    if (!org) return;
    saas::require_plan_feature(*org, feature);
    const auto limit = org->limit(feature);
    if (!limit) return;  // unlimited
    const std::int64_t count = counter(ctx);
    if (count >= *limit)
      throw Error(ErrorCode::permission_denied,
                  "the \"" + org->plan + "\" plan allows " + std::to_string(*limit) + " " + feature + ", and " +
                      std::to_string(count) + " are used",
                  boost::json::object{{"feature", feature}, {"limit", *limit}, {"current", count}, {"plan", org->plan}})
          .with_code("limit_reached");
  });
}

}  // namespace bb
