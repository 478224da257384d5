#include <bunbase/guards.hpp>

#include "billing.hpp"

namespace demo {

bb::Action send_invoice() {
  return bb::action<InvoiceId, Invoice>(
      {.name = "sendInvoice",
       .description = "Sends a draft invoice to its customer",
       .triggers = {bb::triggers::api("POST", "/invoices/:invoiceId/send")},
       .guards = {bb::guards::has_permission("invoices:send")}},
      [](const InvoiceId& in, bb::Context& ctx) {
        Invoice invoice = require_invoice(ctx, in.invoiceId);
        // The condition makes a concurrent second send a no-op rather than a second mail.
        if (ctx.db.exec("UPDATE invoices SET status = 'sent', sent_at = $1 WHERE id = $2 AND status = 'draft'",
                        {bb::iso_now(), invoice.id}) == 0)
          throw bb::Error(bb::ErrorCode::conflict, "only a draft invoice can be sent").with_code("invoice_not_draft");
        ctx.log.info("invoice sent", {{"invoiceId", invoice.id}, {"customer", invoice.customer}});
        return require_invoice(ctx, invoice.id);
      });
}

}  // namespace demo
