// listPublicPlans and getPlan: the pricing page's catalog, open to anyone (no guards). Only public,
// unarchived plans show; the operator (the system principal) also gets the others from getPlan.
#include "src/saas/plan_catalog.hpp"
#include "src/saas/plans_types.hpp"

namespace bb::saas {

namespace {

Action list_public_plans() {
  return action<Empty, PlanList>(
      {.name = "listPublicPlans",
       .description =
           "The public, unarchived plans with the features they include and their limits (none: "
           "unlimited), cheapest first; no sign-in needed",
       .triggers = {triggers::api("GET", "/plans")}},
      [](const Empty&, Context& ctx) {
        PlanList out;
        for (const auto& p :
             ctx.db.query_as<PlanRow>("SELECT " + std::string(kPlanColumns) +
                                      " FROM plans WHERE is_public AND archived_at IS NULL "
                                      "ORDER BY price_cents, key"))
          out.items.push_back(plan_view(ctx.db, p));
        return out;
      });
}

Action get_plan() {
  return action<PlanInput, PlanView>(
      {.name = "getPlan",
       .description = "A public, unarchived plan with its features; no sign-in needed. Private and archived plans "
                      "answer 404 plan_not_found except to the operator",
       .triggers = {triggers::api("GET", "/plans/:planKey")}},
      [](const PlanInput& in, Context& ctx) {
        PlanRow p = require_plan(ctx.db, in.planKey);
        if (!ctx.auth.is_system() && (!p.is_public || p.archived_at))
          throw Error(ErrorCode::not_found, "plan not found",
                      boost::json::object{{"plan", in.planKey}})
              .with_code("plan_not_found");
        return plan_view(ctx.db, p);
      });
}

}  // namespace

std::vector<Action> plan_public_actions() { return {list_public_plans(), get_plan()}; }

}  // namespace bb::saas
