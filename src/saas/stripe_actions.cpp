// createCheckoutSession, createBillingPortalSession and stripeWebhook: Stripe as the payment
// provider. Checkout sells a plan's Stripe price; the webhook keeps `subscriptions` in step with
// Stripe's events, once per event id, skipping events older than the last one applied.
#include <boost/json/parse.hpp>

#include <bunbase/guards.hpp>
#include <bunbase/webhooks.hpp>

#include "src/saas/org_access.hpp"
#include "src/saas/org_guards.hpp"
#include "src/saas/stripe_billing.hpp"
#include "src/saas/subscriptions.hpp"
#include "src/saas/subscriptions_types.hpp"

namespace bb::saas {

namespace {

std::string user_email(db::Database& db, const std::string& user_id) {
  auto row = db.query_one("SELECT email FROM users WHERE id = $1", {user_id});
  return row ? std::string(row->at("email").as_string()) : std::string();
}

Action create_checkout_session() {
  return action<CheckoutInput, RedirectView>(
      {.name = "createCheckoutSession",
       .description = "A Stripe Checkout page that subscribes the organization to the plan (its stripe_price); the "
                      "webhook applies the result",
       .triggers = {triggers::api("POST", "/orgs/:orgId/subscription/checkout", {.status = 201})},
       .guards = {guards::in_org(), has_any_permission({"billing:manage"})}},
      [](const CheckoutInput& in, Context& ctx) {
        require_stripe(ctx);
        const std::string& org_id = acting_org(ctx, in.orgId);
        PlanRow plan = require_plan(ctx.db, in.plan);
        if (plan.archived_at || !plan.stripe_price)
          throw Error(ErrorCode::invalid_argument, "the plan \"" + plan.key + "\" cannot be bought (no stripe_price)")
              .with_code("plan_not_purchasable");
        auto sub = find_subscription(ctx.db, org_id);
        if (sub && sub->provider == "stripe" && usable(sub->status, sub->trial_ends_at, iso_now()))
          throw Error(ErrorCode::conflict, "the organization already pays through Stripe: use the billing portal")
              .with_code("use_billing_portal");
        FormFields form{{"mode", "subscription"},
                        {"line_items[0][price]", *plan.stripe_price},
                        {"line_items[0][quantity]", "1"},
                        {"success_url", in.success_url},
                        {"cancel_url", in.cancel_url},
                        {"client_reference_id", org_id},
                        {"metadata[org_id]", org_id},
                        {"metadata[plan]", plan.key},
                        {"subscription_data[metadata][org_id]", org_id},
                        {"subscription_data[metadata][plan]", plan.key}};
        if (sub && sub->provider_customer_id)
          form.emplace_back("customer", *sub->provider_customer_id);
        else if (ctx.auth.is_user())
          if (auto email = user_email(ctx.db, ctx.auth.user_id); !email.empty()) form.emplace_back("customer_email", email);
        StripeClient client(stripe_settings(config_of(ctx).saas.stripe));
        auto session = client.post("checkout/sessions", form, "bb-checkout-" + std::string(ctx.run_id));
        ctx.log.info("checkout session created", {{"orgId", org_id}, {"plan", plan.key}});
        return RedirectView{.id = string_at(session, "id").value_or(""), .url = string_at(session, "url").value_or("")};
      });
}

Action create_portal_session() {
  return action<PortalInput, RedirectView>(
      {.name = "createBillingPortalSession",
       .description = "A Stripe billing portal page where the organization changes plan, payment method or cancels",
       .triggers = {triggers::api("POST", "/orgs/:orgId/subscription/portal", {.status = 201})},
       .guards = {guards::in_org(), has_any_permission({"billing:manage"})}},
      [](const PortalInput& in, Context& ctx) {
        require_stripe(ctx);
        const std::string& org_id = acting_org(ctx, in.orgId);
        auto sub = find_subscription(ctx.db, org_id);
        if (!sub || !sub->provider_customer_id)
          throw Error(ErrorCode::conflict, "the organization is not a Stripe customer yet: use checkout first")
              .with_code("no_customer");
        StripeClient client(stripe_settings(config_of(ctx).saas.stripe));
        auto session = client.post("billing_portal/sessions",
                                   {{"customer", *sub->provider_customer_id}, {"return_url", in.return_url}},
                                   "bb-portal-" + std::string(ctx.run_id));
        return RedirectView{.id = string_at(session, "id").value_or(""), .url = string_at(session, "url").value_or("")};
      });
}

constexpr std::string_view kStatuses[] = {"trialing", "active",             "past_due", "canceled",
                                          "unpaid",   "incomplete", "incomplete_expired", "paused"};

// Stripe's status as stored; one we do not know grants nothing (refs/webhooks.md).
std::string known_status(const std::string& status, Context& ctx) {
  for (auto s : kStatuses)
    if (s == status) return status;
  ctx.log.warn("unknown Stripe subscription status: stored as unpaid", {{"status", status}});
  return "unpaid";
}

// The subscription a Stripe object is about: by its subscription id, the org id in its
// metadata, or its customer.
std::optional<SubscriptionRow> find_stripe_subscription(db::Database& tx, const std::string& subscription_id,
                                                        const std::optional<std::string>& org_id,
                                                        const std::optional<std::string>& customer) {
  if (!subscription_id.empty())
    if (auto row = tx.query_one("SELECT org_id FROM subscriptions WHERE provider_subscription_id = $1", {subscription_id}))
      return find_subscription(tx, row->at("org_id").as_string());
  if (org_id)
    if (auto sub = find_subscription(tx, *org_id)) return sub;
  if (customer)
    if (auto row = tx.query_one("SELECT org_id FROM subscriptions WHERE provider_customer_id = $1", {*customer}))
      return find_subscription(tx, row->at("org_id").as_string());
  return std::nullopt;
}

bool stale(db::Database& tx, const SubscriptionRow& sub, std::int64_t created) {
  auto row = tx.query_one("SELECT provider_event_at FROM subscriptions WHERE id = $1", {sub.id});
  const auto& at = row->at("provider_event_at");
  return at.is_int64() && created < at.as_int64();
}

std::optional<std::string> plan_for_price(db::Database& tx, const std::optional<std::string>& price) {
  if (!price) return std::nullopt;
  auto row = tx.query_one("SELECT key FROM plans WHERE stripe_price = $1", {*price});
  if (!row) return std::nullopt;
  return std::string(row->at("key").as_string());
}

bool apply_checkout(db::Database& tx, Context& ctx, const boost::json::object& session, std::int64_t created) {
  if (string_at(session, "mode").value_or("") != "subscription") return false;
  std::optional<std::string> org_id = string_at(session, "client_reference_id");
  const boost::json::object* metadata = object_at(session, "metadata");
  if (!org_id && metadata) org_id = string_at(*metadata, "org_id");
  if (!org_id || !tx.query_one("SELECT id FROM organizations WHERE id = $1", {*org_id})) return false;
  std::optional<std::string> plan = metadata ? string_at(*metadata, "plan") : std::nullopt;
  if (plan && !find_plan(tx, *plan)) plan.reset();
  const std::string payment = string_at(session, "payment_status").value_or("");
  auto sub = find_subscription(tx, *org_id);
  const std::string now = iso_now();
  if (!sub) {
    if (!plan) return false;
    tx.exec(
        "INSERT INTO subscriptions (id, org_id, plan_key, status, provider, created_at, updated_at) "
        "VALUES ($1, $2, $3, 'incomplete', 'stripe', $4, $4)",
        {new_id(), *org_id, *plan, now});
    sub = find_subscription(tx, *org_id);
    record_event(tx, ctx, *sub, "subscription.created");
  }
  boost::json::object changes{{"provider", "stripe"}, {"provider_event_at", created}};
  if (auto customer = string_at(session, "customer")) changes["provider_customer_id"] = *customer;
  if (auto id = string_at(session, "subscription")) changes["provider_subscription_id"] = *id;
  if (plan) changes["plan_key"] = *plan;
  changes["pending_plan_key"] = nullptr;
  if (payment == "paid" && !usable(sub->status, sub->trial_ends_at, now)) changes["status"] = "active";
  change(tx, ctx, *sub, std::move(changes), "subscription.updated");
  return true;
}

bool apply_subscription(db::Database& tx, Context& ctx, std::string_view type, const boost::json::object& object,
                        std::int64_t created) {
  StripeSubscriptionState st = read_subscription(object);
  auto sub = find_stripe_subscription(tx, st.id, st.org_id, st.customer);
  if (!sub) {
    ctx.log.warn("Stripe subscription for no known organization", {{"subscription", st.id}});
    return false;
  }
  if (stale(tx, *sub, created)) return false;
  const bool deleted = type == "customer.subscription.deleted";
  const std::string status = deleted ? "canceled" : known_status(st.status, ctx);
  boost::json::object changes{{"provider", "stripe"},
                              {"provider_subscription_id", st.id},
                              {"status", status},
                              {"trial_ends_at", st.trial_end ? boost::json::value(*st.trial_end) : nullptr},
                              {"cancel_at_period_end", st.cancel_at_period_end},
                              {"pending_plan_key", nullptr},
                              {"provider_event_at", created}};
  if (st.customer) changes["provider_customer_id"] = *st.customer;
  if (st.current_period_start) changes["current_period_start"] = *st.current_period_start;
  if (st.current_period_end) changes["current_period_end"] = *st.current_period_end;
  if (status == "canceled") changes["canceled_at"] = st.canceled_at.value_or(iso_now());
  if (auto plan = plan_for_price(tx, st.price))
    changes["plan_key"] = *plan;
  else if (st.price)
    ctx.log.warn("Stripe price matches no plan's stripe_price: plan kept", {{"price", *st.price}});
  change(tx, ctx, *sub, std::move(changes), status == "canceled" ? "subscription.canceled" : "subscription.updated");
  return true;
}

bool apply_invoice(db::Database& tx, Context& ctx, std::string_view type, const boost::json::object& invoice,
                   std::int64_t created) {
  const std::string subscription_id = invoice_subscription(invoice);
  auto sub = find_stripe_subscription(tx, subscription_id, std::nullopt, string_at(invoice, "customer"));
  if (!sub || sub->status == "canceled" || stale(tx, *sub, created)) return false;
  boost::json::object changes{{"provider", "stripe"},
                              {"status", type == "invoice.paid" ? "active" : "past_due"},
                              {"provider_event_at", created}};
  if (!subscription_id.empty()) changes["provider_subscription_id"] = subscription_id;
  change(tx, ctx, *sub, std::move(changes), "subscription.updated");
  return true;
}

// Verified by the webhook trigger (Stripe-Signature over the raw body: a bare 401 otherwise);
// deduplicated here, in the transaction that applies the event, by Stripe's event id.
Action stripe_webhook(const Config::Saas::Stripe& stripe) {
  return action<StripeEventInput, WebhookReceipt>(
      {.name = "stripeWebhook",
       .description = "Stripe's events (checkout.session.completed, customer.subscription.*, invoice.paid, "
                      "invoice.payment_failed), verified by their signature and applied once per event id",
       .triggers = {triggers::webhook("/stripe/webhook",
                                      {.verify = webhooks::stripe(stripe.webhook_secrets, stripe.tolerance)})}},
      [](const StripeEventInput& in, Context& ctx) {
        if (!ctx.request)
          throw Error(ErrorCode::invalid_argument, "Stripe events arrive over HTTP, signed").with_code("not_a_webhook");
        boost::json::value event = boost::json::parse(ctx.request->body());
        const auto& envelope = event.as_object();
        const boost::json::object* data = object_at(envelope, "data");
        const boost::json::object* object = data ? object_at(*data, "object") : nullptr;
        if (!object) throw Error(ErrorCode::invalid_argument, "the event has no data.object").with_code("invalid_event");
        std::int64_t created = 0;
        if (auto c = envelope.find("created"); c != envelope.end() && c->value().is_number())
          created = c->value().to_number<std::int64_t>();
        WebhookReceipt receipt;
        ctx.db.transaction([&](db::Database& tx) {
          if (tx.exec("INSERT INTO stripe_events (id, type, processed_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
                      {in.id, in.type, iso_now()}) == 0) {
            receipt.duplicate = true;
            return;
          }
          const std::string_view type = in.type;
          if (type == "checkout.session.completed")
            receipt.applied = apply_checkout(tx, ctx, *object, created);
          else if (type.starts_with("customer.subscription."))
            receipt.applied = type == "customer.subscription.created" || type == "customer.subscription.updated" ||
                                      type == "customer.subscription.deleted"
                                  ? apply_subscription(tx, ctx, type, *object, created)
                                  : false;
          else if (type == "invoice.paid" || type == "invoice.payment_failed")
            receipt.applied = apply_invoice(tx, ctx, type, *object, created);
        });
        ctx.log.info("Stripe event", {{"event", in.id}, {"type", in.type}, {"duplicate", receipt.duplicate},
                                      {"applied", receipt.applied}});
        return receipt;
      });
}

}  // namespace

std::vector<Action> stripe_actions(const Config& config) {
  return {create_checkout_session(), create_portal_session(), stripe_webhook(config.saas.stripe)};
}

}  // namespace bb::saas
