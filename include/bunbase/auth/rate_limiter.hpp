// A fixed-window rate limiter: at most `limit` hits per key per window. Thread-safe.
// Used by bb::guards::rate_limit and by sign-in (per IP and per email).
//
// In memory by default. Given the database when it is PostgreSQL (several instances share
// it), the windows live in the `rate_limits` table instead, so the limit holds across the
// instances: one upsert per hit.
//
//   bb::auth::RateLimiter limiter(10, std::chrono::minutes(15), "sign_in:ip");
//   if (auto d = limiter.hit("ip:" + ip, &ctx.db); !d.allowed) throw ... d.reset ...
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace bb::db {
class Database;
}

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

  // `scope` keeps this limiter's keys apart from other limiters' in the shared table.
  RateLimiter(int limit, std::chrono::seconds window, std::string scope = "")
      : limit_(limit), window_(window), scope_(std::move(scope)) {}

  // `db`: the shared store when it is PostgreSQL; otherwise (or null) this process's memory.
  Decision hit(std::string_view key, db::Database* db = nullptr, Clock::time_point now = Clock::now());

 private:
  struct Window {
    Clock::time_point start;
    int count = 0;
  };
  Decision hit_in_memory(std::string_view key, Clock::time_point now);
  Decision hit_shared(std::string_view key, db::Database& db);
  void sweep(Clock::time_point now);  // under mutex_: drops ended windows

  int limit_;
  std::chrono::seconds window_;
  std::string scope_;
  std::mutex mutex_;
  std::unordered_map<std::string, Window> windows_;
  Clock::time_point next_sweep_{};
  Clock::time_point next_shared_sweep_{};  // under mutex_
};

}  // namespace bb::auth
