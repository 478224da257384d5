// signUp, signIn, signOut, me, changePassword.
#include <bunbase/guards.hpp>

#include "bunbase/auth/identity.hpp"
#include "bunbase/auth/password.hpp"
#include "src/auth/auth_types.hpp"
#include "src/auth/email_tokens.hpp"

namespace bb::auth {

UserView load_user(Context& ctx, const std::string& user_id) {
  auto row = ctx.db.query_one("SELECT id, email, name, email_verified_at, created_at FROM users WHERE id = $1", {user_id});
  if (!row) throw Error(ErrorCode::unauthenticated, "the account no longer exists").with_code("unauthenticated");
  return {.id = std::string(row->at("id").as_string()),
          .email = std::string(row->at("email").as_string()),
          .name = std::string(row->at("name").as_string()),
          .email_verified = !row->at("email_verified_at").is_null(),
          .created_at = std::string(row->at("created_at").as_string())};
}

namespace {

Error invalid_credentials() {
  return Error(ErrorCode::unauthenticated, "invalid email or password").with_code("invalid_credentials");
}

SessionOutput new_session(Context& ctx, const std::string& user_id) {
  NewSession s = start_session(ctx, user_id);
  return {.user = load_user(ctx, user_id), .token = std::move(s.token), .expires_at = std::move(s.expires_at)};
}

// The same answer for a free and a taken email, in about the same time (a hash either way): a
// free one gets the account and a verification link, a taken one's owner a note that someone
// tried. Nobody is signed in: the new account signs in with signIn.
Action sign_up(SharedAuthState state) {
  return action<SignUpInput, SignUpOutput>(
      {.name = "signUp",
       .description = "Creates an account and mails a verification link; answers the same when the email is taken "
                      "(its owner is told by email). Sign in with signIn",
       .triggers = {triggers::api("POST", "/sign-up", {.status = 202})},
       .redact = {"password"}},
      [state](const SignUpInput& in, Context& ctx) {
        check_same_origin(ctx);
        state->mail_limits().check(ctx, in.email);
        std::string hash = state->hash(in.password);
        std::string id = new_id();
        try {
          ctx.db.transaction([&](db::Database& tx) {
            tx.exec("INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)",
                    {id, in.email, in.name, hash});
            send_verification(ctx, tx, id, in.email);
          });
          ctx.log.info("user signed up", {{"userId", id}});
        } catch (const db::DbError& e) {
          if (e.kind() != db::DbError::Kind::unique_violation) throw;
          send_sign_up_attempt(ctx, in.email);
        }
        return SignUpOutput{};
      });
}

Action sign_in(SharedAuthState state) {
  return action<SignInInput, SessionOutput>(
      {.name = "signIn",
       .description = "Signs in with an email and a password: sets the session cookie and returns the token",
       .triggers = {triggers::api("POST", "/sign-in")},
       .redact = {"password", "token"}},
      [state](const SignInInput& in, Context& ctx) {
        check_same_origin(ctx);
        auto attempt = state->sign_in_limits().begin(ctx, in.email);
        auto row = ctx.db.query_one("SELECT id, password_hash FROM users WHERE email = $1", {in.email});
        const bool has_hash = row && row->at("password_hash").is_string();
        const std::string stored = has_hash ? std::string(row->at("password_hash").as_string()) : std::string();
        // On a hash thread: the check (an unknown email costs one too: no telling accounts apart
        // by timing) and, when the stored hash is weaker than configured, its replacement.
        struct Verdict {
          bool right = false;
          std::optional<std::string> rehash;
        };
        Verdict v = state->hashes().run([&] {
          Verdict out;
          out.right = verify_password(in.password, has_hash ? stored : state->dummy_hash()) && has_hash;
          if (out.right && needs_rehash(stored, state->params())) out.rehash = hash_password(in.password, state->params());
          return out;
        });
        if (!v.right) {
          attempt.failed();
          throw invalid_credentials();
        }
        attempt.succeeded();
        std::string id(row->at("id").as_string());
        if (v.rehash)
          ctx.db.exec("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3", {*v.rehash, iso_now(), id});
        return new_session(ctx, id);
      });
}

Action sign_out() {
  return action<Empty, Empty>(
      {.name = "signOut",
       .description = "Ends the current session and clears its cookie",
       .triggers = {triggers::api("POST", "/sign-out", {.status = 204})},
       .guards = {guards::authenticated()},
       .scope = "account:manage"},
      [](const Empty&, Context& ctx) {
        if (ctx.auth.via == Auth::Via::session) ctx.db.exec("DELETE FROM sessions WHERE id = $1", {ctx.auth.session_id});
        clear_session_cookie(ctx);
        return Empty{};
      });
}

Action me() {
  return action<Empty, UserView>({.name = "me",
                                  .description = "The signed-in user",
                                  .triggers = {triggers::api("GET", "/me")},
                                  .guards = {guards::authenticated()},
                                  .scope = "account:read"},
                                 [](const Empty&, Context& ctx) {
                                   if (!ctx.auth.is_user())
                                     throw Error(ErrorCode::invalid_argument, "the system principal has no account");
                                   return load_user(ctx, ctx.auth.user_id);
                                 });
}

Action change_password(SharedAuthState state) {
  return action<ChangePasswordInput, ChangePasswordOutput>(
      {.name = "changePassword",
       .description = "Changes the password; every session of the user is revoked (the caller gets a new one)",
       .triggers = {triggers::api("POST", "/password")},
       .guards = {guards::authenticated()},
       .scope = "account:manage",
       .redact = {"current_password", "new_password", "token"}},
      [state](const ChangePasswordInput& in, Context& ctx) {
        if (!ctx.auth.is_user()) throw Error(ErrorCode::invalid_argument, "the system principal has no password");
        // Guesses at the current password count as failed sign-ins for the account, from
        // whatever address they come (the caller holds a session, maybe a stolen one).
        auto attempt = state->sign_in_limits().begin(ctx, "user:" + ctx.auth.user_id, true);
        auto row = ctx.db.query_one("SELECT password_hash FROM users WHERE id = $1", {ctx.auth.user_id});
        const bool has_hash = row && row->at("password_hash").is_string();
        const std::string stored = has_hash ? std::string(row->at("password_hash").as_string()) : std::string();
        std::optional<std::string> hash = state->hashes().run([&]() -> std::optional<std::string> {
          if (!has_hash || !verify_password(in.current_password, stored)) return std::nullopt;
          return hash_password(in.new_password, state->params());
        });
        if (!hash) {
          attempt.failed();
          throw Error(ErrorCode::permission_denied, "the current password is wrong").with_code("wrong_password");
        }
        attempt.succeeded();
        ChangePasswordOutput out;
        ctx.db.transaction([&](db::Database& tx) {
          tx.exec("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3", {*hash, iso_now(), ctx.auth.user_id});
          tx.exec("DELETE FROM sessions WHERE user_id = $1", {ctx.auth.user_id});
        });
        if (ctx.auth.via == Auth::Via::session) {
          NewSession s = start_session(ctx, ctx.auth.user_id);
          out.token = std::move(s.token);
          out.expires_at = std::move(s.expires_at);
        }
        ctx.log.info("password changed, sessions revoked", {{"userId", ctx.auth.user_id}});
        return out;
      });
}

}  // namespace

std::vector<Action> session_actions(const SharedAuthState& state) {
  return {sign_up(state), sign_in(state), sign_out(), me(), change_password(state)};
}

}  // namespace bb::auth
