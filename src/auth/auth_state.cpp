#include "src/auth/auth_state.hpp"

#include <algorithm>

#include "bunbase/auth/tokens.hpp"
#include "bunbase/core/error.hpp"

namespace bb::auth {

AuthState::AuthState(const Config& config)
    : params_{.memory_kib = config.auth.password_memory_kib, .iterations = config.auth.password_iterations},
      by_ip_(config.auth.sign_in_limit, config.auth.sign_in_window, "auth.attempts:ip"),
      by_email_(config.auth.sign_in_limit, config.auth.sign_in_window, "auth.attempts:email") {}

const std::string& AuthState::dummy_hash() {
  std::call_once(dummy_once_, [this] { dummy_ = hash_password(random_token(""), params_); });
  return dummy_;
}

void AuthState::limit_attempt(Context& ctx, std::string_view email) {
  if (ctx.auth.is_system()) return;
  std::string key(email);
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto ip = by_ip_.hit(ctx.request ? ctx.request->ip() : "local", &ctx.db);
  auto mail = by_email_.hit(key, &ctx.db);
  if (ip.allowed && mail.allowed) return;
  auto wait = std::max(ip.allowed ? std::chrono::seconds(0) : ip.reset, mail.allowed ? std::chrono::seconds(0) : mail.reset);
  throw Error(ErrorCode::rate_limited, "too many attempts, retry in " + std::to_string(wait.count()) + " s",
              boost::json::object{{"retry_after", wait.count()}})
      .with_code("rate_limited");
}

}  // namespace bb::auth
