#include "bunbase/auth/rate_limiter.hpp"

#include <algorithm>

namespace bb::auth {

RateLimiter::Decision RateLimiter::hit(std::string_view key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (now >= next_sweep_) sweep(now);
  auto it = windows_.find(std::string(key));
  if (it == windows_.end()) it = windows_.emplace(std::string(key), Window{now, 0}).first;
  Window& w = it->second;
  if (now - w.start >= window_) w = Window{now, 0};
  const bool allowed = w.count < limit_;
  if (allowed) ++w.count;
  auto left = std::chrono::ceil<std::chrono::seconds>(w.start + window_ - now);
  return {allowed, limit_, limit_ - w.count, std::max(left, std::chrono::seconds(1))};
}

void RateLimiter::sweep(Clock::time_point now) {
  std::erase_if(windows_, [&](const auto& kv) { return now - kv.second.start >= window_; });
  next_sweep_ = now + window_;
}

}  // namespace bb::auth
