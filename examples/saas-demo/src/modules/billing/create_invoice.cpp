#include <bunbase/guards.hpp>

#include "billing.hpp"

namespace demo {

bb::Action create_invoice() {
  return bb::action<CreateInvoiceInput, Invoice>(
      {.name = "createInvoice",
       .description = "Creates a draft invoice for a customer",
       .triggers = {bb::triggers::api("POST", "/invoices", {.status = 201})},
       .guards = {bb::guards::has_permission("invoices:create"), seats_within_plan()}},
      [](const CreateInvoiceInput& in, bb::Context& ctx) {
        const std::string id = bb::new_id();
        ctx.db.exec(
            "INSERT INTO invoices (id, org_id, customer, amount_cents, status, created_by, created_at) "
            "VALUES ($1, $2, $3, $4, 'draft', $5, $6)",
            {id, ctx.org->id, in.customer, in.amountCents, ctx.auth.user_id, bb::iso_now()});
        ctx.log.info("invoice created", {{"invoiceId", id}, {"amountCents", in.amountCents.value}});
        return require_invoice(ctx, id);
      });
}

}  // namespace demo
