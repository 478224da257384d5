#include "src/runtime/framework_migrations.hpp"

namespace bb {

std::vector<db::Migration> framework_migrations(std::string_view /*dialect*/) {
  return {
      {"bunbase/0001_action_runs.sql", R"sql(
CREATE TABLE action_runs (
  id            TEXT PRIMARY KEY,            -- UUIDv7: time-ordered
  action_name   TEXT NOT NULL,
  module_name   TEXT,
  trace_id      TEXT NOT NULL,
  parent_run_id TEXT,
  trigger_type  TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('success', 'error')),
  input         TEXT,                        -- JSON
  output        TEXT,                        -- JSON
  error         TEXT,                        -- JSON: code, kind, message, details, cause
  duration_ms   REAL NOT NULL,
  started_at    TEXT NOT NULL                -- ISO 8601 UTC
) WITHOUT ROWID;
-- The primary key is time-ordered (UUIDv7): newest-first pages are keyset scans on id.
CREATE INDEX action_runs_action ON action_runs (action_name, id);
CREATE INDEX action_runs_trace ON action_runs (trace_id);

CREATE TABLE action_logs (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id     TEXT,
  level      TEXT NOT NULL,
  message    TEXT NOT NULL,
  meta       TEXT,                           -- JSON
  created_at TEXT NOT NULL
);
CREATE INDEX action_logs_run ON action_logs (run_id, id);
)sql"},
  };
}

}  // namespace bb
