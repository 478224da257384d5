// A fixed-window rate limiter: at most `limit` hits per key per window. Thread-safe.
// Used by bb::guards::rate_limit and by the auth module's mail requests (per client and per
// address and client).
//
// In memory by default, in a table of fixed size (`slots` keys at most; a new key evicts the
// one whose window ends first, so a flood of distinct keys costs no memory). Given the database
// when it is PostgreSQL (several instances share it), the windows live in the `rate_limits`
// table instead, so the limit holds across the instances: one upsert per hit; rows of ended
// windows are deleted at most once a minute.
//
//   bb::auth::RateLimiter limiter(10, std::chrono::minutes(15), "sign_in:ip");
//   if (auto d = limiter.hit("ip:" + ip, &ctx.db); !d.allowed) throw ... d.reset ...
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace bb::db {
class Database;
}

namespace bb::auth {

class CounterTable;

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  struct Decision {
    bool allowed;
    int limit;
    int remaining;
    std::chrono::seconds reset;  // until the window ends (at least 1 s)
  };
  static constexpr std::size_t kDefaultSlots = 1 << 15;  // 768 KiB

  // `scope` keeps this limiter's keys apart from other limiters' in the shared table.
  RateLimiter(int limit, std::chrono::seconds window, std::string scope = "", std::size_t slots = kDefaultSlots);
  ~RateLimiter();

  // `db`: the shared store when it is PostgreSQL; otherwise (or null) this process's memory.
  Decision hit(std::string_view key, db::Database* db = nullptr, Clock::time_point now = Clock::now());

  // The in-memory table: keys it can hold, and its bytes (both fixed at construction).
  std::size_t capacity() const;
  std::size_t memory_bytes() const;

 private:
  Decision hit_in_memory(std::string_view key, Clock::time_point now);
  Decision hit_shared(std::string_view key, db::Database& db);

  int limit_;
  std::chrono::seconds window_;
  std::string scope_;
  std::unique_ptr<CounterTable> table_;
};

// Deletes the rows of ended windows from the shared `rate_limits` table (PostgreSQL), at most
// once a minute per process whoever asks (`force`: now); every user of the table calls it
// before writing, so a row outlives its window by a minute at most.
void sweep_shared_rate_limits(db::Database& db, bool force = false);

}  // namespace bb::auth
