// The organizations feature: the `orgs` and `rbac` modules under saas.path, and their tables.
#include "src/saas/saas_feature.hpp"

#include <bunbase/guards.hpp>

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
  return {.name = "saas",
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
}

}  // namespace bb::saas
