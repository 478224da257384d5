// Password hashing: argon2id in the PHC string format ($argon2id$v=19$m=..,t=..,p=..$salt$hash)
// through libsodium. Verification reads the parameters from the stored string, so hashes made
// elsewhere with other parameters (Bun.password, older settings) verify too.
//
//   std::string phc = bb::auth::hash_password("correct horse", {.memory_kib = 65536, .iterations = 2});
//   bool ok = bb::auth::verify_password("correct horse", phc);
//   if (ok && bb::auth::needs_rehash(phc, params)) store(bb::auth::hash_password(pw, params));
#pragma once

#include <string>
#include <string_view>

namespace bb::auth {

struct PasswordParams {
  int memory_kib = 65536;  // argon2id m (64 MiB, libsodium's INTERACTIVE)
  int iterations = 2;      // argon2id t
};

// Throws std::runtime_error when the hash cannot be made (out of memory).
std::string hash_password(std::string_view password, const PasswordParams& params);
// False for a wrong password and for anything that is not an argon2 PHC string.
bool verify_password(std::string_view password, std::string_view phc);
// True when `phc` is not argon2id or was made with less memory or fewer iterations than `params`.
bool needs_rehash(std::string_view phc, const PasswordParams& params);

}  // namespace bb::auth
