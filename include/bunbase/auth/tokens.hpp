// Secrets handed to clients (session tokens, API keys, email links): 256 random bits from
// libsodium, base64url without padding, behind a short prefix that says what they are.
// Only their SHA-256 is stored; a stolen database yields no usable token.
//
//   std::string token = bb::auth::random_token("bbs_");
//   db.insert("sessions", {{"token_hash", bb::auth::token_hash(token)}, ...});
#pragma once

#include <string>
#include <string_view>

namespace bb::auth {

std::string random_token(std::string_view prefix);
// Lowercase hex SHA-256 of the token.
std::string token_hash(std::string_view token);
// Constant-time equality (for secrets compared outside an index lookup).
bool equal_secrets(std::string_view a, std::string_view b);

}  // namespace bb::auth
