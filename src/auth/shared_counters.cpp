#include "src/auth/shared_counters.hpp"

#include <algorithm>

#include "bunbase/auth/rate_limiter.hpp"

namespace bb::auth {

CounterTable::Admit shared_add(db::Database& db, const std::string& key, std::int64_t now_ms,
                               const CounterTable::Rule& rule) {
  sweep_shared_rate_limits(db);
  const std::int64_t delay = rule.sliding ? rule.delay_ms : 0;
  // Admitted: a new window when there is none or it ended; one more event while under the
  // limit; past it, once the progressive delay since the last event has passed (the last event
  // is expires - window for a sliding window). The WHERE leaves a refused event uncounted, and
  // RETURNING says which it was.
  auto admitted = db.query_one(
      "INSERT INTO rate_limits AS r (key, window_start_ms, expires_ms, hits) VALUES ($1, $2::bigint, $2::bigint + $3::bigint, 1) "
      "ON CONFLICT (key) DO UPDATE SET "
      "hits = CASE WHEN r.expires_ms <= $2::bigint THEN 1 ELSE r.hits + 1 END, "
      "window_start_ms = CASE WHEN r.expires_ms <= $2::bigint THEN $2::bigint ELSE r.window_start_ms END, "
      "expires_ms = CASE WHEN r.expires_ms <= $2::bigint OR $4::boolean THEN $2::bigint + $3::bigint ELSE r.expires_ms END "
      "WHERE r.expires_ms <= $2::bigint OR r.hits < $5::int OR ($6::bigint > 0 AND "
      "r.expires_ms - $3::bigint + LEAST($7::bigint, $6::bigint << LEAST(GREATEST(r.hits - $5::int, 0), 40)) <= $2::bigint) "
      "RETURNING hits, expires_ms",
      {key, now_ms, rule.window_ms, rule.sliding, rule.limit, delay, rule.max_delay_ms});
  if (admitted) {
    const auto count = static_cast<int>(admitted->at("hits").as_int64());
    return {.allowed = true, .count = count, .wait_ms = 0, .reset_ms = admitted->at("expires_ms").as_int64() - now_ms};
  }
  auto row = db.query_one("SELECT hits, expires_ms FROM rate_limits WHERE key = $1", {key});
  if (!row) return {.allowed = false, .count = 0, .wait_ms = 1000, .reset_ms = 1000};  // deleted meanwhile
  const auto count = static_cast<int>(row->at("hits").as_int64());
  const std::int64_t expires = row->at("expires_ms").as_int64();
  std::int64_t wait = expires - now_ms;
  if (delay > 0 && count >= rule.limit) {
    const int shift = std::min(count - rule.limit, 40);
    wait = std::min(wait, expires - rule.window_ms + std::min(rule.max_delay_ms, delay << shift) - now_ms);
  }
  return {.allowed = false, .count = count, .wait_ms = std::max<std::int64_t>(wait, 1), .reset_ms = expires - now_ms};
}

int shared_take(db::Database& db, const std::string& key, std::int64_t now_ms) {
  auto row = db.query_one("DELETE FROM rate_limits WHERE key = $1 RETURNING hits, expires_ms", {key});
  if (!row || row->at("expires_ms").as_int64() <= now_ms) return 0;
  return static_cast<int>(row->at("hits").as_int64());
}

void shared_subtract(db::Database& db, const std::string& key, int n) {
  db.exec("UPDATE rate_limits SET hits = GREATEST(hits - $2::int, 0) WHERE key = $1", {key, n});
}

}  // namespace bb::auth
