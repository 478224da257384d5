#include "bunbase/auth/password.hpp"

#include <sodium.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace bb::auth {

namespace {

void init_sodium() {
  static const int ok = sodium_init();
  if (ok < 0) throw std::runtime_error("libsodium could not be initialised");
}

unsigned long long opslimit(const PasswordParams& p) { return static_cast<unsigned long long>(p.iterations); }
std::size_t memlimit(const PasswordParams& p) { return static_cast<std::size_t>(p.memory_kib) * 1024; }

// libsodium reads the stored string as a NUL-terminated char[crypto_pwhash_STRBYTES].
bool to_buffer(std::string_view phc, char (&out)[crypto_pwhash_STRBYTES]) {
  if (phc.size() >= crypto_pwhash_STRBYTES) return false;
  std::memset(out, 0, sizeof out);
  std::memcpy(out, phc.data(), phc.size());
  return true;
}

}  // namespace

std::string hash_password(std::string_view password, const PasswordParams& params) {
  init_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), opslimit(params), memlimit(params),
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("password hashing failed (out of memory?)");
  return out;
}

bool verify_password(std::string_view password, std::string_view phc) {
  init_sodium();
  if (!phc.starts_with("$argon2id$") && !phc.starts_with("$argon2i$")) return false;
  char stored[crypto_pwhash_STRBYTES];
  if (!to_buffer(phc, stored)) return false;
  return crypto_pwhash_str_verify(stored, password.data(), password.size()) == 0;
}

bool needs_rehash(std::string_view phc, const PasswordParams& params) {
  init_sodium();
  if (!phc.starts_with("$argon2id$")) return true;  // libsodium compares only m and t
  char stored[crypto_pwhash_STRBYTES];
  if (!to_buffer(phc, stored)) return true;
  // 1: made with other parameters. Stronger stored parameters also report 1 there; only rehash
  // when the stored ones are weaker, so raising them on one instance does not flap.
  if (crypto_pwhash_str_needs_rehash(stored, opslimit(params), memlimit(params)) == 0) return false;
  unsigned m = 0, t = 0, p = 0;
  if (std::sscanf(stored, "$argon2id$v=19$m=%u,t=%u,p=%u$", &m, &t, &p) != 3) return true;
  return m < static_cast<unsigned>(params.memory_kib) || t < static_cast<unsigned>(params.iterations);
}

}  // namespace bb::auth
