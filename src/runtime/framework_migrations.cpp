#include "src/runtime/framework_migrations.hpp"

namespace bb {

namespace {

std::vector<db::Migration> sqlite_text() {
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
      {"bunbase/0002_events_jobs_schedules.sql", R"sql(
-- What started a run beyond its type: "POST /users", the event's name, "job <id> attempt 2".
ALTER TABLE action_runs ADD COLUMN trigger_detail TEXT;

-- Events as emitted (after the emitting run succeeded): the dashboard shows the recent ones.
CREATE TABLE events (
  id         TEXT PRIMARY KEY,               -- UUIDv7: time-ordered
  name       TEXT NOT NULL,
  payload    TEXT NOT NULL,                  -- JSON
  run_id     TEXT,                           -- the emitting run
  trace_id   TEXT,
  emitted_at TEXT NOT NULL
);
CREATE INDEX events_name ON events (name, id);

-- The durable job queue. status: pending (waiting for run_at, first time or retry), running
-- (leased until lease_until by worker_id), completed, dead (max attempts reached), cancelled.
CREATE TABLE jobs (
  id             TEXT PRIMARY KEY,
  queue          TEXT NOT NULL DEFAULT 'default',
  action         TEXT NOT NULL,
  input          TEXT NOT NULL,              -- JSON, validated when enqueued
  status         TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'running', 'completed', 'dead', 'cancelled')),
  priority       INTEGER NOT NULL DEFAULT 0,
  attempts       INTEGER NOT NULL DEFAULT 0,
  max_attempts   INTEGER NOT NULL DEFAULT 3,
  backoff_ms     INTEGER NOT NULL DEFAULT 1000,
  max_backoff_ms INTEGER NOT NULL DEFAULT 3600000,
  timeout_ms     INTEGER NOT NULL DEFAULT 0,
  unique_key     TEXT,
  run_at         TEXT NOT NULL,              -- ISO 8601 UTC: not before
  lease_until    TEXT,
  worker_id      TEXT,
  last_error     TEXT,                       -- JSON: the last failed attempt's error
  last_run_id    TEXT,
  trace_id       TEXT,
  parent_run_id  TEXT,
  user_id        TEXT,                       -- the principal of the enqueuing run (empty: system)
  org_id         TEXT,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  finished_at    TEXT
);
CREATE INDEX jobs_ready ON jobs (queue, status, run_at);
CREATE INDEX jobs_lease ON jobs (status, lease_until);
CREATE INDEX jobs_finished ON jobs (status, finished_at);
-- One pending or running job per unique key.
CREATE UNIQUE INDEX jobs_unique ON jobs (unique_key) WHERE unique_key IS NOT NULL AND status IN ('pending', 'running');

-- Cron triggers, synced from the code at start-up; a tick is claimed by moving next_run_at.
CREATE TABLE scheduled_jobs (
  id              TEXT PRIMARY KEY,          -- "<action> <expression> <timezone>"
  action          TEXT NOT NULL,
  cron_expression TEXT NOT NULL,
  timezone        TEXT NOT NULL,
  next_run_at     TEXT,
  last_run_at     TEXT,
  last_run_id     TEXT,
  last_status     TEXT,
  enabled         BOOLEAN NOT NULL DEFAULT TRUE,
  updated_at      TEXT NOT NULL
);
)sql"},
      {"bunbase/0003_webhooks_job_claims.sql", R"sql(
-- Claiming a job reads the first pending one in priority order: without this index SQLite
-- scanned and sorted every pending job per claim (bench/README.md, "Queue and events").
CREATE INDEX jobs_pending ON jobs (priority DESC, run_at, id) WHERE status = 'pending';

-- Webhook deliveries by id (triggers::webhook's event_id): a redelivery of one that was
-- processed is acknowledged without running the action again; a failed one is forgotten so
-- that the sender's retry runs it.
CREATE TABLE webhook_deliveries (
  endpoint    TEXT NOT NULL,             -- "POST /webhooks/stripe"
  event_id    TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('processing', 'done')),
  run_id      TEXT,
  job_id      TEXT,
  received_at TEXT NOT NULL,
  PRIMARY KEY (endpoint, event_id)
);
CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at);
)sql"},
  };
}

}  // namespace

std::vector<db::Migration> framework_migrations() {
  auto all = sqlite_text();
  // PostgreSQL only: the case-insensitive collation of users.email (SQLite's NOCASE).
  all.push_back({"bunbase/0004_postgres_collation.sql",
                 "CREATE COLLATION IF NOT EXISTS bunbase_nocase "
                 "(provider = icu, locale = 'und-u-ks-level2', deterministic = false);",
                 "postgres"});
  all.push_back({"bunbase/0005_event_deliveries.sql", R"sql(
-- Who emitted each event: its subscribers run as that user on whichever instance runs them.
ALTER TABLE events ADD COLUMN user_id TEXT;
ALTER TABLE events ADD COLUMN org_id TEXT;
CREATE INDEX events_emitted ON events (emitted_at);

-- Several instances on one PostgreSQL: the instance that runs each subscriber of an event,
-- the first to insert the row, so that each subscriber runs once across all of them.
CREATE TABLE event_deliveries (
  event_id   TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  action     TEXT NOT NULL,
  instance   TEXT NOT NULL,
  claimed_at TEXT NOT NULL,
  PRIMARY KEY (event_id, action)
);
)sql"});
  all.push_back({"bunbase/0006_rate_limits.sql", R"sql(
-- Rate-limit windows shared by the instances of an app on PostgreSQL (bb::auth::RateLimiter):
-- "<limiter>|<key>" -> the window's start and end (Unix ms) and the hits in it.
CREATE TABLE rate_limits (
  key             TEXT PRIMARY KEY,
  window_start_ms BIGINT NOT NULL,
  expires_ms      BIGINT NOT NULL,
  hits            INTEGER NOT NULL
);
CREATE INDEX rate_limits_expires ON rate_limits (expires_ms);
)sql"});
  all.push_back({"bunbase/0007_job_indexes.sql", R"sql(
-- A job changes status twice per attempt, and on PostgreSQL each change adds an entry to every
-- index whose predicate the new row version meets. Partial indexes keep that to the primary key
-- and one index per change: claims read jobs_pending, lease reclaims jobs_leased, pruning
-- jobs_done, the operator's list of dead jobs jobs_dead. (jobs_ready served the first claims.)
DROP INDEX jobs_ready;
DROP INDEX jobs_lease;
DROP INDEX jobs_finished;
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE status = 'running';
CREATE INDEX jobs_done ON jobs (finished_at) WHERE status IN ('completed', 'cancelled');
CREATE INDEX jobs_dead ON jobs (id) WHERE status = 'dead';
)sql"});
  all.push_back({"bunbase/0008_run_errors_index.sql", R"sql(
-- The dashboard's "failed runs" page: errors newest first without reading the successes (a
-- partial index costs a write only for the runs it holds).
CREATE INDEX action_runs_errors ON action_runs (id) WHERE status = 'error';
)sql"});
  all.push_back({"bunbase/0009_job_starts.sql", R"sql(
-- A claim counts the attempt of every job it takes, also those kept in a claim_batch buffer that
-- have not started. started_at marks the attempts whose handler did start (written with the
-- finished attempts, in the same batched UPDATE); a lease-expired job never marked started gets
-- its attempt back when it is claimed again, and refunds counts those times (at most
-- max_attempts, so a job that kills its worker before its mark is written still ends dead).
ALTER TABLE jobs ADD COLUMN started_at TEXT;
ALTER TABLE jobs ADD COLUMN refunds INTEGER NOT NULL DEFAULT 0;
)sql"});
  all.push_back({"bunbase/0010_action_metrics.sql", R"sql(
-- The run counters, once a minute (src/runtime/metrics_flush.cpp): per action, trigger and
-- status (success, or the error's kind) that ran in the minute, how many runs, their durations
-- added up, and how many fell in each latency bucket. Bucket bounds in seconds, as Prometheus's
-- le: 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, then the
-- rest (+Inf); `buckets` is a JSON array of 15 counts, not cumulative. Several instances (or a
-- restart) may write rows for one minute: readers add them up. Kept [metrics] retention.
CREATE TABLE action_metrics (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  minute          TEXT NOT NULL,             -- ISO 8601 UTC, the minute's start
  action_name     TEXT NOT NULL,
  trigger_type    TEXT NOT NULL,
  status          TEXT NOT NULL,
  count           INTEGER NOT NULL,
  duration_ms_sum REAL NOT NULL,
  buckets         TEXT NOT NULL              -- JSON array of counts per bucket
);
CREATE INDEX action_metrics_minute ON action_metrics (minute, action_name);
)sql"});
  return all;
}

}  // namespace bb
