#include "bunbase/auth/mailer.hpp"

#include "bunbase/core/id.hpp"
#include "bunbase/core/time.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/runtime/config.hpp"

namespace bb::auth {

void send_mail(Context& ctx, db::Database& db, const Mail& mail) {
  db.exec(
      "INSERT INTO mail_outbox (id, to_address, subject, body_text, kind, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
      {new_id(), mail.to, mail.subject, mail.text, mail.kind, iso_now()});
  if (ctx.config && ctx.config->development())
    ctx.log.info("email queued (development: printed here)",
                 {{"to", mail.to}, {"subject", mail.subject}, {"text", mail.text}});
}

}  // namespace bb::auth
