-- Applied once, in name order, by `{{name}} migrate` (and on start while
-- database.migrate_on_start is on). Never edit an applied migration: add the next one.
-- Written to run on SQLite and PostgreSQL alike; NAME.sqlite.sql / NAME.pg.sql hold one
-- dialect's version when they must differ.
CREATE TABLE todos (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  done BOOLEAN NOT NULL DEFAULT FALSE,
  created_at TEXT NOT NULL                 -- ISO 8601 UTC, from bb::iso_now(): sorts as text
);
CREATE INDEX todos_by_created_at ON todos (created_at DESC, id DESC);
