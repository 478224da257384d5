// Stripe calls and object reading for the subscriptions module (see stripe_billing.hpp).
#include "src/saas/stripe_billing.hpp"

#include "bunbase/core/error.hpp"
#include "bunbase/core/time.hpp"
#include "src/saas/org_access.hpp"

namespace bb::saas {

std::optional<std::string> string_at(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().as_string());
}

const boost::json::object* object_at(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_object() ? &it->value().as_object() : nullptr;
}

namespace {

std::optional<std::string> time_at(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_number()) return std::nullopt;
  return iso_from_unix(it->value().to_number<std::int64_t>());
}

// An id field that may be expanded into its object ("customer": "cus_1" or {"id": "cus_1", ...}).
std::optional<std::string> id_at(const boost::json::object& o, std::string_view key) {
  if (auto s = string_at(o, key)) return s;
  if (const auto* inner = object_at(o, key)) return string_at(*inner, "id");
  return std::nullopt;
}

const boost::json::object* first_item(const boost::json::object& subscription) {
  const auto* items = object_at(subscription, "items");
  if (!items) return nullptr;
  auto it = items->find("data");
  if (it == items->end() || !it->value().is_array() || it->value().as_array().empty()) return nullptr;
  const auto& first = it->value().as_array().front();
  return first.is_object() ? &first.as_object() : nullptr;
}

}  // namespace

std::string iso_from_unix(std::int64_t seconds) {
  return iso_time(std::chrono::system_clock::time_point(std::chrono::seconds(seconds)));
}

StripeSettings stripe_settings(const Config::Saas::Stripe& stripe) {
  return {.secret_key = stripe.secret_key,
          .api_base = stripe.api_base,
          .api_version = stripe.api_version,
          .timeout = std::chrono::milliseconds(stripe.timeout_ms),
          .max_retries = stripe.max_retries};
}

void require_stripe(const Context& ctx) {
  if (!config_of(ctx).saas.stripe_enabled())
    throw Error(ErrorCode::conflict, "no payment provider is configured ([saas.stripe] secret_key)")
        .with_code("provider_not_configured");
}

void stripe_set_cancel_at_period_end(Context& ctx, const SubscriptionRow& sub, bool cancel) {
  require_stripe(ctx);
  if (!sub.provider_subscription_id)
    throw Error(ErrorCode::conflict, "the subscription has no Stripe id yet").with_code("provider_pending");
  StripeClient client(stripe_settings(config_of(ctx).saas.stripe));
  client.post("subscriptions/" + *sub.provider_subscription_id,
              {{"cancel_at_period_end", cancel ? "true" : "false"}},
              std::string(cancel ? "bb-cancel-" : "bb-resume-") + std::string(ctx.run_id));
}

StripeSubscriptionState read_subscription(const boost::json::object& s) {
  StripeSubscriptionState out;
  out.id = string_at(s, "id").value_or("");
  out.status = string_at(s, "status").value_or("");
  out.customer = id_at(s, "customer");
  if (const auto* metadata = object_at(s, "metadata")) out.org_id = string_at(*metadata, "org_id");
  out.trial_end = time_at(s, "trial_end");
  out.canceled_at = time_at(s, "canceled_at");
  if (auto it = s.find("cancel_at_period_end"); it != s.end() && it->value().is_bool())
    out.cancel_at_period_end = it->value().as_bool();
  // Before 2025-03-31 the period is on the subscription; since then on each item.
  out.current_period_start = time_at(s, "current_period_start");
  out.current_period_end = time_at(s, "current_period_end");
  if (const auto* item = first_item(s)) {
    if (const auto* price = object_at(*item, "price")) out.price = string_at(*price, "id");
    if (!out.current_period_end) out.current_period_end = time_at(*item, "current_period_end");
    if (!out.current_period_start) out.current_period_start = time_at(*item, "current_period_start");
  }
  return out;
}

std::string invoice_subscription(const boost::json::object& invoice) {
  if (auto id = id_at(invoice, "subscription")) return *id;  // before 2025-03-31
  if (const auto* parent = object_at(invoice, "parent"))
    if (const auto* details = object_at(*parent, "subscription_details"))
      if (auto id = id_at(*details, "subscription")) return *id;
  return {};
}

}  // namespace bb::saas
