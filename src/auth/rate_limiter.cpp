#include "bunbase/auth/rate_limiter.hpp"

#include <algorithm>
#include <atomic>

#include "bunbase/db/database.hpp"
#include "src/auth/counter_table.hpp"

namespace bb::auth {

namespace {

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::chrono::seconds whole_seconds(std::int64_t ms) {
  return std::max(std::chrono::ceil<std::chrono::seconds>(std::chrono::milliseconds(ms)), std::chrono::seconds(1));
}

}  // namespace

void sweep_shared_rate_limits(db::Database& db, bool force) {
  static std::atomic<std::int64_t> next_sweep{0};
  const std::int64_t now = now_ms();
  std::int64_t due = next_sweep.load();
  if (!force && (now < due || !next_sweep.compare_exchange_strong(due, now + 60'000))) return;
  db.exec("DELETE FROM rate_limits WHERE expires_ms <= $1", {now});
}

RateLimiter::RateLimiter(int limit, std::chrono::seconds window, std::string scope, std::size_t slots)
    : limit_(limit), window_(window), scope_(std::move(scope)), table_(std::make_unique<CounterTable>(slots)) {}

RateLimiter::~RateLimiter() = default;

std::size_t RateLimiter::capacity() const { return table_->capacity(); }
std::size_t RateLimiter::memory_bytes() const { return sizeof(*this) + table_->bytes(); }

RateLimiter::Decision RateLimiter::hit(std::string_view key, db::Database* db, Clock::time_point now) {
  if (db && db->dialect() == "postgres") return hit_shared(key, *db);
  return hit_in_memory(key, now);
}

RateLimiter::Decision RateLimiter::hit_in_memory(std::string_view key, Clock::time_point now) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  auto a = table_->add(key, ms,
                       {.limit = limit_, .window_ms = std::chrono::milliseconds(window_).count(), .sliding = false});
  return {a.allowed, limit_, limit_ - a.count, whole_seconds(a.reset_ms)};
}

RateLimiter::Decision RateLimiter::hit_shared(std::string_view key, db::Database& db) {
  const std::int64_t now = now_ms(), window = std::chrono::milliseconds(window_).count();
  sweep_shared_rate_limits(db);
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
  return {hits <= limit_, limit_, static_cast<int>(std::max<std::int64_t>(0, limit_ - hits)), whole_seconds(expires - now)};
}

}  // namespace bb::auth
