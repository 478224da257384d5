// A fixed-window rate limiter in memory: at most `limit` hits per key per window. Thread-safe.
// Used by bb::guards::rate_limit and by sign-in (per IP and per email).
//
//   bb::auth::RateLimiter limiter(10, std::chrono::minutes(15));
//   if (auto d = limiter.hit("ip:" + ip); !d.allowed) throw ... d.retry_after ...
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace bb::auth {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  struct Decision {
    bool allowed;
    int limit;
    int remaining;
    std::chrono::seconds reset;  // until the window ends (at least 1 s)
  };

  RateLimiter(int limit, std::chrono::seconds window) : limit_(limit), window_(window) {}

  Decision hit(std::string_view key, Clock::time_point now = Clock::now());

 private:
  struct Window {
    Clock::time_point start;
    int count = 0;
  };
  void sweep(Clock::time_point now);  // under mutex_: drops ended windows

  int limit_;
  std::chrono::seconds window_;
  std::mutex mutex_;
  std::unordered_map<std::string, Window> windows_;
  Clock::time_point next_sweep_{};
};

}  // namespace bb::auth
