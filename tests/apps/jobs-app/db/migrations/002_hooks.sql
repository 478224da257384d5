-- The hooks module's webhook deliveries: every attempt (failed ones too) and every delivery that
-- was handled (no UNIQUE: a delivery that ran twice shows twice), so tests can count runs.
CREATE TABLE hook_attempts (
  source      TEXT NOT NULL,   -- github, standard, hmac, custom, queued
  delivery_id TEXT NOT NULL,   -- '' when the endpoint has no delivery id
  at_ms       BIGINT NOT NULL
);
CREATE INDEX hook_attempts_delivery ON hook_attempts (source, delivery_id);

CREATE TABLE deliveries (
  source      TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  body        TEXT NOT NULL,   -- the verified JSON body, as the action received it
  attempt     INTEGER NOT NULL,
  trigger     TEXT NOT NULL,   -- the run's trigger type and detail: "webhook POST /hooks/github <id>"
  at_ms       BIGINT NOT NULL
);
CREATE INDEX deliveries_delivery ON deliveries (source, delivery_id);
