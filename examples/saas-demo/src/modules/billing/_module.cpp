#include <bunbase/guards.hpp>

#include "billing.hpp"

// The seed's cascade: module guards (signed in, in an organization, whose plan includes billing),
// then each action's own (a permission, the seats guard).
BUNBASE_MODULE(billing) {
  return bb::module({.name = "billing",
                     .description = "Invoice and payment processing",
                     .api_prefix = "/billing",
                     .guards = {bb::guards::authenticated(), bb::guards::in_org(), bb::guards::has_feature("billing")},
                     .actions = {demo::create_invoice(), demo::send_invoice(), demo::process_payment(),
                                 demo::list_invoices()}});
}
