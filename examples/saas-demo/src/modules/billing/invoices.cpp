// Reading invoices, and the seats guard the billing actions share.
#include <bunbase/guards.hpp>

#include "billing.hpp"
#include "../../tables.hpp"

namespace demo {

namespace {

// The invoices table as `saas-demo gen db-types` wrote it (src/tables.hpp), shown as the API's Invoice.
Invoice view(const tables::InvoicesRow& row) {
  return {.id = row.id,
          .customer = row.customer,
          .amountCents = row.amount_cents,
          .status = row.status,
          .created_at = row.created_at,
          .sent_at = row.sent_at,
          .paid_at = row.paid_at};
}

constexpr std::string_view kColumns =
    "id, org_id, customer, amount_cents, status, created_by, created_at, sent_at, paid_at";

}  // namespace

Invoice require_invoice(bb::Context& ctx, std::string_view id) {
  auto row = ctx.db.query_one_as<tables::InvoicesRow>(
      "SELECT " + std::string(kColumns) + " FROM invoices WHERE id = $1 AND org_id = $2", {id, ctx.org->id});
  if (!row) throw bb::Error(bb::ErrorCode::not_found, "invoice not found").with_code("invoice_not_found");
  return view(*row);
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
        InvoiceList out;
        for (const auto& row : ctx.db.query_as<tables::InvoicesRow>(
                 "SELECT " + std::string(kColumns) + " FROM invoices WHERE org_id = $1 ORDER BY created_at DESC, id",
                 {ctx.org->id}))
          out.items.push_back(view(row));
        return out;
      });
}

}  // namespace demo
