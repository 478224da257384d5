// Reading the plan catalog: plan rows, their features, and the 404s of the plans module.
#include "src/saas/plan_catalog.hpp"

namespace bb::saas {

std::optional<PlanRow> find_plan(db::Database& db, std::string_view key) {
  return db.query_one_as<PlanRow>(
      "SELECT " + std::string(kPlanColumns) + " FROM plans WHERE key = $1", {key});
}

PlanRow require_plan(db::Database& db, std::string_view key) {
  auto p = find_plan(db, key);
  if (!p)
    throw Error(ErrorCode::not_found, "plan not found", boost::json::object{{"plan", key}})
        .with_code("plan_not_found");
  return *p;
}

FeatureView require_feature(db::Database& db, std::string_view key) {
  auto f = db.query_one_as<FeatureView>(
      "SELECT key, name, description FROM features WHERE key = $1", {key});
  if (!f)
    throw Error(ErrorCode::not_found, "feature not found", boost::json::object{{"feature", key}})
        .with_code("feature_not_found");
  return *f;
}

PlanView plan_view(db::Database& db, const PlanRow& plan) {
  return PlanView{
      .key = plan.key,
      .name = plan.name,
      .price_cents = plan.price_cents,
      .interval = plan.interval,
      .trial_days = plan.trial_days,
      .is_public = plan.is_public,
      .is_default = plan.is_default,
      .archived_at = plan.archived_at,
      .features = db.query_as<PlanFeatureView>("SELECT pf.feature_key AS key, f.name AS name, "
                                               "pf.limit_value AS \"limit\" FROM plan_features pf "
                                               "JOIN features f ON f.key = pf.feature_key WHERE "
                                               "pf.plan_key = $1 ORDER BY pf.feature_key",
                                               {plan.key}),
      .created_at = plan.created_at,
      .updated_at = plan.updated_at};
}

}  // namespace bb::saas
