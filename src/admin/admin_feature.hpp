// The dashboard's JSON API: the built-in `admin` module under /_admin/api, ordinary actions
// behind the admin guard (admin_access.hpp), not written to the run history they show.
//
//   GET  /_admin/api/overview            counts for the landing page
//   GET  /_admin/api/actions             every action: triggers, guards, schemas, recent stats
//   POST /_admin/api/actions/:name/invoke  runs one through the executor (trigger "admin")
//   GET  /_admin/api/runs                the run history, newest first, keyset pages
//   GET  /_admin/api/runs/:id            a run, its logs and its whole trace
//   GET  /_admin/api/logs                logs across runs: level, text, action, time
//   GET  /_admin/api/stats               runs per minute by status
//   POST /_admin/api/session             the page's sign-in with the admin key (a cookie)
//   GET  /_admin/api/cockpit/orgs[/:orgId], /cockpit/plans  the SaaS cockpit's organizations and plans
// The jobs, schedules and events of the `jobs` module answer under the same prefix.
#pragma once

#include <memory>

#include "bunbase/runtime/app.hpp"

namespace bb::admin {

inline constexpr std::string_view kApiPrefix = "/_admin/api";

// The App the module describes and drives, set when the App is built (Feature::attach).
struct AdminState {
  App* app = nullptr;
};
using AdminLink = std::shared_ptr<AdminState>;

Feature admin_feature();

Action list_runs();
Action get_run(AdminLink link);
Action search_logs();
Action run_stats();
Action overview(AdminLink link);
Action list_actions(AdminLink link);
Action invoke_action(AdminLink link);
Action sign_in();
Action sign_out();
Action list_cockpit_orgs();
Action get_cockpit_org();
Action list_cockpit_plans();

}  // namespace bb::admin
