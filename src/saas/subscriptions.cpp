// Reading and changing an organization's subscription (see subscriptions.hpp).
#include "src/saas/subscriptions.hpp"

#include <boost/json/serialize.hpp>

#include <chrono>

#include "bunbase/core/error.hpp"
#include "bunbase/core/id.hpp"
#include "bunbase/core/time.hpp"
#include "bunbase/schema/schema.hpp"

namespace bb::saas {

namespace {

constexpr std::string_view kColumns =
    "id, org_id, plan_key, status, trial_ends_at, current_period_start, current_period_end, cancel_at_period_end, "
    "pending_plan_key, trial_notified_at, provider, provider_customer_id, provider_subscription_id, canceled_at, "
    "created_at, updated_at";

std::string select_by(std::string_view column) {
  return "SELECT " + std::string(kColumns) + " FROM subscriptions WHERE " + std::string(column) + " = $1";
}

}  // namespace

bool usable(std::string_view status, const std::optional<std::string>& trial_ends_at, std::string_view now) {
  if (status == "trialing") return trial_ends_at && *trial_ends_at > now;
  return status == "active" || status == "past_due";
}

std::optional<SubscriptionRow> find_subscription(db::Database& db, std::string_view org_id) {
  static const std::string sql = select_by("org_id");
  return db.query_one_as<SubscriptionRow>(sql, {org_id});
}

SubscriptionRow require_subscription(db::Database& db, std::string_view org_id) {
  auto sub = find_subscription(db, org_id);
  if (!sub)
    throw Error(ErrorCode::not_found, "the organization has no subscription").with_code("subscription_not_found");
  return *sub;
}

void load_plan(db::Database& db, Org& org) {
  auto row = db.query_one(
      "SELECT plan_key, status, trial_ends_at, current_period_end, cancel_at_period_end FROM subscriptions "
      "WHERE org_id = $1",
      {org.id});
  if (!row) return;
  auto text = [&](std::string_view c) -> std::optional<std::string> {
    const auto& v = row->at(c);
    return v.is_string() ? std::optional<std::string>(std::string(v.as_string())) : std::nullopt;
  };
  org.plan = *text("plan_key");
  org.status = *text("status");
  org.trial_ends_at = text("trial_ends_at");
  org.current_period_end = text("current_period_end");
  const auto& cancel = row->at("cancel_at_period_end");
  org.cancel_at_period_end = cancel.is_bool() ? cancel.as_bool() : cancel.is_int64() && cancel.as_int64() != 0;
  org.subscription_usable = usable(org.status, org.trial_ends_at, iso_now());
  org.features.clear();
  for (const auto& f : db.query("SELECT feature_key, limit_value FROM plan_features WHERE plan_key = $1", {org.plan})) {
    const auto& limit = f.at("limit_value");
    org.features.emplace_back(std::string(f.at("feature_key").as_string()),
                              limit.is_int64() ? std::optional<std::int64_t>(limit.as_int64()) : std::nullopt);
  }
}

void record_event(db::Database& tx, Context& ctx, const SubscriptionRow& sub, std::string_view name) {
  boost::json::object payload{{"subscription", to_json(sub)}};
  tx.exec(
      "INSERT INTO subscription_events (id, org_id, subscription_id, name, payload, run_id, trace_id, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {new_id(), sub.org_id, sub.id, name, boost::json::serialize(payload), ctx.run_id, ctx.trace_id, iso_now()});
  ctx.log.info(name, {{"orgId", sub.org_id}, {"plan", sub.plan_key}, {"status", sub.status}});
  // Also on the event bus, once the run succeeds: apps subscribe with triggers::event("subscription.*").
  ctx.events.emit(name, {{"orgId", sub.org_id}, {"plan", sub.plan_key}, {"status", sub.status},
                         {"subscriptionId", sub.id}});
}

void start_subscription(db::Database& tx, Context& ctx, const std::string& org_id) {
  auto plan = tx.query_one_as<PlanRow>("SELECT " + std::string(kPlanColumns) +
                                       " FROM plans WHERE is_default AND archived_at IS NULL");
  if (!plan) return;
  const std::string now = iso_now(), id = new_id();
  const bool trial = plan->trial_days > 0;
  const std::string end = trial ? iso_in(std::chrono::days(plan->trial_days)) : period_end(now, plan->interval);
  tx.exec(
      "INSERT INTO subscriptions (id, org_id, plan_key, status, trial_ends_at, current_period_start, "
      "current_period_end, provider, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'none', $6, $6)",
      {id, org_id, plan->key, trial ? "trialing" : "active", trial ? db::Value(end) : db::Value(nullptr), now, end});
  record_event(tx, ctx, require_subscription(tx, org_id), "subscription.created");
}

SubscriptionRow change(db::Database& tx, Context& ctx, const SubscriptionRow& sub, boost::json::object changes,
                       std::string_view event) {
  changes["updated_at"] = iso_now();
  tx.update("subscriptions", changes, "id = $1", {sub.id});
  SubscriptionRow now = require_subscription(tx, sub.org_id);
  record_event(tx, ctx, now, event);
  return now;
}

std::string period_end(std::string_view start, std::string_view interval) {
  const std::string text(start);
  const auto at = parse_iso_time(text);
  if (!at) throw Error(ErrorCode::internal, "not an ISO 8601 time: " + text);
  using namespace std::chrono;
  const sys_days days = floor<std::chrono::days>(*at);
  const year_month_day from(days);
  year_month ym = from.year() / from.month();
  ym += interval == "year" ? months(12) : months(1);
  year_month_day day(ym.year(), ym.month(), from.day());
  if (!day.ok()) day = year_month_day(year_month_day_last(ym.year(), month_day_last(ym.month())));
  return iso_time(sys_days(day) + (*at - days));
}

std::int64_t monthly_price(const PlanRow& plan) {
  return plan.interval == "year" ? plan.price_cents / 12 : plan.price_cents;
}

}  // namespace bb::saas
