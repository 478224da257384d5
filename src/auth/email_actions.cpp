// Email verification and password reset: single-use, expiring tokens sent by email.
#include <bunbase/guards.hpp>

#include "bunbase/auth/identity.hpp"
#include "bunbase/auth/mailer.hpp"
#include "bunbase/auth/password.hpp"
#include "bunbase/auth/tokens.hpp"
#include "src/auth/auth_types.hpp"
#include "src/auth/email_tokens.hpp"

namespace bb::auth {

namespace {

Action request_email_verification() {
  return action<Empty, Accepted>(
      {.name = "requestEmailVerification",
       .description = "Sends the signed-in user a link that verifies their email",
       .triggers = {triggers::api("POST", "/verify-email/request", {.status = 202})},
       .guards = {guards::authenticated(), guards::rate_limit({.limit = 5, .window = std::chrono::minutes(15),
                                                               .key = guards::RateKey::user})},
       .scope = "account:manage"},
      [](const Empty&, Context& ctx) {
        UserView user = load_user(ctx, ctx.auth.user_id);
        if (user.email_verified) return Accepted{};
        ctx.db.transaction([&](db::Database& tx) { send_verification(ctx, tx, user.id, user.email); });
        return Accepted{};
      });
}

Action verify_email() {
  return action<TokenInput, UserView>(
      {.name = "verifyEmail",
       .description = "Verifies an email with the token from the link",
       .triggers = {triggers::api("POST", "/verify-email")},
       .guards = {guards::rate_limit({.limit = 20, .window = std::chrono::minutes(15)})},
       .redact = {"token"}},
      [](const TokenInput& in, Context& ctx) {
        std::string user_id;
        ctx.db.transaction([&](db::Database& tx) {
          user_id = redeem_token(tx, in.token, "verify_email");
          tx.exec("UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL", {iso_now(), user_id});
        });
        return load_user(ctx, user_id);
      });
}

Action request_password_reset(SharedAuthState state) {
  return action<EmailInput, Accepted>(
      {.name = "requestPasswordReset",
       .description = "Emails a password reset link; answers the same whether or not the account exists",
       .triggers = {triggers::api("POST", "/password-reset/request", {.status = 202})}},
      [state](const EmailInput& in, Context& ctx) {
        state->mail_limits().check(ctx, in.email);  // never the sign-in budget
        auto row = ctx.db.query_one("SELECT id, email FROM users WHERE email = $1", {in.email});
        if (!row) return Accepted{};
        ctx.db.transaction([&](db::Database& tx) {
          std::string token = issue_token(tx, std::string(row->at("id").as_string()), row->at("email").as_string(),
                                          "reset_password", cfg(ctx).auth.reset_expiry);
          send_mail(ctx, tx, {.to = std::string(row->at("email").as_string()),
                          .subject = "Reset your password",
                          .text = "Open this link to choose a new password: " + link(ctx, "/reset-password", token),
                          .kind = "reset_password"});
        });
        return Accepted{};
      });
}

Action reset_password(SharedAuthState state) {
  return action<ResetPasswordInput, Accepted>(
      {.name = "resetPassword",
       .description = "Sets a new password with the token from the reset link; every session is revoked",
       .triggers = {triggers::api("POST", "/password-reset")},
       .guards = {guards::rate_limit({.limit = 20, .window = std::chrono::minutes(15)})},
       .redact = {"token", "password"}},
      [state](const ResetPasswordInput& in, Context& ctx) {
        std::string hash = state->hash(in.password);
        ctx.db.transaction([&](db::Database& tx) {
          std::string user_id = redeem_token(tx, in.token, "reset_password");
          tx.exec("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3", {hash, iso_now(), user_id});
          tx.exec("DELETE FROM sessions WHERE user_id = $1", {user_id});
          // Other reset links sent before this one die with it.
          tx.exec("UPDATE auth_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = 'reset_password' AND used_at IS NULL",
                  {iso_now(), user_id});
        });
        return Accepted{};
      });
}

}  // namespace

std::vector<Action> email_actions(const SharedAuthState& state) {
  return {request_email_verification(), verify_email(), request_password_reset(state), reset_password(state)};
}

}  // namespace bb::auth
