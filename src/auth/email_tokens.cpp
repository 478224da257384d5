#include "src/auth/email_tokens.hpp"

#include "bunbase/auth/mailer.hpp"
#include "bunbase/auth/tokens.hpp"
#include "bunbase/core/error.hpp"
#include "bunbase/core/id.hpp"
#include "bunbase/core/time.hpp"

namespace bb::auth {

namespace {
constexpr std::string_view kTokenPrefix = "bbt_";
}  // namespace

std::string issue_token(db::Database& db, const std::string& user_id, std::string_view email, std::string_view purpose,
                        std::chrono::seconds ttl) {
  std::string token = random_token(kTokenPrefix);
  db.exec(
      "INSERT INTO auth_tokens (id, user_id, purpose, email, token_hash, expires_at, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {new_id(), user_id, purpose, email, token_hash(token), iso_in(ttl), iso_now()});
  return token;
}

std::string redeem_token(db::Database& db, std::string_view token, std::string_view purpose) {
  const std::string hash = token_hash(token), now = iso_now();
  auto row = db.query_one(
      "SELECT t.id, t.user_id FROM auth_tokens t JOIN users u ON u.id = t.user_id "
      "WHERE t.token_hash = $1 AND t.purpose = $2 AND t.email = u.email",
      {hash, purpose});
  if (!row || db.exec("UPDATE auth_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1",
                      {now, row->at("id")}) != 1)
    throw Error(ErrorCode::invalid_argument, "this link is invalid, used or expired").with_code("invalid_token");
  return std::string(row->at("user_id").as_string());
}

std::string link(const Context& ctx, std::string_view path, std::string_view token) {
  std::string base = ctx.config ? ctx.config->auth.public_url : "http://localhost:3000";
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string out = base + std::string(path);
  if (!token.empty()) out += "?token=" + std::string(token);
  return out;
}

const Config& cfg(const Context& ctx) {
  static const Config defaults;
  return ctx.config ? *ctx.config : defaults;
}

void send_verification(Context& ctx, db::Database& db, const std::string& user_id, const std::string& email) {
  std::string token = issue_token(db, user_id, email, "verify_email", cfg(ctx).auth.verification_expiry);
  send_mail(ctx, db,
            {.to = email,
             .subject = "Verify your email",
             .text = "Open this link to verify your email: " + link(ctx, "/verify-email", token),
             .kind = "verify_email"});
}

void send_sign_up_attempt(Context& ctx, const std::string& email) {
  ctx.db.transaction([&](db::Database& tx) {
    auto row = tx.query_one("SELECT email FROM users WHERE email = $1", {email});
    if (!row) return;  // deleted meanwhile
    const std::string to(row->at("email").as_string());  // the address as the account holds it
    const std::string since = iso_time(std::chrono::system_clock::now() - cfg(ctx).auth.mail_window);
    if (tx.query_one("SELECT 1 AS sent FROM mail_outbox WHERE to_address = $1 AND kind = 'sign_up_attempt' AND created_at > $2",
                     {to, since}))
      return;
    send_mail(ctx, tx,
              {.to = to,
               .subject = "Someone tried to sign up with your email",
               .text = "Someone tried to create an account with this email address, which already has one. If it "
                       "was you, sign in with your password at " +
                       link(ctx, "/") +
                       ", or reset your password there if you have forgotten it. If it was not you, you can "
                       "ignore this message: your account has not changed.",
               .kind = "sign_up_attempt"});
  });
}

}  // namespace bb::auth
