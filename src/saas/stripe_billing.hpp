// Stripe as the subscriptions' payment provider: the client settings from [saas.stripe], the
// calls the lifecycle actions make, and reading Stripe's objects in both API shapes.
//
//   stripe_set_cancel_at_period_end(ctx, sub, true);   // POST /v1/subscriptions/:id
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "bunbase/core/context.hpp"
#include "bunbase/runtime/config.hpp"
#include "src/saas/stripe_client.hpp"
#include "src/saas/subscriptions.hpp"

namespace bb::saas {

StripeSettings stripe_settings(const Config::Saas::Stripe& stripe);

// 409 provider_not_configured unless [saas.stripe] has a secret key.
void require_stripe(const Context& ctx);

// Sets or clears cancel_at_period_end on the Stripe subscription (idempotency key from the run).
void stripe_set_cancel_at_period_end(Context& ctx, const SubscriptionRow& sub, bool cancel);

// What a Stripe subscription object says, in the pre-2025-03-31 shape (current_period_end on the
// subscription, Invoice.subscription) or the current one (on the items; invoice.parent...).
struct StripeSubscriptionState {
  std::string id, status;
  std::optional<std::string> customer, price, org_id;  // price: items.data[0].price.id
  std::optional<std::string> trial_end, current_period_start, current_period_end, canceled_at;  // ISO 8601
  bool cancel_at_period_end = false;
};
StripeSubscriptionState read_subscription(const boost::json::object& subscription);
// The subscription id an invoice belongs to, in either shape; empty when none.
std::string invoice_subscription(const boost::json::object& invoice);
// Reading Stripe's objects: a string or an object member, or nothing.
std::optional<std::string> string_at(const boost::json::object& o, std::string_view key);
const boost::json::object* object_at(const boost::json::object& o, std::string_view key);
// Unix seconds -> ISO 8601.
std::string iso_from_unix(std::int64_t seconds);

}  // namespace bb::saas
