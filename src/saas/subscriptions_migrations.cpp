// The subscriptions table (one current subscription per organization), its event record, the
// Stripe event ids already processed, and each plan's Stripe price. Applied after the plans
// tables when `[saas] enabled = true`.
#include "src/saas/saas_feature.hpp"

namespace bb::saas {

std::vector<db::Migration> subscriptions_migrations() {
  return {
      {"bunbase/saas/0003_subscriptions.sql", R"sql(
-- The Stripe price checkout sells the plan with ([[saas.plans]] stripe_price).
ALTER TABLE plans ADD COLUMN stripe_price TEXT;
CREATE UNIQUE INDEX plans_stripe_price ON plans (stripe_price) WHERE stripe_price IS NOT NULL;

CREATE TABLE subscriptions (
  id                       TEXT PRIMARY KEY,
  org_id                   TEXT NOT NULL UNIQUE REFERENCES organizations (id) ON DELETE CASCADE,
  plan_key                 TEXT NOT NULL REFERENCES plans (key),
  status                   TEXT NOT NULL CHECK (status IN ('trialing', 'active', 'past_due', 'canceled', 'unpaid',
                                                           'incomplete', 'incomplete_expired', 'paused')),
  trial_ends_at            TEXT,
  current_period_start     TEXT,
  current_period_end       TEXT,
  cancel_at_period_end     BOOLEAN NOT NULL DEFAULT FALSE,
  pending_plan_key         TEXT REFERENCES plans (key),  -- a downgrade due at current_period_end
  trial_notified_at        TEXT,                         -- when trial.ending was emitted
  provider                 TEXT NOT NULL DEFAULT 'none' CHECK (provider IN ('none', 'stripe')),
  provider_customer_id     TEXT,
  provider_subscription_id TEXT UNIQUE,
  canceled_at              TEXT,
  provider_event_at        INTEGER,  -- `created` of the last Stripe event applied: older ones are stale
  created_at               TEXT NOT NULL,
  updated_at               TEXT NOT NULL
);
CREATE INDEX subscriptions_trial ON subscriptions (trial_ends_at) WHERE status = 'trialing';
CREATE INDEX subscriptions_period ON subscriptions (current_period_end);
CREATE INDEX subscriptions_customer ON subscriptions (provider_customer_id);

-- subscription.created / .updated / .canceled and trial.ending, written in the transaction
-- that made the change.
CREATE TABLE subscription_events (
  id              TEXT PRIMARY KEY,
  org_id          TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  subscription_id TEXT NOT NULL,
  name            TEXT NOT NULL,
  payload         TEXT NOT NULL,
  run_id          TEXT,
  trace_id        TEXT,
  created_at      TEXT NOT NULL
);
CREATE INDEX subscription_events_org ON subscription_events (org_id, created_at);

-- Stripe retries deliveries: an event id seen here was processed and is acknowledged again.
CREATE TABLE stripe_events (
  id           TEXT PRIMARY KEY,
  type         TEXT NOT NULL,
  org_id       TEXT,
  processed_at TEXT NOT NULL
);
)sql"},
  };
}

}  // namespace bb::saas
