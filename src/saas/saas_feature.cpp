// The organizations feature: the `orgs` and `rbac` modules under saas.path, and their tables;
// with saas.enabled, the `plans` module and its catalog sync.
#include "src/saas/saas_feature.hpp"

#include <bunbase/guards.hpp>

#include "src/saas/plan_catalog_sync.hpp"
#include "src/saas/plans_types.hpp"
#include "src/saas/subscriptions_types.hpp"
#include "src/saas/saas_types.hpp"

namespace bb::saas {

namespace {

std::vector<Action> concat(std::initializer_list<std::vector<Action>> lists) {
  std::vector<Action> out;
  for (const auto& l : lists) out.insert(out.end(), l.begin(), l.end());
  return out;
}

}  // namespace

Feature feature(const Config& config) {
  Feature f{.name = "saas",
            .modules = {module({.name = "orgs",
                                .description = "Organizations, their members and invitations",
                                .api_prefix = config.saas.path,
                                .guards = {guards::authenticated()},
                                .actions = concat({organization_actions(), member_actions(), invitation_actions()})}),
                        module({.name = "rbac",
                                .description = "Roles, permissions and role sets",
                                .api_prefix = config.saas.path,
                                .guards = {guards::authenticated()},
                                .actions = concat({role_actions(), catalog_actions(), catalog_admin_actions()})})},
            .migrations = migrations()};
  if (config.saas.enabled) {
    // No module guard: the public catalog is open; each management action has system_only().
    f.modules.push_back(module({.name = "plans",
                                .description = "Plans, the features they include and their limits",
                                .api_prefix = config.saas.path,
                                .actions = concat({plan_public_actions(), plan_admin_actions()})}));
    // Guards per action: the Stripe webhook is signed, not signed in.
    f.modules.push_back(module({.name = "subscriptions",
                                .description = "The organization's subscription: trial, plan changes, cancellation, "
                                               "and Stripe checkout, billing portal and webhook",
                                .api_prefix = config.saas.path,
                                .actions = concat({subscription_actions(config), stripe_actions(config)})}));
    for (auto more : {plans_migrations(), subscriptions_migrations()})
      f.migrations.insert(f.migrations.end(), more.begin(), more.end());
    f.after_migrate = [saas = config.saas](db::Database& db, LogSink& log) { sync_catalog(db, saas, log); };
  }
  return f;
}

}  // namespace bb::saas
