// Migrations: ordered SQL scripts, applied once and recorded with a SHA-256 checksum in
// bunbase_migrations. Editing a migration after it was applied is an error, never skipped.
//
//   std::vector<bb::db::Migration> ms = {{"app/001_init.sql", "CREATE TABLE ..."}};
//   auto applied = bb::db::migrate(db, ms);      // names applied now, in order
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "bunbase/db/database.hpp"

namespace bb::db {

struct Migration {
  std::string name;  // unique and ordered within its group: "bunbase/0001_runs.sql", "app/001_init.sql"
  std::string sql;
  // Empty: every database. "sqlite" or "postgres": only that one, so one name can have a
  // variant per dialect (an app's 001_init.sqlite.sql and 001_init.pg.sql are both
  // "app/001_init.sql"); the others are skipped as if absent.
  std::string dialect = {};
};

struct MigrationError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct MigrationStatus {
  std::vector<std::string> applied;  // already in the database, checksum verified
  std::vector<std::string> pending;  // not yet applied, in order
};

// Both take the migrations meant for `db.dialect()` and ignore the rest.
// Verifies the checksums of applied migrations and lists what is pending. Throws MigrationError.
MigrationStatus migration_status(Database& db, std::span<const Migration> migrations);
// Applies every pending migration, in one transaction with a savepoint per migration (a
// failure keeps the ones before it); instances starting together take turns (an advisory lock
// on PostgreSQL, the write lock on SQLite). Returns the names applied now.
std::vector<std::string> migrate(Database& db, std::span<const Migration> migrations);

std::string sha256_hex(std::string_view data);

// The framework's own migrations are written for SQLite; this is their PostgreSQL text. It
// knows the few SQLite forms they use (WITHOUT ROWID, AUTOINCREMENT keys, REAL, strftime
// defaults, COLLATE NOCASE) and throws MigrationError if one of those is left untranslated.
// Not meant for an app's SQL: an app writes portable SQL or .pg.sql variants.
std::string framework_sql_for_postgres(std::string_view sqlite_sql);

}  // namespace bb::db
