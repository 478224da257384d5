// The subscriptions module's input and output types (its API: the schema, OpenAPI and SDK), and
// the functions the feature assembles it from.
#pragma once

#include <bunbase/bunbase.hpp>

#include "src/saas/plans_types.hpp"

namespace bb::saas {

using Url = String<Pattern<"^https?://[^\\s]{1,2000}$">>;

// The organization's subscription as its members see it.
struct SubscriptionView {
  std::string plan, status;
  bool usable = false;  // the plan's features are available (trialing, active or past_due)
  std::optional<std::string> trial_ends_at, current_period_end;
  bool cancel_at_period_end = false;
  std::optional<std::string> pending_plan;  // a downgrade due at current_period_end
  std::string provider;                     // none | stripe
  std::vector<PlanFeatureView> features;    // what the plan includes, with limits (none: unlimited)
  std::string created_at, updated_at;
};
BOOST_DESCRIBE_STRUCT(SubscriptionView, (),
                      (plan, status, usable, trial_ends_at, current_period_end, cancel_at_period_end, pending_plan,
                       provider, features, created_at, updated_at))

struct ChangePlanInput {
  Id orgId;
  Id plan;
};
BOOST_DESCRIBE_STRUCT(ChangePlanInput, (), (orgId, plan))

// What one pass over the due subscriptions did.
struct SweepReport {
  std::int64_t trials_ending = 0;   // trial.ending emitted
  std::int64_t trials_ended = 0;    // trial over without payment: unpaid (or canceled when asked)
  std::int64_t renewed = 0;         // a new period (no provider)
  std::int64_t downgraded = 0;      // a pending plan change applied
  std::int64_t canceled = 0;        // cancel_at_period_end reached
};
BOOST_DESCRIBE_STRUCT(SweepReport, (), (trials_ending, trials_ended, renewed, downgraded, canceled))

struct CheckoutInput {
  Id orgId;
  Id plan;
  Url success_url;
  Url cancel_url;
};
BOOST_DESCRIBE_STRUCT(CheckoutInput, (), (orgId, plan, success_url, cancel_url))

struct PortalInput {
  Id orgId;
  Url return_url;
};
BOOST_DESCRIBE_STRUCT(PortalInput, (), (orgId, return_url))

// A page at Stripe to send the customer to.
struct RedirectView {
  std::string id, url;
};
BOOST_DESCRIBE_STRUCT(RedirectView, (), (id, url))

// A Stripe event as delivered to the webhook; the handler reads the verified raw body for the rest.
struct StripeEventInput {
  static constexpr bool allow_unknown_properties = true;
  Id id;
  String<MinLength<1>, MaxLength<200>> type;
};
BOOST_DESCRIBE_STRUCT(StripeEventInput, (), (id, type))

struct WebhookReceipt {
  bool received = true;
  bool duplicate = false;  // seen before: acknowledged, not applied again
  bool applied = false;    // changed a subscription
};
BOOST_DESCRIBE_STRUCT(WebhookReceipt, (), (received, duplicate, applied))

// The subscriptions module: the lifecycle without a provider, then Stripe's actions.
std::vector<Action> subscription_actions(const Config& config);
std::vector<Action> stripe_actions(const Config& config);

// The subscription as its members see it.
SubscriptionView subscription_view(db::Database& db, const std::string& org_id);

}  // namespace bb::saas
