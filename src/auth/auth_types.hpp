// The auth module's input and output types (they are its API: the schema, OpenAPI and SDK).
#pragma once

#include <bunbase/bunbase.hpp>

#include "src/auth/auth_state.hpp"

namespace bb::auth {

// Passwords and tokens are bb::Secret: never recorded (the run history keeps "[redacted]").
using Password = bb::Secret<String<MinLength<8>, MaxLength<256>>>;
using PersonName = String<MinLength<1>, MaxLength<200>>;
using Token = bb::Secret<String<MinLength<1>, MaxLength<200>>>;

struct UserView {
  std::string id, email, name;
  bool email_verified = false;
  std::string created_at;
};
BOOST_DESCRIBE_STRUCT(UserView, (), (id, email, name, email_verified, created_at))

struct SignUpInput {
  Email email;
  Password password;
  PersonName name;
};
BOOST_DESCRIBE_STRUCT(SignUpInput, (), (email, password, name))

// What sign-up answers, whether the email was free or taken (OWASP: no telling accounts apart).
enum class SignUpStatus { verification_sent };
BOOST_DESCRIBE_ENUM(SignUpStatus, verification_sent)
struct SignUpOutput {
  SignUpStatus status = SignUpStatus::verification_sent;
};
BOOST_DESCRIBE_STRUCT(SignUpOutput, (), (status))

struct SignInInput {
  Email email;
  bb::Secret<String<MinLength<1>, MaxLength<256>>> password;  // any length may have been set elsewhere
};
BOOST_DESCRIBE_STRUCT(SignInInput, (), (email, password))

// A new session: the token is shown once (it is also set as the bb_session cookie).
struct SessionOutput {
  UserView user;
  bb::Secret<> token;
  std::string expires_at;
};
BOOST_DESCRIBE_STRUCT(SessionOutput, (), (user, token, expires_at))

struct ChangePasswordInput {
  bb::Secret<String<MinLength<1>, MaxLength<256>>> current_password;
  Password new_password;
};
BOOST_DESCRIBE_STRUCT(ChangePasswordInput, (), (current_password, new_password))

// Every session was revoked; a session-authenticated caller gets a fresh one.
struct ChangePasswordOutput {
  std::optional<bb::Secret<>> token;
  std::optional<std::string> expires_at;
};
BOOST_DESCRIBE_STRUCT(ChangePasswordOutput, (), (token, expires_at))

using Scope = String<MinLength<1>, MaxLength<100>, Pattern<"^[A-Za-z0-9_.*-]+(:[A-Za-z0-9_.*-]+)?$">>;

struct CreateApiKeyInput {
  String<MinLength<1>, MaxLength<100>> name;
  std::optional<Array<Scope, MaxItems<50>>> scopes;
  std::optional<Int<Minimum<1>, Maximum<3650>>> expires_in_days;
};
BOOST_DESCRIBE_STRUCT(CreateApiKeyInput, (), (name, scopes, expires_in_days))

struct ApiKeyView {
  std::string id, name, prefix;
  std::vector<std::string> scopes;
  std::optional<std::string> last_used_at, expires_at, revoked_at;
  std::string created_at;
};
BOOST_DESCRIBE_STRUCT(ApiKeyView, (), (id, name, prefix, scopes, last_used_at, expires_at, revoked_at, created_at))

struct CreatedApiKey {
  ApiKeyView api_key;
  bb::Secret<> key;  // shown once
};
BOOST_DESCRIBE_STRUCT(CreatedApiKey, (), (api_key, key))

struct ApiKeyList {
  std::vector<ApiKeyView> items;
};
BOOST_DESCRIBE_STRUCT(ApiKeyList, (), (items))

struct ApiKeyId {
  Uuid id;
};
BOOST_DESCRIBE_STRUCT(ApiKeyId, (), (id))

struct TokenInput {
  Token token;
};
BOOST_DESCRIBE_STRUCT(TokenInput, (), (token))

struct EmailInput {
  Email email;
};
BOOST_DESCRIBE_STRUCT(EmailInput, (), (email))

struct ResetPasswordInput {
  Token token;
  Password password;
};
BOOST_DESCRIBE_STRUCT(ResetPasswordInput, (), (token, password))

struct Accepted {
  bool accepted = true;
};
BOOST_DESCRIBE_STRUCT(Accepted, (), (accepted))

// Shared by the action files.
UserView load_user(Context& ctx, const std::string& user_id);
std::vector<Action> session_actions(const SharedAuthState& state);
std::vector<Action> api_key_actions();
std::vector<Action> email_actions(const SharedAuthState& state);

}  // namespace bb::auth
