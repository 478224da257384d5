#include "src/admin/admin_feature.hpp"

#include "src/admin/admin_access.hpp"

namespace bb::admin {

Feature admin_feature() {
  auto link = std::make_shared<AdminState>();
  // Dashboard runs are not history: every page view would add its own reads to what it shows.
  // The sign-in stays outside the admin guard (it is how a browser gets past it).
  return {.name = "admin",
          .modules = {module({.name = "admin",
                              .description = "The developer dashboard's API",
                              .api_prefix = std::string(kApiPrefix),
                              .guards = {admin_access()},
                              .actions = {overview(link), list_actions(link), invoke_action(link), list_runs(),
                                          get_run(link), search_logs(), run_stats(), list_cockpit_orgs(),
                                          get_cockpit_org(), list_cockpit_plans()}}),
                      module({.name = "adminSession",
                              .description = "The dashboard page's sign-in with the admin key",
                              .api_prefix = std::string(kApiPrefix),
                              .actions = {sign_in(), sign_out()}})},
          .attach = [link](App& app) { link->app = &app; }};
}

}  // namespace bb::admin
