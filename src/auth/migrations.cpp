#include "src/auth/auth_feature.hpp"

namespace bb::auth {

std::vector<db::Migration> migrations() {
  return {
      {"bunbase/auth/0001_users_sessions_keys.sql", R"sql(
-- The one users table: the auth module owns it; apps add their own columns in their migrations.
CREATE TABLE users (
  id                TEXT PRIMARY KEY,
  email             TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name              TEXT NOT NULL,
  password_hash     TEXT,                    -- argon2id PHC string; NULL: cannot sign in with a password
  email_verified_at TEXT,
  created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE sessions (
  id            TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash    TEXT NOT NULL UNIQUE,        -- SHA-256 of the token; the token itself is never stored
  active_org_id TEXT,                        -- the organization in_org() uses when none is given
  expires_at    TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL,
  ip            TEXT,
  user_agent    TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  key_hash     TEXT NOT NULL UNIQUE,         -- SHA-256 of the key
  prefix       TEXT NOT NULL,                -- the key's first characters, shown in listings
  scopes       TEXT NOT NULL DEFAULT '[]',   -- JSON array of permissions; [] = the user's own rights
  last_used_at TEXT,
  expires_at   TEXT,
  revoked_at   TEXT,
  created_at   TEXT NOT NULL
);
CREATE INDEX api_keys_user ON api_keys (user_id, id);

-- Single-use, expiring tokens sent by email (verification, password reset).
CREATE TABLE auth_tokens (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
  email      TEXT NOT NULL,                  -- the address it was sent to: it dies if the account's changes
  token_hash TEXT NOT NULL UNIQUE,
  expires_at TEXT NOT NULL,
  used_at    TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id, purpose);

-- Emails the app sends: the default Mailer writes here (the dashboard shows them); with SMTP
-- configured they are delivered from here too.
CREATE TABLE mail_outbox (
  id         TEXT PRIMARY KEY,
  to_address TEXT NOT NULL,
  subject    TEXT NOT NULL,
  body_text  TEXT NOT NULL,
  kind       TEXT NOT NULL,                  -- verify_email, reset_password, invitation, ...
  created_at TEXT NOT NULL,
  sent_at    TEXT,
  attempts   INTEGER NOT NULL DEFAULT 0,     -- SMTP deliveries tried (at most 5)
  error      TEXT                            -- why the last one failed
);
CREATE INDEX mail_outbox_created ON mail_outbox (created_at);
CREATE INDEX mail_outbox_unsent ON mail_outbox (sent_at, attempts, created_at);
)sql"},
  };
}

}  // namespace bb::auth
