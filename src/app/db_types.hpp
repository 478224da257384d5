// `<app> gen db-types`: one described C++ struct per table of the migrated database, so that
// `ctx.db.query_as<InvoicesRow>(...)` returns typed rows. SQLite's declared column types map to
// std::int64_t (INTEGER), double (REAL, NUMERIC, FLOAT), bool (BOOLEAN), std::string (TEXT, BLOB,
// anything else); PostgreSQL's (the tables of the current schema) to std::int64_t (smallint,
// integer, bigint), double (real, double precision, numeric), bool (boolean), std::string
// (anything else); a column that may be NULL becomes std::optional.
//
//   std::string header = bb::db_types_header(app.db(), {.ns = "tables"});
#pragma once

#include <string>

#include "bunbase/db/database.hpp"

namespace bb {

struct DbTypesOptions {
  std::string ns = "tables";  // the namespace of the structs
  bool framework_tables = false;  // also bunbase's own tables (action_runs, jobs, users, ...)
};

// The header's text. Throws db::DbError, or std::runtime_error for a dialect it cannot read.
std::string db_types_header(db::Database& db, const DbTypesOptions& options = {});

}  // namespace bb
