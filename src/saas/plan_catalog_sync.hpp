// Makes the database's plans and features match bunbase.toml's [[saas.features]] and
// [[saas.plans]], after every migrate: each listed one is created or updated and a listed plan's
// features are replaced by the file's; one the file no longer lists is kept, with a warning
// (organizations may be on it). A listed plan's archived_at is left as the operator set it.
//
//   .after_migrate = [config](db::Database& db, LogSink& log) { sync_catalog(db, config.saas, log);
//   }
#pragma once

#include <string>
#include <vector>

#include "bunbase/core/log.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/runtime/config.hpp"

namespace bb::saas {

// What a sync changed, by key.
struct CatalogSyncReport {
  std::vector<std::string> features_created, features_updated, plans_created, plans_updated;
  std::vector<std::string> features_unlisted, plans_unlisted;  // in the database only: kept
};

// One transaction; idempotent (a second run changes nothing and bumps no updated_at).
CatalogSyncReport sync_catalog(db::Database& db, const Config::Saas& saas, LogSink& log);

}  // namespace bb::saas
