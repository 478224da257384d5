// What the auth module's actions share for the app's lifetime: password parameters, a dummy
// hash for unknown emails (so they cost the same time as wrong passwords) and the limiters.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "bunbase/auth/password.hpp"
#include "bunbase/auth/rate_limiter.hpp"
#include "bunbase/core/context.hpp"
#include "bunbase/runtime/config.hpp"

namespace bb::auth {

class AuthState {
 public:
  explicit AuthState(const Config& config);

  const PasswordParams& params() const { return params_; }
  // A hash of a random password with the current parameters, made once on first use.
  const std::string& dummy_hash();
  // 429 when the caller's IP or the email has made too many attempts in the window.
  void limit_attempt(Context& ctx, std::string_view email);

 private:
  PasswordParams params_;
  std::once_flag dummy_once_;
  std::string dummy_;
  RateLimiter by_ip_, by_email_;
};

using SharedAuthState = std::shared_ptr<AuthState>;

}  // namespace bb::auth
