// CounterTable's operations on the `rate_limits` table, for instances sharing one PostgreSQL:
// each a single statement, so concurrent instances count every event once and a rule refuses the
// same event wherever it lands. Times are Unix milliseconds (the instances' clocks). Rows of
// ended windows are deleted by sweep_shared_rate_limits().
//
//   auto a = shared_add(db, "auth.fail:pair|" + digest, now_ms, rule);
#pragma once

#include <cstdint>
#include <string>

#include "bunbase/db/database.hpp"
#include "src/auth/counter_table.hpp"

namespace bb::auth {

CounterTable::Admit shared_add(db::Database& db, const std::string& key, std::int64_t now_ms,
                               const CounterTable::Rule& rule);
int shared_take(db::Database& db, const std::string& key, std::int64_t now_ms);
void shared_subtract(db::Database& db, const std::string& key, int n);

}  // namespace bb::auth
