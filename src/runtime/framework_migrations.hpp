// The framework's own tables (run history, events, jobs, schedules, webhook deliveries),
// applied before the features' and the app's migrations. Written for SQLite; App turns them
// into PostgreSQL with db::framework_sql_for_postgres.
#pragma once

#include <string_view>
#include <vector>

#include "bunbase/db/migrations.hpp"

namespace bb {
std::vector<db::Migration> framework_migrations();
}
