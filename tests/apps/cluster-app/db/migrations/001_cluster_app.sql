-- What cluster-app's actions did, one row per run and no UNIQUE anywhere: a run that happened
-- twice shows twice. `pid` is the instance's process; `detail` the run's trigger detail.
CREATE TABLE hits (          -- POST /hits
  key TEXT NOT NULL,
  pid INTEGER NOT NULL
);

CREATE TABLE job_runs (      -- the `work` job, once per completed run
  key    TEXT NOT NULL,
  pid    INTEGER NOT NULL,
  detail TEXT NOT NULL,      -- "job <id> attempt <n>"
  at_ms  BIGINT NOT NULL     -- Unix time in milliseconds, when the run wrote it
);
CREATE INDEX job_runs_key ON job_runs (key);

CREATE TABLE handled (       -- each subscriber's run for an event
  event_key  TEXT NOT NULL,  -- the payload's key
  subscriber TEXT NOT NULL,  -- the action's name
  pid        INTEGER NOT NULL,
  detail     TEXT NOT NULL   -- "cluster.pinged <event id>"
);

CREATE TABLE ticks (         -- the per-second cron tick
  detail TEXT NOT NULL,      -- "*/1 * * * * * @ <due time>"
  pid    INTEGER NOT NULL,
  at_ms  BIGINT NOT NULL
);
