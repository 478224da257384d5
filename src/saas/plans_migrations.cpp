// The plans and features tables (the SaaS cockpit's catalog), applied after the organizations'
// tables when `[saas] enabled = true`. Their rows come from bunbase.toml (plan_catalog_sync.cpp)
// and from the operator's actions.
#include "src/saas/saas_feature.hpp"

namespace bb::saas {

std::vector<db::Migration> plans_migrations() {
  return {
      {"bunbase/saas/0002_plans.sql", R"sql(
CREATE TABLE features (
  key         TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT ''
);

-- Plans are archived, never deleted: subscriptions will point at them.
CREATE TABLE plans (
  key         TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  price_cents INTEGER NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
  interval    TEXT NOT NULL DEFAULT 'month' CHECK (interval IN ('month', 'year')),
  trial_days  INTEGER NOT NULL DEFAULT 0 CHECK (trial_days >= 0),
  is_public   BOOLEAN NOT NULL DEFAULT TRUE,
  is_default  BOOLEAN NOT NULL DEFAULT FALSE,  -- the plan a new organization starts on
  archived_at TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
-- At most one default plan.
CREATE UNIQUE INDEX plans_default ON plans (is_default) WHERE is_default;
CREATE INDEX plans_price ON plans (price_cents);

-- What a plan includes; limit_value NULL: unlimited.
CREATE TABLE plan_features (
  plan_key    TEXT NOT NULL REFERENCES plans (key) ON DELETE CASCADE,
  feature_key TEXT NOT NULL REFERENCES features (key) ON DELETE CASCADE,
  limit_value INTEGER CHECK (limit_value >= 0),
  PRIMARY KEY (plan_key, feature_key)
);
CREATE INDEX plan_features_feature ON plan_features (feature_key);
)sql"},
  };
}

}  // namespace bb::saas
