// A cron trigger configured from the environment, so that a test can start the app with a bad
// expression (JOBS_APP_BAD_CRON) or time zone (JOBS_APP_BAD_TZ). Without either the action has
// no trigger. Read when main() builds the registry, never before.
#include <bunbase/bunbase.hpp>
#include <cstdlib>

BUNBASE_MODULE(misconfigured) {
  const char* expression = std::getenv("JOBS_APP_BAD_CRON");
  const char* zone = std::getenv("JOBS_APP_BAD_TZ");
  std::vector<bb::Trigger> triggers;
  if (expression || zone)
    triggers.push_back(bb::triggers::cron(expression ? expression : "0 * * * *",
                                          {.timezone = zone ? zone : "UTC"}));
  return bb::module({.name = "misconfigured",
                     .description = "A cron trigger from JOBS_APP_BAD_CRON / JOBS_APP_BAD_TZ",
                     .actions = {bb::action<bb::Empty, bb::Empty>(
                         {.name = "configuredCron",
                          .description = "Does nothing, on the schedule the environment gives",
                          .triggers = std::move(triggers)},
                         [](const bb::Empty&, bb::Context&) { return bb::Empty{}; })}});
}
