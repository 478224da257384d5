// The plans module's input and output types (its API: the schema, OpenAPI and SDK), and the
// functions the feature assembles it from. Path parameters keep the route's spelling (planKey,
// featureKey), as the input carries them.
#pragma once

#include <bunbase/bunbase.hpp>

#include "src/saas/saas_types.hpp"

namespace bb::saas {

// Plan and feature keys: a lower-case letter, then up to 49 of [a-z0-9_-] (as in bunbase.toml).
using PlanKey = FeatureKey;
using Price = Int<Minimum<0>>;
using Interval = String<Pattern<"^(month|year)$">>;
using TrialDays = Int<Minimum<0>, Maximum<365>>;
using Limit = Int<Minimum<0>>;
using StripePrice = String<Pattern<"^price_[A-Za-z0-9_]{1,200}$">>;

// --- views

struct FeatureView {
  std::string key, name, description;
};
BOOST_DESCRIBE_STRUCT(FeatureView, (), (key, name, description))

struct FeatureList {
  std::vector<FeatureView> items;
};
BOOST_DESCRIBE_STRUCT(FeatureList, (), (items))

// A feature a plan includes; no `limit` (the key is absent) means unlimited.
struct PlanFeatureView {
  std::string key, name;
  std::optional<std::int64_t> limit;
};
BOOST_DESCRIBE_STRUCT(PlanFeatureView, (), (key, name, limit))

struct PlanView {
  std::string key, name;
  std::int64_t price_cents = 0;
  std::string interval;  // month | year
  std::int64_t trial_days = 0;
  bool is_public = true;
  bool is_default = false;
  std::optional<std::string> archived_at;
  std::vector<PlanFeatureView> features;
  std::string created_at, updated_at;
};
BOOST_DESCRIBE_STRUCT(PlanView, (),
                      (key, name, price_cents, interval, trial_days, is_public, is_default,
                       archived_at, features, created_at, updated_at))

struct PlanList {
  std::vector<PlanView> items;
};
BOOST_DESCRIBE_STRUCT(PlanList, (), (items))

// --- inputs

struct PlanInput {
  Id planKey;
};
BOOST_DESCRIBE_STRUCT(PlanInput, (), (planKey))

struct CreatePlanInput {
  PlanKey key;
  DisplayName name;
  Price price_cents;
  std::optional<Interval> interval;     // default month
  std::optional<TrialDays> trial_days;  // default 0
  std::optional<bool> is_public;        // default true
  std::optional<bool> is_default;       // default false; true makes it the one default plan
  std::optional<StripePrice> stripe_price;  // what Stripe Checkout sells it with
};
BOOST_DESCRIBE_STRUCT(CreatePlanInput, (),
                      (key, name, price_cents, interval, trial_days, is_public, is_default, stripe_price))

struct UpdatePlanInput {
  Id planKey;
  std::optional<DisplayName> name;
  std::optional<Price> price_cents;
  std::optional<Interval> interval;
  std::optional<TrialDays> trial_days;
  std::optional<bool> is_public;
  std::optional<bool> is_default;
  std::optional<StripePrice> stripe_price;
};
BOOST_DESCRIBE_STRUCT(UpdatePlanInput, (),
                      (planKey, name, price_cents, interval, trial_days, is_public, is_default, stripe_price))

struct PlanFeatureInput {
  Id planKey;
  Id featureKey;
};
BOOST_DESCRIBE_STRUCT(PlanFeatureInput, (), (planKey, featureKey))

struct AttachFeatureInput {
  Id planKey;
  Id featureKey;
  std::optional<std::optional<Limit>> limit;  // absent (outer) or null (inner): unlimited
};
BOOST_DESCRIBE_STRUCT(AttachFeatureInput, (), (planKey, featureKey, limit))

struct CreateFeatureInput {
  FeatureKey key;
  DisplayName name;
  std::optional<Description> description;
};
BOOST_DESCRIBE_STRUCT(CreateFeatureInput, (), (key, name, description))

// The plans module's actions: the public catalog, then the operator's changes.
std::vector<Action> plan_public_actions();
std::vector<Action> plan_admin_actions();

}  // namespace bb::saas
