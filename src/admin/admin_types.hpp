// The shapes of the dashboard's JSON API (/_admin/api): runs, logs, the trace of a run, the
// action catalog and the charts' figures.
#pragma once

#include <boost/describe.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <vector>

#include "bunbase/schema/types.hpp"

namespace bb::admin {

using Name = String<MinLength<1>, MaxLength<200>>;
using Page = Int<Minimum<1>, Maximum<200>>;

struct RunSummary {
  std::string id, action;
  std::optional<std::string> module;
  std::string trigger;
  std::optional<std::string> triggerDetail;
  std::string status;
  double durationMs = 0;
  std::string startedAt, traceId;
  std::optional<std::string> parentRunId, errorCode, errorMessage;
};
BOOST_DESCRIBE_STRUCT(RunSummary, (),
                      (id, action, module, trigger, triggerDetail, status, durationMs, startedAt, traceId,
                       parentRunId, errorCode, errorMessage))

struct RunPage {
  std::vector<RunSummary> items;
  std::optional<std::string> next;  // `before` for the next page; absent on the last
};
BOOST_DESCRIBE_STRUCT(RunPage, (), (items, next))

struct ListRunsInput {
  std::optional<Name> action;
  std::optional<String<Pattern<"^(success|error)$">>> status;
  std::optional<String<Pattern<"^[a-z]{1,20}$">>> trigger;
  std::optional<String<Pattern<"^[0-9a-f]{32}$">>> traceId;
  std::optional<DateTime> since, until;
  std::optional<Name> before;  // a run id: the page after it (newest first)
  std::optional<Page> limit;   // default 50
};
BOOST_DESCRIBE_STRUCT(ListRunsInput, (), (action, status, trigger, traceId, since, until, before, limit))

struct LogView {
  std::int64_t id = 0;
  std::optional<std::string> runId, action;
  std::string level, message;
  boost::json::value meta;
  std::string createdAt;
};
BOOST_DESCRIBE_STRUCT(LogView, (), (id, runId, action, level, message, meta, createdAt))

struct EventInTrace {
  std::string id, name;
  std::optional<std::string> runId;
  std::string emittedAt;
};
BOOST_DESCRIBE_STRUCT(EventInTrace, (), (id, name, runId, emittedAt))

struct JobInTrace {
  std::string id, action, status;
  std::optional<std::string> parentRunId, lastRunId;
  std::int64_t attempts = 0;
};
BOOST_DESCRIBE_STRUCT(JobInTrace, (), (id, action, status, parentRunId, lastRunId, attempts))

struct Trace {
  std::string traceId;
  std::vector<RunSummary> runs;  // oldest first; parentRunId makes the tree
  std::vector<EventInTrace> events;
  std::vector<JobInTrace> jobs;
};
BOOST_DESCRIBE_STRUCT(Trace, (), (traceId, runs, events, jobs))

struct RunDetail {
  RunSummary run;
  boost::json::value input, output, error;  // null when absent
  std::vector<std::string> guards;           // the action's guards, in the order they ran
  std::vector<LogView> logs;
  Trace trace;
};
BOOST_DESCRIBE_STRUCT(RunDetail, (), (run, input, output, error, guards, logs, trace))

struct RunIdInput {
  Name id;
};
BOOST_DESCRIBE_STRUCT(RunIdInput, (), (id))

struct SearchLogsInput {
  std::optional<String<Pattern<"^(debug|info|warn|error)$">>> level;  // this level and above
  std::optional<String<MaxLength<200>>> q;                             // text in the message
  std::optional<Name> action;
  std::optional<DateTime> since, until;
  std::optional<Int<Minimum<1>>> before;  // a log id: the page after it (newest first)
  std::optional<Page> limit;
};
BOOST_DESCRIBE_STRUCT(SearchLogsInput, (), (level, q, action, since, until, before, limit))

struct LogPage {
  std::vector<LogView> items;
  std::optional<std::int64_t> next;
};
BOOST_DESCRIBE_STRUCT(LogPage, (), (items, next))

struct MinuteCount {
  std::string minute;  // "2026-11-25T10:04"
  std::int64_t success = 0, error = 0;
};
BOOST_DESCRIBE_STRUCT(MinuteCount, (), (minute, success, error))

struct StatsInput {
  std::optional<Int<Minimum<1>, Maximum<1440>>> minutes;  // default 60
};
BOOST_DESCRIBE_STRUCT(StatsInput, (), (minutes))

struct RunStats {
  std::vector<MinuteCount> perMinute;  // oldest first, every minute of the window
};
BOOST_DESCRIBE_STRUCT(RunStats, (), (perMinute))

struct ActionStats {
  std::int64_t runs = 0, errors = 0;  // over the last `runs` runs (at most 500)
  std::optional<double> successRate, p50Ms, p90Ms, p99Ms;
};
BOOST_DESCRIBE_STRUCT(ActionStats, (), (runs, errors, successRate, p50Ms, p90Ms, p99Ms))

struct TriggerView {
  std::string type, detail;  // "api", "POST /users/:id"
};
BOOST_DESCRIBE_STRUCT(TriggerView, (), (type, detail))

struct ActionView {
  std::string name;
  std::optional<std::string> module, description;
  std::vector<TriggerView> triggers;
  std::vector<std::string> guards;
  std::optional<std::string> scope;  // what an API key with scopes needs, when no permission guard says
  boost::json::value inputSchema, outputSchema;
  std::string where;
  ActionStats stats;
};
BOOST_DESCRIBE_STRUCT(ActionView, (), (name, module, description, triggers, guards, scope, inputSchema, outputSchema, where, stats))

struct ActionList {
  std::vector<ActionView> items;
};
BOOST_DESCRIBE_STRUCT(ActionList, (), (items))

struct InvokeInput {
  Name name;
  boost::json::value input;
};
BOOST_DESCRIBE_STRUCT(InvokeInput, (), (name, input))

struct InvokeOutput {
  std::string runId, traceId, status;
  boost::json::value output, error;
  double durationMs = 0;
};
BOOST_DESCRIBE_STRUCT(InvokeOutput, (), (runId, traceId, status, output, error, durationMs))

struct Overview {
  std::string app, environment, database;
  std::int64_t actions = 0, runsLastHour = 0, errorsLastHour = 0, pendingJobs = 0, deadJobs = 0, schedules = 0;
  bool saas = false;
};
BOOST_DESCRIBE_STRUCT(Overview, (), (app, environment, database, actions, runsLastHour, errorsLastHour, pendingJobs,
                                     deadJobs, schedules, saas))

struct SignInInput {
  String<MinLength<1>, MaxLength<500>> key;
};
BOOST_DESCRIBE_STRUCT(SignInInput, (), (key))

struct SignedIn {
  bool ok = true;
};
BOOST_DESCRIBE_STRUCT(SignedIn, (), (ok))

// The SaaS cockpit as the dashboard reads it (cockpit_actions.cpp): organizations, members,
// subscriptions and plans.
struct ListOrgsInput {
  std::optional<Name> before;  // an organization id: the page after it (newest first)
  std::optional<Page> limit;   // default 50
};
BOOST_DESCRIBE_STRUCT(ListOrgsInput, (), (before, limit))

struct OrgSummary {
  std::string id, name, slug, createdAt;
  std::int64_t members = 0;
  std::optional<std::string> plan, status;  // the subscription's; absent without plans
};
BOOST_DESCRIBE_STRUCT(OrgSummary, (), (id, name, slug, createdAt, members, plan, status))

struct OrgPage {
  std::vector<OrgSummary> items;
  std::optional<std::string> next;
};
BOOST_DESCRIBE_STRUCT(OrgPage, (), (items, next))

struct CockpitOrgInput {
  Name orgId;
};
BOOST_DESCRIBE_STRUCT(CockpitOrgInput, (), (orgId))

struct MemberView {
  std::string userId, email, name, role, joinedAt;
};
BOOST_DESCRIBE_STRUCT(MemberView, (), (userId, email, name, role, joinedAt))

struct SubscriptionView {
  std::string plan, planName, status, provider;
  std::optional<std::string> trialEndsAt, currentPeriodEnd, pendingPlan, canceledAt;
  bool cancelAtPeriodEnd = false;
};
BOOST_DESCRIBE_STRUCT(SubscriptionView, (),
                      (plan, planName, status, provider, trialEndsAt, currentPeriodEnd, pendingPlan, canceledAt,
                       cancelAtPeriodEnd))

struct OrgDetail {
  OrgSummary org;
  std::vector<MemberView> members;
  std::optional<SubscriptionView> subscription;
};
BOOST_DESCRIBE_STRUCT(OrgDetail, (), (org, members, subscription))

struct PlanFeatureView {
  std::string key, name;
  std::optional<std::int64_t> limit;  // absent: on, without a limit
};
BOOST_DESCRIBE_STRUCT(PlanFeatureView, (), (key, name, limit))

struct PlanView {
  std::string key, name, interval;
  std::int64_t priceCents = 0, trialDays = 0, orgs = 0;
  bool isPublic = true, isDefault = false;
  std::optional<std::string> archivedAt;
  std::vector<PlanFeatureView> features;
};
BOOST_DESCRIBE_STRUCT(PlanView, (),
                      (key, name, interval, priceCents, trialDays, orgs, isPublic, isDefault, archivedAt, features))

struct PlanList {
  std::vector<PlanView> items;
};
BOOST_DESCRIBE_STRUCT(PlanList, (), (items))

// A run id floor for a time: UUIDv7 ids start with their millisecond, so a time range is an
// id range and reads the primary key (run ids are "xxxxxxxx-xxxx-7xxx-...").
std::string run_id_floor(std::chrono::system_clock::time_point t);

RunSummary run_summary(const boost::json::object& row);

}  // namespace bb::admin
