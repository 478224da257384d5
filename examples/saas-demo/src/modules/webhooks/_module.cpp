#include <bunbase/webhooks.hpp>

#include "../billing/billing.hpp"

namespace demo {

namespace {

// What the demo reads from a Stripe event.
struct StripeDelivery {
  std::string eventId;
  std::string type;
  std::optional<std::string> invoiceId;  // data.object.metadata.invoice_id, when the payment names one
};
BOOST_DESCRIBE_STRUCT(StripeDelivery, (), (eventId, type, invoiceId))

struct Handled {
  bool handled = false;
  std::optional<std::string> invoiceId;
};
BOOST_DESCRIBE_STRUCT(Handled, (), (handled, invoiceId))

boost::json::value delivery(const boost::json::value& body, const bb::Request&) {
  boost::json::object in{{"eventId", body.at("id")}, {"type", body.at("type")}};
  boost::system::error_code ec;
  if (const auto* invoice = body.find_pointer("/data/object/metadata/invoice_id", ec); invoice && invoice->is_string())
    in["invoiceId"] = *invoice;
  return in;
}

bb::Action stripe_payment_received() {
  return bb::action<StripeDelivery, Handled>(
      {.name = "stripePaymentReceived",
       .description = "Stripe's payment_intent.succeeded for an invoice (metadata.invoice_id) marks it paid",
       .triggers = {bb::triggers::webhook(
           "/stripe", {.verify = bb::webhooks::stripe(bb::webhooks::env_secrets("STRIPE_WEBHOOK_SECRET")),
                       .map = delivery,
                       .event_id = bb::webhooks::stripe_event_id})}},
      [](const StripeDelivery& in, bb::Context& ctx) {
        if (in.type != "payment_intent.succeeded" || !in.invoiceId) return Handled{};
        const bool paid = ctx.db.exec("UPDATE invoices SET status = 'paid', paid_at = $1 WHERE id = $2 AND status = 'sent'",
                                      {bb::iso_now(), *in.invoiceId}) == 1;
        ctx.log.info("Stripe payment", {{"eventId", in.eventId}, {"invoiceId", *in.invoiceId}, {"paid", paid}});
        return Handled{paid, in.invoiceId};
      });
}

}  // namespace

}  // namespace demo

// Deliveries from other services, verified by their signature (the secret in the environment).
BUNBASE_MODULE(webhooks) {
  return bb::module({.name = "webhooks",
                     .description = "Verified deliveries from Stripe",
                     .api_prefix = "/webhooks",
                     .actions = {demo::stripe_payment_received()}});
}
