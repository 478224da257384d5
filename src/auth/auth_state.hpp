// What the auth module's actions share for the app's lifetime: password parameters, a dummy
// hash for unknown emails (so they cost the same time as wrong passwords), the limits on
// guessing and on mail (auth_limits.hpp) and the threads passwords are hashed on (hash_pool.hpp).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "bunbase/auth/password.hpp"
#include "bunbase/core/context.hpp"
#include "bunbase/runtime/config.hpp"
#include "src/auth/auth_limits.hpp"
#include "src/auth/hash_pool.hpp"

namespace bb::auth {

class AuthState {
 public:
  explicit AuthState(const Config& config);

  const PasswordParams& params() const { return params_; }
  // A hash of a random password with the current parameters, made once on first use (call it
  // on a hash thread).
  const std::string& dummy_hash();

  SignInLimits& sign_in_limits() { return sign_in_; }
  MailLimits& mail_limits() { return mail_; }
  HashPool& hashes() { return hashes_; }

  // A new hash of `password`, made on a hash thread (or 503 busy).
  std::string hash(std::string_view password);

 private:
  PasswordParams params_;
  std::once_flag dummy_once_;
  std::string dummy_;
  SignInLimits sign_in_;
  MailLimits mail_;
  HashPool hashes_;
};

using SharedAuthState = std::shared_ptr<AuthState>;

}  // namespace bb::auth
