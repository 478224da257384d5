#include "bunbase/auth/rate_limiter.hpp"

#include <algorithm>

#include "bunbase/db/database.hpp"

namespace bb::auth {

namespace {

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

RateLimiter::Decision RateLimiter::hit(std::string_view key, db::Database* db, Clock::time_point now) {
  if (db && db->dialect() == "postgres") return hit_shared(key, *db);
  return hit_in_memory(key, now);
}

RateLimiter::Decision RateLimiter::hit_in_memory(std::string_view key, Clock::time_point now) {
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

RateLimiter::Decision RateLimiter::hit_shared(std::string_view key, db::Database& db) {
  const std::int64_t now = now_ms(), window = std::chrono::milliseconds(window_).count();
  {
    // Ended windows of every limiter, at most once a minute per limiter.
    std::lock_guard lock(mutex_);
    if (Clock::now() >= next_shared_sweep_) {
      next_shared_sweep_ = Clock::now() + std::chrono::minutes(1);
      db.exec("DELETE FROM rate_limits WHERE expires_ms <= $1", {now});
    }
  }
  // One statement: a new window when there is none or it ended, else one more hit in it. Hits
  // beyond the limit are counted too (they still find the door shut until the window ends).
  auto row = db.query_one(
      "INSERT INTO rate_limits (key, window_start_ms, expires_ms, hits) VALUES ($1, $2, $3, 1) "
      "ON CONFLICT (key) DO UPDATE SET "
      "hits = CASE WHEN rate_limits.expires_ms <= $2 THEN 1 ELSE rate_limits.hits + 1 END, "
      "window_start_ms = CASE WHEN rate_limits.expires_ms <= $2 THEN $2 ELSE rate_limits.window_start_ms END, "
      "expires_ms = CASE WHEN rate_limits.expires_ms <= $2 THEN $3 ELSE rate_limits.expires_ms END "
      "RETURNING hits, expires_ms",
      {scope_ + "|" + std::string(key), now, now + window});
  const std::int64_t hits = row->at("hits").as_int64(), expires = row->at("expires_ms").as_int64();
  auto left = std::chrono::ceil<std::chrono::seconds>(std::chrono::milliseconds(expires - now));
  return {hits <= limit_, limit_, static_cast<int>(std::max<std::int64_t>(0, limit_ - hits)),
          std::max(left, std::chrono::seconds(1))};
}

void RateLimiter::sweep(Clock::time_point now) {
  std::erase_if(windows_, [&](const auto& kv) { return now - kv.second.start >= window_; });
  next_sweep_ = now + window_;
}

}  // namespace bb::auth
