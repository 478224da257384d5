// An organization's one current subscription: reading it (into ctx.org for the plan guards),
// and every change to it, written in the caller's transaction with the event it emits.
//
//   ctx.db.transaction([&](db::Database& tx) { start_subscription(tx, ctx, org_id); });
//   auto sub = require_subscription(ctx.db, org_id);   // 404 subscription_not_found
//   change(tx, ctx, sub, {{"status", "active"}}, "subscription.updated");
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "bunbase/core/context.hpp"
#include "bunbase/db/database.hpp"
#include "src/saas/plan_catalog.hpp"

namespace bb::saas {

struct SubscriptionRow {
  std::string id, org_id, plan_key, status;
  std::optional<std::string> trial_ends_at, current_period_start, current_period_end;
  bool cancel_at_period_end = false;
  std::optional<std::string> pending_plan_key;  // a downgrade due at current_period_end
  std::optional<std::string> trial_notified_at;
  std::string provider;  // none | stripe
  std::optional<std::string> provider_customer_id, provider_subscription_id, canceled_at;
  std::string created_at, updated_at;
};
BOOST_DESCRIBE_STRUCT(SubscriptionRow, (),
                      (id, org_id, plan_key, status, trial_ends_at, current_period_start, current_period_end,
                       cancel_at_period_end, pending_plan_key, trial_notified_at, provider, provider_customer_id,
                       provider_subscription_id, canceled_at, created_at, updated_at))

// trialing before the trial's end, active, or past_due (the provider still retries the payment).
bool usable(std::string_view status, const std::optional<std::string>& trial_ends_at, std::string_view now);

std::optional<SubscriptionRow> find_subscription(db::Database& db, std::string_view org_id);
// 404 subscription_not_found.
SubscriptionRow require_subscription(db::Database& db, std::string_view org_id);

// Fills ctx.org's plan, status, dates and features from the organization's subscription.
void load_plan(db::Database& db, Org& org);

// A new organization's subscription on the default plan: trialing for its trial days, else
// active. Nothing when there is no default plan. Emits subscription.created.
void start_subscription(db::Database& tx, Context& ctx, const std::string& org_id);

// Writes `changes` (column -> value; updated_at added) to the subscription and records `event`
// (subscription.updated, subscription.canceled, trial.ending) with the new state. Returns the
// new row. Call inside a transaction.
SubscriptionRow change(db::Database& tx, Context& ctx, const SubscriptionRow& sub, boost::json::object changes,
                       std::string_view event);

// Records an event about the subscription in subscription_events (in the transaction) and emits
// it on the event bus (delivered once the run succeeds).
void record_event(db::Database& tx, Context& ctx, const SubscriptionRow& sub, std::string_view name);

// The end of a billing period of `interval` (month | year) that starts at `start` (ISO 8601):
// the same day and time a month or a year later, the month's last day when it has no such day.
std::string period_end(std::string_view start, std::string_view interval);

// A plan's price per month, to tell an upgrade (dearer) from a downgrade.
std::int64_t monthly_price(const PlanRow& plan);

}  // namespace bb::saas
