// overview, listActions, invokeAction, and the page's sign-in with the admin key.
#include <bunbase/bunbase.hpp>

#include <algorithm>

#include "bunbase/guards.hpp"
#include "bunbase/runtime/executor.hpp"
#include "bunbase/auth/identity.hpp"
#include "src/admin/admin_access.hpp"
#include "src/admin/admin_feature.hpp"
#include "src/admin/admin_types.hpp"
#include "src/admin/rows.hpp"

namespace bb::admin {

namespace {

App& app_of(const AdminLink& link) {
  if (!link->app) throw Error(ErrorCode::unavailable, "the dashboard is not attached to an app");
  return *link->app;
}

std::int64_t count(db::Database& db, std::string_view sql, std::initializer_list<db::Value> params = {}) {
  auto row = db.query_one(sql, params);
  return row ? integer(*row, "n") : 0;
}

std::string join_path(std::string_view prefix, std::string_view path) {
  std::string out(prefix);
  if (path != "/" || out.empty()) out += path;
  return out;
}

TriggerView trigger_view(const RegisteredAction& a, const Trigger& t) {
  if (const auto* api = std::get_if<ApiTrigger>(&t.spec)) return {"api", api->method + " " + join_path(a.api_prefix(), api->path)};
  if (const auto* w = std::get_if<WebhookTrigger>(&t.spec)) return {"webhook", "POST " + join_path(a.api_prefix(), w->path)};
  if (const auto* e = std::get_if<EventTrigger>(&t.spec)) return {"event", e->pattern};
  if (const auto* c = std::get_if<CronTrigger>(&t.spec)) return {"cron", c->expression + " (" + c->options.timezone + ")"};
  const auto* tool = std::get_if<ToolTrigger>(&t.spec);
  return {"tool", tool && !tool->options.name.empty() ? tool->options.name : a.name()};
}

double percentile(std::vector<double>& sorted, double p) {
  const std::size_t i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

// The last 500 runs of the action (its index on (action_name, id) reads just those).
ActionStats stats_of(db::Database& db, const std::string& action) {
  ActionStats s;
  std::vector<double> durations;
  for (const auto& r : db.query(
           "SELECT status, duration_ms FROM action_runs WHERE action_name = $1 ORDER BY id DESC LIMIT 500", {action})) {
    const auto& o = r.as_object();
    ++s.runs;
    if (text(o, "status") == "error") ++s.errors;
    durations.push_back(number(o, "duration_ms"));
  }
  if (durations.empty()) return s;
  std::sort(durations.begin(), durations.end());
  s.successRate = static_cast<double>(s.runs - s.errors) / static_cast<double>(s.runs);
  s.p50Ms = percentile(durations, 0.50);
  s.p90Ms = percentile(durations, 0.90);
  s.p99Ms = percentile(durations, 0.99);
  return s;
}

}  // namespace

Action overview(AdminLink link) {
  return action<Empty, Overview>(
      {.name = "adminOverview",
       .description = "The app at a glance: actions, runs and errors of the last hour, jobs waiting and dead",
       .triggers = {triggers::api("GET", "/overview")},
       .record = false},
      [link](const Empty&, Context& ctx) {
        App& app = app_of(link);
        Overview o;
        o.app = std::string(app.manifest().name);
        o.environment = app.config().environment;
        o.database = std::string(ctx.db.dialect());
        o.actions = static_cast<std::int64_t>(app.registry().actions().size());
        const std::string hour_ago = run_id_floor(std::chrono::system_clock::now() - std::chrono::hours(1));
        o.runsLastHour = count(ctx.db, "SELECT count(*) AS n FROM action_runs WHERE id >= $1", {hour_ago});
        o.errorsLastHour =
            count(ctx.db, "SELECT count(*) AS n FROM action_runs WHERE status = 'error' AND id >= $1", {hour_ago});
        o.pendingJobs = count(ctx.db, "SELECT count(*) AS n FROM jobs WHERE status = 'pending'");
        o.deadJobs = count(ctx.db, "SELECT count(*) AS n FROM jobs WHERE status = 'dead'");
        o.schedules = count(ctx.db, "SELECT count(*) AS n FROM scheduled_jobs");
        o.saas = app.config().saas.organizations;
        return o;
      });
}

Action list_actions(AdminLink link) {
  return action<Empty, ActionList>(
      {.name = "listActions",
       .description = "Every action: module, triggers, guards, input and output schema, and its recent runs' figures",
       .triggers = {triggers::api("GET", "/actions")},
       .record = false},
      [link](const Empty&, Context& ctx) {
        ActionList out;
        for (const auto& a : app_of(link).registry().actions()) {
          ActionView v;
          v.name = a->name();
          if (!a->module_name().empty()) v.module = std::string(a->module_name());
          if (!a->action->options.description.empty()) v.description = a->action->options.description;
          for (const auto& t : a->action->options.triggers) v.triggers.push_back(trigger_view(*a, t));
          for (const auto& g : a->guards) v.guards.push_back(g.name);
          if (!a->action->options.scope.empty()) v.scope = a->action->options.scope;
          v.inputSchema = a->action->input->to_json_schema();
          v.outputSchema = a->action->output->to_json_schema();
          v.where = a->where();
          v.stats = stats_of(ctx.db, a->name());
          out.items.push_back(std::move(v));
        }
        return out;
      });
}

Action invoke_action(AdminLink link) {
  return action<InvokeInput, InvokeOutput>(
      {.name = "invokeAction",
       .description = "Runs an action with the given input through the executor (trigger \"admin\", system principal), "
                      "its guards and validation included; a refused or failed run is reported, not thrown",
       .triggers = {triggers::api("POST", "/actions/:name/invoke")},
       .record = false},
      [link](const InvokeInput& in, Context&) {
        App& app = app_of(link);
        if (!app.registry().find(in.name))
          throw Error(ErrorCode::not_found, "no action \"" + std::string(in.name) + "\"").with_code("action_not_found");
        RunResult r = app.invoke(in.name, in.input.is_null() ? boost::json::value(boost::json::object()) : in.input,
                                 {.trigger_type = "admin", .trigger_detail = "dashboard", .auth = Auth::system()});
        InvokeOutput out;
        out.runId = r.run_id;
        out.traceId = r.trace_id;
        out.status = r.ok() ? "success" : "error";
        out.output = r.output;
        if (r.error) out.error = error_record(*r.error);
        out.durationMs = r.duration_ms;
        return out;
      });
}

Action sign_in() {
  return action<SignInInput, SignedIn>(
      {.name = "adminSignIn",
       .description = "The dashboard page's sign-in: a right admin key sets it in an HttpOnly cookie for /_admin",
       .triggers = {triggers::api("POST", "/session")},
       .guards = {guards::rate_limit({.limit = 10, .window = std::chrono::seconds(60)})},
       .redact = {"key"},
       .record = false},
      [](const SignInInput& in, Context& ctx) {
        const Config& config = *ctx.config;
        if (!key_matches(config.dashboard.key, in.key)) throw GuardError(401, "this admin key is not the dashboard's");
        if (ctx.response)
          ctx.response->set_cookie(kKeyCookie, in.key,
                                   {.max_age = 12 * 3600, .path = "/_admin", .secure = auth::secure_cookies(ctx),
                                    .same_site = "Strict"});
        return SignedIn{};
      });
}

Action sign_out() {
  return action<Empty, SignedIn>(
      {.name = "adminSignOut",
       .description = "Forgets the dashboard's admin cookie",
       .triggers = {triggers::api("DELETE", "/session")},
       .record = false},
      [](const Empty&, Context& ctx) {
        if (ctx.response)
          ctx.response->set_cookie(kKeyCookie, "", {.max_age = 0, .path = "/_admin", .secure = auth::secure_cookies(ctx),
                                                    .same_site = "Strict"});
        return SignedIn{};
      });
}

}  // namespace bb::admin
