// listJobs, getJob, retryJob, cancelJob, listSchedules, pauseSchedule, resumeSchedule,
// runScheduleNow, listEvents (see jobs_feature.hpp).
#include "src/app/jobs_feature.hpp"

#include <bunbase/bunbase.hpp>

#include "bunbase/runtime/cron.hpp"
#include "src/admin/admin_access.hpp"
#include "src/admin/admin_feature.hpp"

namespace bb {

namespace {

using Key = String<MinLength<1>, MaxLength<200>>;
using JobStatus = String<Pattern<"^(pending|running|completed|dead|cancelled)$">>;
using Limit = Int<Minimum<1>, Maximum<500>>;

struct JobView {
  std::string id, queue, action, input, status;
  std::int64_t priority = 0, attempts = 0, max_attempts = 0;
  std::string run_at;
  std::optional<std::string> unique_key, last_error, last_run_id, trace_id, finished_at;
  std::string created_at, updated_at;
};
BOOST_DESCRIBE_STRUCT(JobView, (),
                      (id, queue, action, input, status, priority, attempts, max_attempts, run_at, unique_key,
                       last_error, last_run_id, trace_id, finished_at, created_at, updated_at))

constexpr std::string_view kJobColumns =
    "id, queue, action, input, status, priority, attempts, max_attempts, run_at, unique_key, last_error, last_run_id, "
    "trace_id, finished_at, created_at, updated_at";

struct JobList {
  std::vector<JobView> items;
};
BOOST_DESCRIBE_STRUCT(JobList, (), (items))

struct ListJobsInput {
  std::optional<JobStatus> status;
  std::optional<Key> queue;
  std::optional<Key> action;
  std::optional<Limit> limit;  // default 50
  std::optional<Key> before;   // a job id: the page after it (newest first)
};
BOOST_DESCRIBE_STRUCT(ListJobsInput, (), (status, queue, action, limit, before))

struct JobInput {
  Key jobId;
};
BOOST_DESCRIBE_STRUCT(JobInput, (), (jobId))

struct ScheduleView {
  std::string id, action, cron_expression, timezone;
  std::optional<std::string> next_run_at, last_run_at, last_run_id, last_status;
  bool enabled = true;
};
BOOST_DESCRIBE_STRUCT(ScheduleView, (),
                      (id, action, cron_expression, timezone, next_run_at, last_run_at, last_run_id, last_status, enabled))

struct ScheduleList {
  std::vector<ScheduleView> items;
};
BOOST_DESCRIBE_STRUCT(ScheduleList, (), (items))

struct ScheduleInput {
  Key scheduleId;
};
BOOST_DESCRIBE_STRUCT(ScheduleInput, (), (scheduleId))

struct EventView {
  std::string id, name, payload;
  std::optional<std::string> run_id, trace_id;
  std::string emitted_at;
};
BOOST_DESCRIBE_STRUCT(EventView, (), (id, name, payload, run_id, trace_id, emitted_at))

struct EventList {
  std::vector<EventView> items;
};
BOOST_DESCRIBE_STRUCT(EventList, (), (items))

struct ListEventsInput {
  std::optional<Key> name;
  std::optional<Limit> limit;
  std::optional<Key> before;
};
BOOST_DESCRIBE_STRUCT(ListEventsInput, (), (name, limit, before))

JobView require_job(db::Database& db, std::string_view id) {
  auto job = db.query_one_as<JobView>("SELECT " + std::string(kJobColumns) + " FROM jobs WHERE id = $1", {id});
  if (!job) throw Error(ErrorCode::not_found, "job not found").with_code("job_not_found");
  return *job;
}

ScheduleView require_schedule(db::Database& db, std::string_view id) {
  auto s = db.query_one_as<ScheduleView>(
      "SELECT id, action, cron_expression, timezone, next_run_at, last_run_at, last_run_id, last_status, enabled "
      "FROM scheduled_jobs WHERE id = $1",
      {id});
  if (!s) throw Error(ErrorCode::not_found, "schedule not found").with_code("schedule_not_found");
  return *s;
}

Action list_jobs() {
  return action<ListJobsInput, JobList>(
      {.name = "listJobs",
       .description = "Jobs, newest first, by status, queue or action (keyset pages: before)",
       .triggers = {triggers::api("GET", "/jobs")},
       .record = false},
      [](const ListJobsInput& in, Context& ctx) {
        std::string sql = "SELECT " + std::string(kJobColumns) + " FROM jobs WHERE 1 = 1";
        std::vector<db::Value> params;
        auto where = [&](std::string_view column, std::string_view op, const std::string& value) {
          params.emplace_back(value);
          sql += " AND " + std::string(column) + " " + std::string(op) + " $" + std::to_string(params.size());
        };
        if (in.status) where("status", "=", *in.status);
        if (in.queue) where("queue", "=", *in.queue);
        if (in.action) where("action", "=", *in.action);
        if (in.before) where("id", "<", *in.before);
        sql += " ORDER BY id DESC LIMIT " + std::to_string(in.limit ? in.limit->value : 50);
        return JobList{ctx.db.query_as<JobView>(sql, db::Params(params.data(), params.size()))};
      });
}

Action get_job() {
  return action<JobInput, JobView>({.name = "getJob",
                                    .description = "One job with its attempts and last error",
                                    .triggers = {triggers::api("GET", "/jobs/:jobId")},
                                    .record = false},
                                   [](const JobInput& in, Context& ctx) { return require_job(ctx.db, in.jobId); });
}

Action retry_job() {
  return action<JobInput, JobView>(
      {.name = "retryJob",
       .description = "Runs a dead, cancelled or completed job again now, with a fresh set of attempts",
       .triggers = {triggers::api("POST", "/jobs/:jobId/retry")}},
      [](const JobInput& in, Context& ctx) {
        JobView job = require_job(ctx.db, in.jobId);
        const std::string now = iso_now();
        if (ctx.db.exec("UPDATE jobs SET status = 'pending', attempts = 0, refunds = 0, run_at = $2, finished_at = NULL, "
                        "updated_at = $2 WHERE id = $1 AND status IN ('dead', 'cancelled', 'completed')",
                        {job.id, now}) == 0)
          throw Error(ErrorCode::conflict, "only a dead, cancelled or completed job can be retried; this one is " +
                                               job.status)
              .with_code("job_not_retryable");
        return require_job(ctx.db, job.id);
      });
}

Action cancel_job() {
  return action<JobInput, JobView>(
      {.name = "cancelJob",
       .description = "Cancels a pending job (a running one finishes its attempt)",
       .triggers = {triggers::api("POST", "/jobs/:jobId/cancel")}},
      [](const JobInput& in, Context& ctx) {
        JobView job = require_job(ctx.db, in.jobId);
        const std::string now = iso_now();
        if (ctx.db.exec("UPDATE jobs SET status = 'cancelled', finished_at = $2, updated_at = $2 "
                        "WHERE id = $1 AND status = 'pending'",
                        {job.id, now}) == 0)
          throw Error(ErrorCode::conflict, "only a pending job can be cancelled; this one is " + job.status)
              .with_code("job_not_pending");
        return require_job(ctx.db, job.id);
      });
}

Action list_schedules() {
  return action<Empty, ScheduleList>(
      {.name = "listSchedules",
       .description = "The cron schedules with their next and last runs",
       .triggers = {triggers::api("GET", "/schedules")},
       .record = false},
      [](const Empty&, Context& ctx) {
        return ScheduleList{ctx.db.query_as<ScheduleView>(
            "SELECT id, action, cron_expression, timezone, next_run_at, last_run_at, last_run_id, last_status, enabled "
            "FROM scheduled_jobs ORDER BY id")};
      });
}

// pauseSchedule / resumeSchedule / runScheduleNow.
Action schedule_action(std::string name, std::string description, std::string_view what) {
  return action<ScheduleInput, ScheduleView>(
      {.name = std::move(name),
       .description = std::move(description),
       .triggers = {triggers::api("POST", "/schedules/:scheduleId/" + std::string(what == "now" ? "run" : what))}},
      [what = std::string(what)](const ScheduleInput& in, Context& ctx) {
        ScheduleView s = require_schedule(ctx.db, in.scheduleId);
        const auto now = std::chrono::system_clock::now();
        if (what == "pause") {
          ctx.db.exec("UPDATE scheduled_jobs SET enabled = FALSE, updated_at = $2 WHERE id = $1", {s.id, iso_time(now)});
        } else if (what == "resume") {
          // From now: the ticks missed while paused do not run.
          auto next = cron::next(cron::parse(s.cron_expression), now, s.timezone);
          ctx.db.exec("UPDATE scheduled_jobs SET enabled = TRUE, next_run_at = $2, updated_at = $3 WHERE id = $1",
                      {s.id, next ? db::Value(iso_time(*next)) : db::Value(nullptr), iso_time(now)});
        } else {  // run now: the scheduler picks it up within a second
          if (!s.enabled)
            throw Error(ErrorCode::conflict, "the schedule is paused: resume it first").with_code("schedule_paused");
          ctx.db.exec("UPDATE scheduled_jobs SET next_run_at = $2, updated_at = $2 WHERE id = $1", {s.id, iso_time(now)});
        }
        return require_schedule(ctx.db, s.id);
      });
}

Action list_events() {
  return action<ListEventsInput, EventList>(
      {.name = "listEvents",
       .description = "Recent events, newest first, optionally of one name",
       .triggers = {triggers::api("GET", "/events")},
       .record = false},
      [](const ListEventsInput& in, Context& ctx) {
        std::string sql = "SELECT id, name, payload, run_id, trace_id, emitted_at FROM events WHERE 1 = 1";
        std::vector<db::Value> params;
        if (in.name) {
          params.emplace_back(std::string(*in.name));
          sql += " AND name = $" + std::to_string(params.size());
        }
        if (in.before) {
          params.emplace_back(std::string(*in.before));
          sql += " AND id < $" + std::to_string(params.size());
        }
        sql += " ORDER BY id DESC LIMIT " + std::to_string(in.limit ? in.limit->value : 50);
        return EventList{ctx.db.query_as<EventView>(sql, db::Params(params.data(), params.size()))};
      });
}

}  // namespace

Feature jobs_feature() {
  return {.name = "jobs",
          .modules = {module(
              {.name = "jobs",
               .description = "The job queue, the cron schedules and recent events, for the operator",
               .api_prefix = std::string(admin::kApiPrefix),
               .guards = {admin::admin_access()},
               .actions = {list_jobs(), get_job(), retry_job(), cancel_job(), list_schedules(),
                           schedule_action("pauseSchedule", "Stops a cron schedule until it is resumed", "pause"),
                           schedule_action("resumeSchedule", "Restarts a paused schedule from now", "resume"),
                           schedule_action("runScheduleNow", "Runs a schedule's action now (within a second)", "now"),
                           list_events()}})}};
}

}  // namespace bb
