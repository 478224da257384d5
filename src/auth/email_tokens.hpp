// The auth module's mail: single-use, expiring tokens sent by email (verification, password
// reset) and the messages that carry them. Shared by the sign-up and the email actions.
//
//   ctx.db.transaction([&](db::Database& tx) { send_verification(ctx, tx, user_id, email); });
//   std::string user_id = redeem_token(tx, in.token, "verify_email");   // or 400 invalid_token
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "bunbase/core/context.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/runtime/config.hpp"

namespace bb::auth {

// Stores a token for the user, bound to the address it is mailed to, and returns it (only its
// hash is kept).
std::string issue_token(db::Database& db, const std::string& user_id, std::string_view email, std::string_view purpose,
                        std::chrono::seconds ttl);

// Marks the token used and returns its user, or throws: unknown, used and expired tokens, and
// tokens mailed to an address the account no longer has, all get the same answer. The UPDATE's
// WHERE makes "use once" hold under concurrent requests.
std::string redeem_token(db::Database& db, std::string_view token, std::string_view purpose);

// [auth] public_url + path (+ "?token=" + token when there is one).
std::string link(const Context& ctx, std::string_view path, std::string_view token = {});

// The app's configuration, or the defaults when the run has none.
const Config& cfg(const Context& ctx);

// Mails the user a link that verifies `email` (kind verify_email), through `db` (a transaction).
void send_verification(Context& ctx, db::Database& db, const std::string& user_id, const std::string& email);

// Tells the owner of `email` that someone tried to sign up with it (kind sign_up_attempt): they
// can sign in, or reset their password. At most one such mail per address per [auth]
// mail_window, so that sign-ups cannot flood an inbox.
void send_sign_up_attempt(Context& ctx, const std::string& email);

}  // namespace bb::auth
