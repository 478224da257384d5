-- Every attempt of `record` (failed ones too), every completed one (no UNIQUE: a job that ran
-- twice shows twice), and every cron tick, with the process that ran it.
CREATE TABLE attempts (
  key   TEXT NOT NULL,
  pid   INTEGER NOT NULL,
  at_ms BIGINT NOT NULL
);
CREATE INDEX attempts_key ON attempts (key);

CREATE TABLE done (
  key     TEXT NOT NULL,
  attempt INTEGER NOT NULL,  -- this key's attempts so far, counted in `attempts`
  pid     INTEGER NOT NULL,
  detail  TEXT,              -- the run's trigger detail: "job <id> attempt <n>"
  at_ms   BIGINT NOT NULL    -- Unix time in milliseconds (past PostgreSQL's 32-bit INTEGER)
);
CREATE INDEX done_key ON done (key);

CREATE TABLE ticks (
  at_ms  BIGINT NOT NULL,
  pid    INTEGER NOT NULL,
  detail TEXT               -- "<expression> @ <due time>"
);
