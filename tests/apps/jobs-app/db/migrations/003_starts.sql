-- Every start of `record`, written before it sleeps: with `attempts` (written after the sleep)
-- a test tells a job that started and was killed from one that never started (queue_chaos_test).
CREATE TABLE starts (
  key    TEXT NOT NULL,
  pid    INTEGER NOT NULL,
  detail TEXT,              -- "job <id> attempt <n>"
  at_ms  BIGINT NOT NULL
);
CREATE INDEX starts_key ON starts (key);
