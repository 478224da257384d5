// Runs the actions that have cron triggers. Each trigger is a row of `scheduled_jobs` (id: the
// action's name, "<action>#2" for its second cron trigger), synced from the code at start. A
// tick is claimed by moving next_run_at with a conditional UPDATE, so with several instances on
// one database each tick runs once. The run has trigger type "cron" and the system principal.
// A tick missed while the app was down runs once at start (catch_up = "once") or not ("skip");
// either way the next one is computed from now. Paused schedules (enabled = false) do not run.
//
//   Scheduler s(registry, executor, db, log, config.cron);   // throws for a bad expression
//   s.start();
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bunbase/core/registry.hpp"
#include "bunbase/runtime/config.hpp"
#include "bunbase/runtime/cron.hpp"
#include "bunbase/runtime/executor.hpp"

namespace bb {

class Scheduler {
 public:
  struct Entry {
    std::string id;
    const RegisteredAction* action;
    const CronTrigger* trigger;
    cron::Schedule schedule;
  };

  // Parses every cron trigger and checks its time zone: std::runtime_error naming the action.
  static std::vector<Entry> check(const Registry& registry);

  Scheduler(const Registry& registry, Executor& executor, db::Database& db, LogSink& log, Config::Cron options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Makes scheduled_jobs match the code (needs the migrated database); applies catch_up.
  void sync();
  // The thread that syncs (retrying until the database is migrated), then runs due ticks.
  // Stop waits for a tick in progress.
  void start();
  void stop();
  // Claims and runs the due ticks on this thread (tests, the CLI); returns how many ran.
  int run_due();
  // Looks at the table again now (after runScheduleNow / resumeSchedule).
  void wake();

  const std::vector<Entry>& entries() const { return entries_; }
  // The next tick of the schedule `id` after `after`, in its time zone.
  std::optional<std::chrono::system_clock::time_point> next_after(const std::string& id,
                                                                   std::chrono::system_clock::time_point after) const;

 private:
  bool run_tick(const Entry& e, const std::string& due);
  void loop();

  Executor& executor_;
  db::Database& db_;
  Log log_;
  Config::Cron options_;
  std::vector<Entry> entries_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false, woken_ = false;
  std::thread thread_;
};

}  // namespace bb
