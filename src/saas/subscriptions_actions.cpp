// getSubscription, changePlan, cancelSubscription, resumeSubscription and processSubscriptions:
// an organization's subscription without a payment provider (the default), and the pass that
// ends trials and periods. A Stripe subscription's cancel and resume go to Stripe as well.
#include <bunbase/guards.hpp>

#include "src/saas/org_access.hpp"
#include "src/saas/org_guards.hpp"
#include "src/saas/stripe_billing.hpp"
#include "src/saas/subscriptions.hpp"
#include "src/saas/subscriptions_types.hpp"

namespace bb::saas {

namespace {

// The subscription's own actions check billing:manage with the role only (has_any_permission):
// has_permission() would add the plan half, and a lapsed plan must not stop anyone paying for it.

Error conflict(std::string code, std::string message) {
  return Error(ErrorCode::conflict, std::move(message)).with_code(std::move(code));
}

Action get_subscription() {
  return action<OrgInput, SubscriptionView>(
      {.name = "getSubscription",
       .description = "The organization's plan, subscription status, billing period and what the plan includes",
       .triggers = {triggers::api("GET", "/orgs/:orgId/subscription")},
       .guards = {guards::in_org()},
       .scope = "billing:read"},
      [](const OrgInput& in, Context& ctx) { return subscription_view(ctx.db, acting_org(ctx, in.orgId)); });
}

Action change_plan() {
  return action<ChangePlanInput, SubscriptionView>(
      {.name = "changePlan",
       .description = "Moves the organization to another plan: a dearer one at once, a cheaper one at the end of the "
                      "paid period (at once during a trial). Without a payment provider only; with Stripe, paid plans "
                      "are bought through checkout and changed in the billing portal",
       .triggers = {triggers::api("POST", "/orgs/:orgId/subscription/plan")},
       .guards = {guards::in_org(), has_any_permission({"billing:manage"})}},
      [](const ChangePlanInput& in, Context& ctx) {
        const std::string& org_id = acting_org(ctx, in.orgId);
        ctx.db.transaction([&](db::Database& tx) {
          PlanRow target = require_plan(tx, in.plan);
          if (target.archived_at) throw conflict("plan_archived", "the plan \"" + target.key + "\" is archived");
          auto current = find_subscription(tx, org_id);
          const bool stripe = config_of(ctx).saas.stripe_enabled();
          if (current && current->provider == "stripe")
            throw conflict("use_billing_portal", "a Stripe subscription changes plan in the billing portal");
          if (stripe && target.price_cents > 0)
            throw conflict("checkout_required", "a paid plan is bought through checkout (createCheckoutSession)");
          const std::string now = iso_now();
          if (!current) {  // an organization from before subscriptions, or without a default plan then
            tx.exec(
                "INSERT INTO subscriptions (id, org_id, plan_key, status, current_period_start, current_period_end, "
                "provider, created_at, updated_at) VALUES ($1, $2, $3, 'active', $4, $5, 'none', $4, $4)",
                {new_id(), org_id, target.key, now, period_end(now, target.interval)});
            record_event(tx, ctx, require_subscription(tx, org_id), "subscription.created");
            return;
          }
          const bool live = usable(current->status, current->trial_ends_at, now);
          if (current->plan_key == target.key) {
            if (!current->pending_plan_key && live)
              throw conflict("already_on_plan", "the organization is already on \"" + target.key + "\"");
            if (live) {  // back to the current plan: the pending downgrade is dropped
              change(tx, ctx, *current, {{"pending_plan_key", nullptr}}, "subscription.updated");
              return;
            }
          }
          const PlanRow from = require_plan(tx, current->plan_key);
          const bool downgrade = monthly_price(target) < monthly_price(from);
          if (live && downgrade && current->status != "trialing") {
            change(tx, ctx, *current, {{"pending_plan_key", target.key}}, "subscription.updated");
            return;
          }
          boost::json::object changes{{"plan_key", target.key}, {"pending_plan_key", nullptr}};
          if (!live) {  // a lapsed subscription starts again, paid at once (no provider to charge)
            changes["status"] = "active";
            changes["trial_ends_at"] = nullptr;
            changes["current_period_start"] = now;
            changes["current_period_end"] = period_end(now, target.interval);
            changes["cancel_at_period_end"] = false;
            changes["canceled_at"] = nullptr;
          }
          change(tx, ctx, *current, std::move(changes), "subscription.updated");
        });
        return subscription_view(ctx.db, org_id);
      });
}

// cancelSubscription and resumeSubscription: cancel_at_period_end set or cleared.
Action set_cancel(bool cancel) {
  return action<OrgInput, SubscriptionView>(
      {.name = cancel ? "cancelSubscription" : "resumeSubscription",
       .description = cancel ? "Cancels the subscription at the end of the period (or the trial); until then it "
                               "stays usable, and resumeSubscription undoes it"
                             : "Undoes cancelSubscription before the period ends",
       .triggers = {triggers::api("POST", cancel ? "/orgs/:orgId/subscription/cancel" : "/orgs/:orgId/subscription/resume")},
       .guards = {guards::in_org(), has_any_permission({"billing:manage"})}},
      [cancel](const OrgInput& in, Context& ctx) {
        const std::string& org_id = acting_org(ctx, in.orgId);
        SubscriptionRow sub = require_subscription(ctx.db, org_id);
        if (sub.status == "canceled" || sub.status == "incomplete_expired")
          throw conflict("subscription_ended", "the subscription has ended; choose a plan to start again");
        if (sub.cancel_at_period_end == cancel)
          throw cancel ? conflict("already_canceling", "the subscription already ends with this period")
                       : conflict("not_canceling", "the subscription is not set to end");
        // Stripe first: if it refuses, nothing changes here. Its webhook confirms the change later.
        if (sub.provider == "stripe") stripe_set_cancel_at_period_end(ctx, sub, cancel);
        ctx.db.transaction([&](db::Database& tx) {
          SubscriptionRow fresh = require_subscription(tx, org_id);
          if (fresh.cancel_at_period_end != cancel)
            change(tx, ctx, fresh, {{"cancel_at_period_end", cancel}}, "subscription.updated");
        });
        return subscription_view(ctx.db, org_id);
      });
}

// One subscription's due transition, re-read inside the transaction (another instance may have
// done it already). Returns what it did into the report.
void sweep_one(Context& ctx, const std::string& org_id, const Config::Saas& saas, SweepReport& report) {
  ctx.db.transaction([&](db::Database& tx) {
    auto sub = find_subscription(tx, org_id);
    if (!sub) return;
    const std::string now = iso_now();
    if (sub->status == "trialing" && sub->trial_ends_at) {
      if (*sub->trial_ends_at <= now) {
        if (sub->provider == "stripe") return;  // Stripe ends its trials and tells the webhook
        const PlanRow plan = require_plan(tx, sub->plan_key);
        if (sub->cancel_at_period_end) {
          change(tx, ctx, *sub, {{"status", "canceled"}, {"canceled_at", now}}, "subscription.canceled");
          ++report.canceled;
        } else if (plan.price_cents == 0) {
          change(tx, ctx, *sub,
                 {{"status", "active"}, {"current_period_start", *sub->trial_ends_at},
                  {"current_period_end", period_end(*sub->trial_ends_at, plan.interval)}},
                 "subscription.updated");
          ++report.renewed;
        } else {  // nothing was paid: the plan's features stop until the organization pays
          change(tx, ctx, *sub, {{"status", "unpaid"}}, "subscription.updated");
          ++report.trials_ended;
        }
      } else if (!sub->trial_notified_at && *sub->trial_ends_at <= iso_in(saas.trial_notice)) {
        change(tx, ctx, *sub, {{"trial_notified_at", now}}, "trial.ending");
        ++report.trials_ending;
      }
      return;
    }
    if (sub->provider != "none" || !sub->current_period_end || *sub->current_period_end > now) return;
    if (sub->status != "active" && sub->status != "past_due") return;
    if (sub->cancel_at_period_end) {
      change(tx, ctx, *sub, {{"status", "canceled"}, {"canceled_at", now}}, "subscription.canceled");
      ++report.canceled;
      return;
    }
    const std::string plan_key = sub->pending_plan_key.value_or(sub->plan_key);
    const PlanRow plan = require_plan(tx, plan_key);
    std::string start = *sub->current_period_end, end = period_end(start, plan.interval);
    while (end <= now) start = std::exchange(end, period_end(end, plan.interval));  // down for a while
    change(tx, ctx, *sub,
           {{"plan_key", plan_key}, {"pending_plan_key", nullptr}, {"current_period_start", start},
            {"current_period_end", end}},
           "subscription.updated");
    ++(sub->pending_plan_key ? report.downgraded : report.renewed);
  });
}

Action process_subscriptions(const std::string& schedule) {
  return action<Empty, SweepReport>(
      {.name = "processSubscriptions",
       .description = "Ends trials and billing periods that are due (downgrades, cancellations, renewals without a "
                      "provider) and emits trial.ending ahead of a trial's end; runs on saas.sweep_schedule",
       .triggers = {triggers::cron(schedule)},
       .guards = {system_only()}},
      [](const Empty&, Context& ctx) {
        const auto& saas = config_of(ctx).saas;
        SweepReport report;
        const std::string now = iso_now(), notice = iso_in(saas.trial_notice);
        auto due = ctx.db.query(
            "SELECT org_id FROM subscriptions WHERE (status = 'trialing' AND trial_ends_at <= $1 "
            "AND (trial_notified_at IS NULL OR trial_ends_at <= $2)) "
            "OR (provider = 'none' AND status IN ('active', 'past_due') AND current_period_end <= $2) "
            "ORDER BY org_id LIMIT 1000",
            {notice, now});
        for (const auto& row : due) sweep_one(ctx, std::string(row.as_object().at("org_id").as_string()), saas, report);
        return report;
      });
}

}  // namespace

SubscriptionView subscription_view(db::Database& db, const std::string& org_id) {
  SubscriptionRow sub = require_subscription(db, org_id);
  SubscriptionView out{.plan = sub.plan_key,
                       .status = sub.status,
                       .usable = usable(sub.status, sub.trial_ends_at, iso_now()),
                       .trial_ends_at = sub.trial_ends_at,
                       .current_period_end = sub.current_period_end,
                       .cancel_at_period_end = sub.cancel_at_period_end,
                       .pending_plan = sub.pending_plan_key,
                       .provider = sub.provider,
                       .features = plan_view(db, require_plan(db, sub.plan_key)).features,
                       .created_at = sub.created_at,
                       .updated_at = sub.updated_at};
  return out;
}

std::vector<Action> subscription_actions(const Config& config) {
  return {get_subscription(), change_plan(), set_cancel(true), set_cancel(false),
          process_subscriptions(config.saas.sweep_schedule)};
}

}  // namespace bb::saas
