// signUp, signIn, signOut, me, changePassword.
#include <bunbase/guards.hpp>

#include "bunbase/auth/identity.hpp"
#include "bunbase/auth/password.hpp"
#include "src/auth/auth_types.hpp"

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

Action sign_up(SharedAuthState state) {
  return action<SignUpInput, SessionOutput>(
      {.name = "signUp",
       .description = "Creates an account with an email and a password, and signs it in",
       .triggers = {triggers::api("POST", "/sign-up", {.status = 201})},
       .redact = {"password", "token"}},
      [state](const SignUpInput& in, Context& ctx) {
        check_same_origin(ctx);
        state->limit_attempt(ctx, in.email);
        std::string hash = hash_password(in.password, state->params());
        std::string id = new_id();
        try {
          ctx.db.exec("INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)",
                      {id, in.email, in.name, hash});
        } catch (const db::DbError& e) {
          if (e.kind() == db::DbError::Kind::unique_violation)
            throw Error(ErrorCode::conflict, "an account with this email already exists").with_code("email_taken");
          throw;
        }
        ctx.log.info("user signed up", {{"userId", id}});
        return new_session(ctx, id);
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
        state->limit_attempt(ctx, in.email);
        auto row = ctx.db.query_one("SELECT id, password_hash FROM users WHERE email = $1", {in.email});
        const bool has_hash = row && row->at("password_hash").is_string();
        // An unknown email costs one verification too: no telling accounts apart by timing.
        std::string stored = has_hash ? std::string(row->at("password_hash").as_string()) : state->dummy_hash();
        if (!verify_password(in.password, stored) || !has_hash) throw invalid_credentials();
        std::string id(row->at("id").as_string());
        if (needs_rehash(stored, state->params()))
          ctx.db.exec("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
                      {hash_password(in.password, state->params()), iso_now(), id});
        return new_session(ctx, id);
      });
}

Action sign_out() {
  return action<Empty, Empty>(
      {.name = "signOut",
       .description = "Ends the current session and clears its cookie",
       .triggers = {triggers::api("POST", "/sign-out", {.status = 204})},
       .guards = {guards::authenticated()}},
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
                                  .guards = {guards::authenticated()}},
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
       .redact = {"current_password", "new_password", "token"}},
      [state](const ChangePasswordInput& in, Context& ctx) {
        if (!ctx.auth.is_user()) throw Error(ErrorCode::invalid_argument, "the system principal has no password");
        state->limit_attempt(ctx, "user:" + ctx.auth.user_id);
        auto row = ctx.db.query_one("SELECT password_hash FROM users WHERE id = $1", {ctx.auth.user_id});
        if (!row || !row->at("password_hash").is_string() ||
            !verify_password(in.current_password, row->at("password_hash").as_string()))
          throw Error(ErrorCode::permission_denied, "the current password is wrong").with_code("wrong_password");
        std::string hash = hash_password(in.new_password, state->params());
        ChangePasswordOutput out;
        ctx.db.transaction([&](db::Database& tx) {
          tx.exec("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3", {hash, iso_now(), ctx.auth.user_id});
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
