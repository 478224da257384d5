// The demo's own guard, written as any app would write one: accounts other than your own are
// managed by the demo's admins (users.role = 'admin', the column its migration adds). The
// system principal (the CLI) passes.
#include "users.hpp"

namespace demo {

bool is_admin(bb::Context& ctx) {
  if (ctx.auth.is_system()) return true;
  auto row = ctx.db.query_one("SELECT role FROM users WHERE id = $1", {ctx.auth.user_id});
  return row && row->at("role") == "admin";
}

bb::Guard admin_only() {
  return bb::Guard("admin_only", [](bb::Context& ctx) {
    if (!is_admin(ctx)) throw bb::GuardError(403, "only admins manage users");
  });
}

}  // namespace demo
