// The `jobs` module every app has: the operator's view of the job queue, the cron schedules and
// the recent events (list, retry, cancel, pause, resume, run now). No routes yet: the CLI's
// `run <action>` and, with the dashboard, its admin API; every action is operator-only.
//
//   saas-demo run listJobs '{"status":"dead"}'
//   saas-demo run retryJob '{"jobId":"..."}'
#pragma once

#include "bunbase/runtime/app.hpp"

namespace bb {

Feature jobs_feature();

}  // namespace bb
