// Reading invoices, and the seats guard the billing actions share.
#include <bunbase/guards.hpp>

#include "billing.hpp"

namespace demo {

namespace {
constexpr std::string_view kColumns = "id, customer, amount_cents AS \"amountCents\", status, created_at, sent_at, paid_at";
}

Invoice require_invoice(bb::Context& ctx, std::string_view id) {
  auto invoice = ctx.db.query_one_as<Invoice>(
      "SELECT " + std::string(kColumns) + " FROM invoices WHERE id = $1 AND org_id = $2", {id, ctx.org->id});
  if (!invoice) throw bb::Error(bb::ErrorCode::not_found, "invoice not found").with_code("invoice_not_found");
  return *invoice;
}

bb::Guard seats_within_plan() {
  // within_limit() asks for room for one more; members beyond the first must fit in the seats.
  return bb::guards::within_limit("seats", [](bb::Context& ctx) {
    auto row = ctx.db.query_one("SELECT COUNT(*) AS n FROM org_memberships WHERE org_id = $1", {ctx.org->id});
    return row->at("n").as_int64() - 1;
  });
}

bb::Action list_invoices() {
  return bb::action<bb::Empty, InvoiceList>(
      {.name = "listInvoices",
       .description = "The organization's invoices, newest first",
       .triggers = {bb::triggers::api("GET", "/invoices")},
       .guards = {bb::guards::has_permission("invoices:read")}},
      [](const bb::Empty&, bb::Context& ctx) {
        return InvoiceList{ctx.db.query_as<Invoice>("SELECT " + std::string(kColumns) +
                                                        " FROM invoices WHERE org_id = $1 ORDER BY created_at DESC, id",
                                                    {ctx.org->id})};
      });
}

}  // namespace demo
