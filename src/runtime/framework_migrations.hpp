// The framework's own tables (run history), applied before the app's migrations.
#pragma once

#include <string_view>
#include <vector>

#include "bunbase/db/migrations.hpp"

namespace bb {
std::vector<db::Migration> framework_migrations(std::string_view dialect);
}
