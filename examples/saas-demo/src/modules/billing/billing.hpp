// The billing module's types and actions: the seed's invoices, gated by the organization's plan.
#pragma once

#include <bunbase/bunbase.hpp>

namespace demo {

using Customer = bb::String<bb::MinLength<1>, bb::MaxLength<200>>;
using Cents = bb::Int<bb::Minimum<1>, bb::Maximum<100000000>>;

struct Invoice {
  std::string id;
  std::string customer;
  std::int64_t amountCents = 0;
  std::string status;  // draft | sent | paid
  std::string created_at;
  std::optional<std::string> sent_at, paid_at;
};
BOOST_DESCRIBE_STRUCT(Invoice, (), (id, customer, amountCents, status, created_at, sent_at, paid_at))

struct CreateInvoiceInput {
  Customer customer;
  Cents amountCents;
};
BOOST_DESCRIBE_STRUCT(CreateInvoiceInput, (), (customer, amountCents))

struct InvoiceId {
  bb::String<bb::MinLength<1>, bb::MaxLength<100>> invoiceId;
};
BOOST_DESCRIBE_STRUCT(InvoiceId, (), (invoiceId))

struct InvoiceList {
  std::vector<Invoice> items;
};
BOOST_DESCRIBE_STRUCT(InvoiceList, (), (items))

bb::Action create_invoice();
bb::Action send_invoice();
bb::Action process_payment();
bb::Action list_invoices();

// The seed's custom guard: an organization with more members than its plan's seats (say, after a
// downgrade) cannot bill until it makes room.
bb::Guard seats_within_plan();

// The invoice in the caller's organization, or 404 (another organization's looks the same).
Invoice require_invoice(bb::Context& ctx, std::string_view id);

}  // namespace demo
