// listCockpitOrgs, getCockpitOrg, listCockpitPlans: the SaaS cockpit's tables as the dashboard
// reads them, across every organization (the operator's view, not a member's). The
// organizations' tables exist with [saas] organizations, the plans' and subscriptions' with
// [saas] enabled; without them these answer 404 cockpit_disabled.
#include <bunbase/bunbase.hpp>

#include <map>

#include "src/admin/admin_feature.hpp"
#include "src/admin/admin_types.hpp"
#include "src/admin/rows.hpp"

namespace bb::admin {

namespace {

void require_organizations(const Context& ctx) {
  if (!ctx.config->saas.organizations)
    throw Error(ErrorCode::not_found, "the SaaS cockpit is off: set [saas] organizations = true")
        .with_code("cockpit_disabled");
}

void require_plans(const Context& ctx) {
  require_organizations(ctx);
  if (!ctx.config->saas.enabled)
    throw Error(ErrorCode::not_found, "plans are off: set [saas] enabled = true").with_code("cockpit_disabled");
}

// The organization's columns, its member count and, with plans, its subscription's plan and status.
std::string org_select(const Context& ctx) {
  std::string sql =
      "SELECT o.id, o.name, o.slug, o.created_at, "
      "(SELECT count(*) FROM org_memberships m WHERE m.org_id = o.id) AS members";
  if (ctx.config->saas.enabled)
    return sql + ", s.plan_key, s.status FROM organizations o LEFT JOIN subscriptions s ON s.org_id = o.id";
  return sql + " FROM organizations o";
}

OrgSummary org_summary(const boost::json::object& row) {
  return {.id = text(row, "id"),
          .name = text(row, "name"),
          .slug = text(row, "slug"),
          .createdAt = text(row, "created_at"),
          .members = integer(row, "members"),
          .plan = text_or_null(row, "plan_key"),
          .status = text_or_null(row, "status")};
}

}  // namespace

Action list_cockpit_orgs() {
  return action<ListOrgsInput, OrgPage>(
      {.name = "listCockpitOrgs",
       .description = "Every organization, newest first, with its member count, plan and subscription status "
                      "(keyset pages: before)",
       .triggers = {triggers::api("GET", "/cockpit/orgs")},
       .record = false},
      [](const ListOrgsInput& in, Context& ctx) {
        require_organizations(ctx);
        const std::int64_t limit = in.limit ? in.limit->value : 50;
        std::vector<db::Value> params;
        std::string where;
        if (in.before) {
          params.push_back(std::string(*in.before));
          where = " WHERE o.id < $1";
        }
        auto rows = ctx.db.query(org_select(ctx) + where + " ORDER BY o.id DESC LIMIT " + std::to_string(limit + 1),
                                 db::Params(params.data(), params.size()));
        OrgPage page;
        for (const auto& r : rows) page.items.push_back(org_summary(r.as_object()));
        close_page(page, limit);
        return page;
      });
}

Action get_cockpit_org() {
  return action<CockpitOrgInput, OrgDetail>(
      {.name = "getCockpitOrg",
       .description = "An organization with its members (email, name, role) and its subscription",
       .triggers = {triggers::api("GET", "/cockpit/orgs/:orgId")},
       .record = false},
      [](const CockpitOrgInput& in, Context& ctx) {
        require_organizations(ctx);
        const std::string org_id(in.orgId);
        auto row = ctx.db.query_one(org_select(ctx) + " WHERE o.id = $1", {org_id});
        if (!row) throw Error(ErrorCode::not_found, "no organization " + org_id).with_code("org_not_found");
        OrgDetail d;
        d.org = org_summary(*row);
        for (const auto& m : ctx.db.query("SELECT m.user_id, u.email, u.name, m.role, m.created_at FROM org_memberships m "
                                          "JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY m.created_at, m.id",
                                          {org_id})) {
          const auto& o = m.as_object();
          d.members.push_back({text(o, "user_id"), text(o, "email"), text(o, "name"), text(o, "role"), text(o, "created_at")});
        }
        if (!ctx.config->saas.enabled) return d;
        auto s = ctx.db.query_one(
            "SELECT s.plan_key, p.name AS plan_name, s.status, s.provider, s.trial_ends_at, s.current_period_end, "
            "s.pending_plan_key, s.canceled_at, s.cancel_at_period_end FROM subscriptions s "
            "JOIN plans p ON p.key = s.plan_key WHERE s.org_id = $1",
            {org_id});
        if (s)
          d.subscription = SubscriptionView{.plan = text(*s, "plan_key"),
                                            .planName = text(*s, "plan_name"),
                                            .status = text(*s, "status"),
                                            .provider = text(*s, "provider"),
                                            .trialEndsAt = text_or_null(*s, "trial_ends_at"),
                                            .currentPeriodEnd = text_or_null(*s, "current_period_end"),
                                            .pendingPlan = text_or_null(*s, "pending_plan_key"),
                                            .canceledAt = text_or_null(*s, "canceled_at"),
                                            .cancelAtPeriodEnd = boolean(*s, "cancel_at_period_end")};
        return d;
      });
}

Action list_cockpit_plans() {
  return action<Empty, PlanList>(
      {.name = "listCockpitPlans",
       .description = "Every plan with its features and limits and how many organizations are on it",
       .triggers = {triggers::api("GET", "/cockpit/plans")},
       .record = false},
      [](const Empty&, Context& ctx) {
        require_plans(ctx);
        PlanList out;
        std::map<std::string, std::size_t> at;
        for (const auto& r : ctx.db.query(
                 "SELECT p.key, p.name, p.price_cents, p.interval, p.trial_days, p.is_public, p.is_default, "
                 "p.archived_at, (SELECT count(*) FROM subscriptions s WHERE s.plan_key = p.key) AS orgs "
                 "FROM plans p ORDER BY p.price_cents, p.key")) {
          const auto& o = r.as_object();
          at[text(o, "key")] = out.items.size();
          out.items.push_back({.key = text(o, "key"),
                               .name = text(o, "name"),
                               .interval = text(o, "interval"),
                               .priceCents = integer(o, "price_cents"),
                               .trialDays = integer(o, "trial_days"),
                               .orgs = integer(o, "orgs"),
                               .isPublic = boolean(o, "is_public"),
                               .isDefault = boolean(o, "is_default"),
                               .archivedAt = text_or_null(o, "archived_at")});
        }
        for (const auto& r : ctx.db.query("SELECT pf.plan_key, pf.feature_key, f.name, pf.limit_value FROM plan_features pf "
                                          "JOIN features f ON f.key = pf.feature_key ORDER BY pf.plan_key, pf.feature_key")) {
          const auto& o = r.as_object();
          auto it = at.find(text(o, "plan_key"));
          if (it == at.end()) continue;
          out.items[it->second].features.push_back(
              {text(o, "feature_key"), text(o, "name"), integer_or_null(o, "limit_value")});
        }
        return out;
      });
}

}  // namespace bb::admin
