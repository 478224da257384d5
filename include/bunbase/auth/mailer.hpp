// Email the app sends (verification links, password resets, invitations). Mail goes to the
// `mail_outbox` table through `db` (pass the transaction's handle to send with the rest of a
// change), where the dashboard shows it; with [auth.smtp] configured a background thread
// delivers it from there. In development the text is also logged so links can be followed.
//
//   bb::auth::send_mail(ctx, tx, {.to = email, .subject = "Verify your email", .text = link, .kind = "verify_email"});
#pragma once

#include <string>

#include "bunbase/core/context.hpp"
#include "bunbase/db/database.hpp"

namespace bb::auth {

struct Mail {
  std::string to, subject, text;
  std::string kind;  // verify_email, reset_password, invitation, ...
};

void send_mail(Context& ctx, db::Database& db, const Mail& mail);

}  // namespace bb::auth
