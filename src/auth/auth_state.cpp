#include "src/auth/auth_state.hpp"

#include <algorithm>

#include "bunbase/auth/tokens.hpp"

namespace bb::auth {

namespace {

// Callers waiting for a hash hold a request worker: at most half of the HTTP workers may.
HashPool::Options hash_pool_options(const Config& c) {
  const int threads = hash_worker_count(c);
  const int half = std::max(1, http_worker_count(c) / 2);
  const int queue = c.auth.hash_queue >= 0 ? c.auth.hash_queue : std::max(0, half - threads);
  return {.threads = threads, .capacity = std::min(threads + queue, half)};
}

}  // namespace

AuthState::AuthState(const Config& config)
    : params_{.memory_kib = config.auth.password_memory_kib, .iterations = config.auth.password_iterations},
      sign_in_({.per_email_client = config.auth.sign_in_limit,
                .per_client = config.auth.sign_in_client_limit,
                .per_email = config.auth.sign_in_email_limit,
                .window = config.auth.sign_in_window,
                .max_delay = config.auth.sign_in_max_delay}),
      mail_({.per_email_client = config.auth.mail_limit,
             .per_client = config.auth.mail_client_limit,
             .window = config.auth.mail_window}),
      hashes_(hash_pool_options(config)) {}

const std::string& AuthState::dummy_hash() {
  std::call_once(dummy_once_, [this] { dummy_ = hash_password(random_token(""), params_); });
  return dummy_;
}

std::string AuthState::hash(std::string_view password) {
  return hashes_.run([&] { return hash_password(password, params_); });
}

}  // namespace bb::auth
