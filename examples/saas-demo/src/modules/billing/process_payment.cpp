#include <bunbase/guards.hpp>

#include "billing.hpp"

namespace demo {

bb::Action process_payment() {
  return bb::action<InvoiceId, Invoice>(
      {.name = "processPayment",
       .description = "Records the payment of a sent invoice",
       .triggers = {bb::triggers::api("POST", "/invoices/:invoiceId/payment")},
       .guards = {bb::guards::has_permission("payments:process")}},
      [](const InvoiceId& in, bb::Context& ctx) {
        Invoice invoice = require_invoice(ctx, in.invoiceId);
        if (ctx.db.exec("UPDATE invoices SET status = 'paid', paid_at = $1 WHERE id = $2 AND status = 'sent'",
                        {bb::iso_now(), invoice.id}) == 0)
          throw bb::Error(bb::ErrorCode::conflict, "only a sent invoice can be paid").with_code("invoice_not_sent");
        ctx.log.info("payment processed", {{"invoiceId", invoice.id}, {"amountCents", invoice.amountCents}});
        return require_invoice(ctx, invoice.id);
      });
}

}  // namespace demo
