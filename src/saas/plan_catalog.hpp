// Reading the plan catalog (plans, features, what each plan includes) for the plans module's
// actions and the config sync: a plan as the API shows it, and the lookups that answer 404.
//
//   PlanView p = plan_view(db, require_plan(db, in.planKey));
#pragma once

#include <string_view>

#include "bunbase/db/database.hpp"
#include "src/saas/plans_types.hpp"

namespace bb::saas {

// A plans row without its features.
struct PlanRow {
  std::string key, name;
  std::int64_t price_cents = 0;
  std::string interval;
  std::int64_t trial_days = 0;
  bool is_public = true;
  bool is_default = false;
  std::optional<std::string> archived_at;
  std::optional<std::string> stripe_price;
  std::string created_at, updated_at;
};
BOOST_DESCRIBE_STRUCT(PlanRow, (),
                      (key, name, price_cents, interval, trial_days, is_public, is_default,
                       archived_at, stripe_price, created_at, updated_at))

inline constexpr std::string_view kPlanColumns =
    "key, name, price_cents, interval, trial_days, is_public, is_default, archived_at, stripe_price, "
    "created_at, updated_at";

std::optional<PlanRow> find_plan(db::Database& db, std::string_view key);
// 404 plan_not_found.
PlanRow require_plan(db::Database& db, std::string_view key);
// 404 feature_not_found.
FeatureView require_feature(db::Database& db, std::string_view key);

// The plan with the features it includes, by feature key.
PlanView plan_view(db::Database& db, const PlanRow& plan);

}  // namespace bb::saas
