// createPlan, updatePlan, archivePlan, attachFeature, detachFeature, createFeature, listFeatures:
// the operator's changes to the plan catalog. Behind system_only() (the CLI's `run`, internal work;
// over HTTP they answer 403, the routes exist for a dashboard acting as the operator). A plan or
// feature bunbase.toml lists is set back to the file's values on the next migrate.
#include "src/saas/org_guards.hpp"
#include "src/saas/plan_catalog.hpp"
#include "src/saas/plans_types.hpp"
#include "src/saas/unique_conflict.hpp"

namespace bb::saas {

namespace {

std::vector<Guard> operator_guards() { return {system_only()}; }

// Makes `key` the one default plan (the unique index allows one at a time: the others first).
void make_default(db::Database& tx, std::string_view key, const std::string& now) {
  tx.exec("UPDATE plans SET is_default = FALSE, updated_at = $1 WHERE is_default AND key <> $2",
          {now, key});
  tx.exec("UPDATE plans SET is_default = TRUE, updated_at = $1 WHERE key = $2", {now, key});
}

Action create_plan() {
  return action<CreatePlanInput, PlanView>(
      {.name = "createPlan",
       .description =
           "Operator only: a new plan without features (attachFeature adds them); 409 plan_exists",
       .triggers = {triggers::api("POST", "/plans", {.status = 201})},
       .guards = operator_guards()},
      [](const CreatePlanInput& in, Context& ctx) {
        const std::string now = iso_now();
        ctx.db.transaction([&](db::Database& tx) {
          or_conflict(
              [&] {
                tx.exec(
                    "INSERT INTO plans (key, name, price_cents, interval, trial_days, is_public, is_default, "
                    "stripe_price, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, $8, $8)",
                    {in.key, in.name, in.price_cents, in.interval.value_or("month"),
                     in.trial_days.value_or(TrialDays{0}), in.is_public.value_or(true), in.stripe_price, now});
              },
              Error(ErrorCode::conflict, "a plan with this key already exists",
                    boost::json::object{{"plan", in.key}})
                  .with_code("plan_exists"));
          if (in.is_default.value_or(false)) make_default(tx, in.key, now);
        });
        ctx.log.info("plan created", {{"plan", in.key}});
        return plan_view(ctx.db, require_plan(ctx.db, in.key));
      });
}

Action update_plan() {
  return action<UpdatePlanInput, PlanView>(
      {.name = "updatePlan",
       .description = "Operator only: changes a plan's name, price, interval, trial, visibility, Stripe price or "
                      "default flag (true makes it the one default plan); its key never changes",
       .triggers = {triggers::api("PATCH", "/plans/:planKey")},
       .guards = operator_guards()},
      [](const UpdatePlanInput& in, Context& ctx) {
        const std::string now = iso_now();
        ctx.db.transaction([&](db::Database& tx) {
          PlanRow p = require_plan(tx, in.planKey);
          tx.exec(
              "UPDATE plans SET name = $1, price_cents = $2, interval = $3, trial_days = $4, is_public = $5, "
              "stripe_price = $6, updated_at = $7 WHERE key = $8",
              {in.name ? std::string(*in.name) : p.name,
               in.price_cents ? in.price_cents->value : p.price_cents,
               in.interval ? std::string(*in.interval) : p.interval,
               in.trial_days ? in.trial_days->value : p.trial_days,
               in.is_public.value_or(p.is_public),
               in.stripe_price ? std::optional<std::string>(*in.stripe_price) : p.stripe_price, now, p.key});
          if (in.is_default == true && !p.is_default) make_default(tx, p.key, now);
          if (in.is_default == false && p.is_default)
            tx.exec("UPDATE plans SET is_default = FALSE WHERE key = $1", {p.key});
        });
        return plan_view(ctx.db, require_plan(ctx.db, in.planKey));
      });
}

Action archive_plan() {
  return action<PlanInput, PlanView>(
      {.name = "archivePlan",
       .description = "Operator only: hides a plan from the catalog for good (it stays for whoever is on it) and "
                      "stops it being the default; archiving an archived plan changes nothing",
       .triggers = {triggers::api("POST", "/plans/:planKey/archive")},
       .guards = operator_guards()},
      [](const PlanInput& in, Context& ctx) {
        bool archived = false;
        ctx.db.transaction([&](db::Database& tx) {
          PlanRow p = require_plan(tx, in.planKey);
          if (p.archived_at) return;
          const std::string now = iso_now();
          tx.exec(
              "UPDATE plans SET archived_at = $1, is_default = FALSE, updated_at = $1 WHERE key = $2",
              {now, p.key});
          archived = true;
        });
        if (archived) ctx.log.info("plan archived", {{"plan", in.planKey}});
        return plan_view(ctx.db, require_plan(ctx.db, in.planKey));
      });
}

Action attach_feature() {
  return action<AttachFeatureInput, PlanView>(
      {.name = "attachFeature",
       .description = "Operator only: the plan includes the feature, up to `limit` (absent or null: unlimited); "
                      "attaching it again sets the new limit",
       .triggers = {triggers::api("PUT", "/plans/:planKey/features/:featureKey")},
       .guards = operator_guards()},
      [](const AttachFeatureInput& in, Context& ctx) {
        ctx.db.transaction([&](db::Database& tx) {
          PlanRow p = require_plan(tx, in.planKey);
          require_feature(tx, in.featureKey);
          tx.exec(
              "INSERT INTO plan_features (plan_key, feature_key, limit_value) VALUES ($1, $2, $3) "
              "ON CONFLICT (plan_key, feature_key) DO UPDATE SET limit_value = excluded.limit_value",
              {p.key, in.featureKey, in.limit});
          tx.exec("UPDATE plans SET updated_at = $1 WHERE key = $2", {iso_now(), p.key});
        });
        return plan_view(ctx.db, require_plan(ctx.db, in.planKey));
      });
}

Action detach_feature() {
  return action<PlanFeatureInput, Empty>(
      {.name = "detachFeature",
       .description = "Operator only: the plan no longer includes the feature; 404 feature_not_attached when it did "
                      "not",
       .triggers = {triggers::api("DELETE", "/plans/:planKey/features/:featureKey",
                                  {.status = 204})},
       .guards = operator_guards()},
      [](const PlanFeatureInput& in, Context& ctx) {
        ctx.db.transaction([&](db::Database& tx) {
          PlanRow p = require_plan(tx, in.planKey);
          require_feature(tx, in.featureKey);
          if (tx.exec("DELETE FROM plan_features WHERE plan_key = $1 AND feature_key = $2",
                      {p.key, in.featureKey}) == 0)
            throw Error(ErrorCode::not_found, "the plan does not include this feature",
                        boost::json::object{{"plan", p.key}, {"feature", in.featureKey}})
                .with_code("feature_not_attached");
          tx.exec("UPDATE plans SET updated_at = $1 WHERE key = $2", {iso_now(), p.key});
        });
        return Empty{};
      });
}

Action create_feature() {
  return action<CreateFeatureInput, FeatureView>(
      {.name = "createFeature",
       .description = "Operator only: a new feature plans can include; 409 feature_exists",
       .triggers = {triggers::api("POST", "/features", {.status = 201})},
       .guards = operator_guards()},
      [](const CreateFeatureInput& in, Context& ctx) {
        FeatureView f{.key = in.key, .name = in.name, .description = in.description.value_or("")};
        or_conflict(
            [&] {
              ctx.db.exec("INSERT INTO features (key, name, description) VALUES ($1, $2, $3)",
                          {f.key, f.name, f.description});
            },
            Error(ErrorCode::conflict, "a feature with this key already exists",
                  boost::json::object{{"feature", in.key}})
                .with_code("feature_exists"));
        ctx.log.info("feature created", {{"feature", in.key}});
        return f;
      });
}

Action list_features() {
  return action<Empty, FeatureList>(
      {.name = "listFeatures",
       .description = "Operator only: every feature a plan can include",
       .triggers = {triggers::api("GET", "/features")},
       .guards = operator_guards()},
      [](const Empty&, Context& ctx) {
        return FeatureList{ctx.db.query_as<FeatureView>(
            "SELECT key, name, description FROM features ORDER BY key")};
      });
}

}  // namespace

std::vector<Action> plan_admin_actions() {
  return {create_plan(),    update_plan(),    archive_plan(), attach_feature(),
          detach_feature(), create_feature(), list_features()};
}

}  // namespace bb::saas
