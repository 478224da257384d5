-- Applied once, in name order, by `{{name}} migrate` (and on start while
-- database.migrate_on_start is on). Never edit an applied migration: add the next one.
CREATE TABLE todos (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX todos_by_created_at ON todos (created_at DESC, id DESC);
