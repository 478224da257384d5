// listRuns, getRun, searchLogs, runStats: the run history as the dashboard reads it. Pages are
// keyset scans newest first (id < before), so the millionth row costs what the first does; a
// time range is an id range (run ids are UUIDv7, time-ordered).
#include <bunbase/bunbase.hpp>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <map>

#include "src/admin/admin_feature.hpp"
#include "src/admin/admin_types.hpp"
#include "src/admin/rows.hpp"

namespace bb::admin {

namespace {

using Clock = std::chrono::system_clock;

boost::json::value parsed(const boost::json::object& row, std::string_view column) {
  auto t = text_or_null(row, column);
  if (!t) return nullptr;
  boost::system::error_code ec;
  auto v = boost::json::parse(*t, ec);
  return ec ? boost::json::value(*t) : v;
}

// A filter's time. Bounded: system_clock counts nanoseconds, which end in 2262.
Clock::time_point time_of(const std::string& iso) {
  const int year = std::atoi(iso.c_str());
  auto t = year < 1970 || year > 2200 ? std::nullopt : parse_iso_time(iso);
  if (!t)
    throw Error(ErrorCode::invalid_argument,
                "expected a time between 1970 and 2200 such as 2026-11-25T10:00:00Z, got \"" + iso + "\"")
        .with_code("bad_time");
  return *t;
}

constexpr std::string_view kRunColumns =
    "id, action_name, module_name, trigger_type, trigger_detail, status, duration_ms, started_at, trace_id, "
    "parent_run_id, error";

// Builds "AND column op $n" clauses with their parameters.
struct Where {
  std::string sql;
  std::vector<db::Value> params;
  void add(std::string_view clause, db::Value v) {
    params.push_back(std::move(v));
    sql += " AND " + std::string(clause) + " $" + std::to_string(params.size());
  }
};

constexpr int kLevels = 4;
int level_rank(std::string_view level) {
  constexpr std::string_view names[kLevels] = {"debug", "info", "warn", "error"};
  for (int i = 0; i < kLevels; ++i)
    if (names[i] == level) return i;
  return 0;
}

LogView log_view(const boost::json::object& row) {
  LogView l;
  l.id = integer(row, "id");
  l.runId = text_or_null(row, "run_id");
  l.action = text_or_null(row, "action_name");
  l.level = text(row, "level");
  l.message = text(row, "message");
  l.meta = parsed(row, "meta");
  if (l.meta.is_null()) l.meta = boost::json::object();
  l.createdAt = text(row, "created_at");
  return l;
}

}  // namespace

std::string run_id_floor(Clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  char buf[64];
  const unsigned long long v = ms < 0 ? 0ULL : static_cast<unsigned long long>(ms);
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-0000-0000-000000000000", (v >> 16) & 0xFFFFFFFFULL, v & 0xFFFFULL);
  return buf;
}

RunSummary run_summary(const boost::json::object& row) {
  RunSummary r;
  r.id = text(row, "id");
  r.action = text(row, "action_name");
  r.module = text_or_null(row, "module_name");
  r.trigger = text(row, "trigger_type");
  r.triggerDetail = text_or_null(row, "trigger_detail");
  r.status = text(row, "status");
  r.durationMs = number(row, "duration_ms");
  r.startedAt = text(row, "started_at");
  r.traceId = text(row, "trace_id");
  r.parentRunId = text_or_null(row, "parent_run_id");
  if (auto e = parsed(row, "error"); e.is_object()) {
    if (const auto* c = e.as_object().if_contains("code"); c && c->is_string()) r.errorCode = std::string(c->as_string());
    if (const auto* m = e.as_object().if_contains("message"); m && m->is_string())
      r.errorMessage = std::string(m->as_string());
  }
  return r;
}

Action list_runs() {
  return action<ListRunsInput, RunPage>(
      {.name = "listRuns",
       .description = "The run history, newest first: by action, status, trigger, trace and time (keyset pages: before)",
       .triggers = {triggers::api("GET", "/runs")},
       .record = false},
      [](const ListRunsInput& in, Context& ctx) {
        Where w;
        if (in.action) w.add("action_name =", std::string(*in.action));
        if (in.status) w.add("status =", std::string(*in.status));
        if (in.trigger) w.add("trigger_type =", std::string(*in.trigger));
        if (in.traceId) w.add("trace_id =", std::string(*in.traceId));
        if (in.since) w.add("id >=", run_id_floor(time_of(*in.since)));
        if (in.until) w.add("id <", run_id_floor(time_of(*in.until) + std::chrono::milliseconds(1)));
        if (in.before) w.add("id <", std::string(*in.before));
        const std::int64_t limit = in.limit ? in.limit->value : 50;
        auto rows = ctx.db.query("SELECT " + std::string(kRunColumns) + " FROM action_runs WHERE 1 = 1" + w.sql +
                                     " ORDER BY id DESC LIMIT " + std::to_string(limit + 1),
                                 db::Params(w.params.data(), w.params.size()));
        RunPage page;
        for (const auto& r : rows) page.items.push_back(run_summary(r.as_object()));
        close_page(page, limit);
        return page;
      });
}

Action get_run(AdminLink link) {
  return action<RunIdInput, RunDetail>(
      {.name = "getRun",
       .description = "A run with its input, output or error, its logs and its whole trace (runs, events, jobs)",
       .triggers = {triggers::api("GET", "/runs/:id")},
       .record = false},
      [link](const RunIdInput& in, Context& ctx) {
        auto row = ctx.db.query_one("SELECT " + std::string(kRunColumns) + ", input, output FROM action_runs WHERE id = $1",
                                    {std::string(in.id)});
        if (!row) throw Error(ErrorCode::not_found, "no run " + std::string(in.id) + " (yet: runs are written every few seconds)").with_code("run_not_found");
        RunDetail d;
        d.run = run_summary(*row);
        d.input = parsed(*row, "input");
        d.output = parsed(*row, "output");
        d.error = parsed(*row, "error");
        if (link->app)
          if (const auto* ra = link->app->registry().find(d.run.action))
            for (const auto& g : ra->guards) d.guards.push_back(g.name);
        for (const auto& l : ctx.db.query(
                 "SELECT id, run_id, level, message, meta, created_at FROM action_logs WHERE run_id = $1 ORDER BY id",
                 {d.run.id}))
          d.logs.push_back(log_view(l.as_object()));
        d.trace.traceId = d.run.traceId;
        for (const auto& r : ctx.db.query("SELECT " + std::string(kRunColumns) +
                                              " FROM action_runs WHERE trace_id = $1 ORDER BY id LIMIT 1000",
                                          {d.run.traceId}))
          d.trace.runs.push_back(run_summary(r.as_object()));
        for (const auto& e : ctx.db.query(
                 "SELECT id, name, run_id, emitted_at FROM events WHERE trace_id = $1 ORDER BY id LIMIT 1000",
                 {d.run.traceId})) {
          const auto& o = e.as_object();
          d.trace.events.push_back({text(o, "id"), text(o, "name"), text_or_null(o, "run_id"), text(o, "emitted_at")});
        }
        for (const auto& j : ctx.db.query("SELECT id, action, status, parent_run_id, last_run_id, attempts FROM jobs "
                                          "WHERE trace_id = $1 ORDER BY id LIMIT 1000",
                                          {d.run.traceId})) {
          const auto& o = j.as_object();
          d.trace.jobs.push_back({text(o, "id"), text(o, "action"), text(o, "status"), text_or_null(o, "parent_run_id"),
                                  text_or_null(o, "last_run_id"),
                                  integer(o, "attempts")});
        }
        return d;
      });
}

Action search_logs() {
  return action<SearchLogsInput, LogPage>(
      {.name = "searchLogs",
       .description = "Logs across runs, newest first: a level and above, text in the message, an action, a time range",
       .triggers = {triggers::api("GET", "/logs")},
       .record = false},
      [](const SearchLogsInput& in, Context& ctx) {
        Where w;
        if (in.level && level_rank(*in.level) > 0) {
          std::string levels;
          for (int i = level_rank(*in.level); i < kLevels; ++i) {
            constexpr std::string_view names[kLevels] = {"debug", "info", "warn", "error"};
            levels += (levels.empty() ? "'" : ", '") + std::string(names[i]) + "'";
          }
          w.sql += " AND l.level IN (" + levels + ")";
        }
        if (in.q && !in.q->empty()) {
          std::string pattern = "%";
          for (char c : *in.q) {
            if (c == '%' || c == '_' || c == '\\') pattern += '\\';
            pattern += c;
          }
          w.add("l.message LIKE", pattern + "%");
          w.sql += " ESCAPE '\\'";
        }
        if (in.action) w.add("r.action_name =", std::string(*in.action));
        if (in.since) w.add("l.created_at >=", iso_time(time_of(*in.since)));
        if (in.until) w.add("l.created_at <=", iso_time(time_of(*in.until)));
        if (in.before) w.add("l.id <", in.before->value);
        const std::int64_t limit = in.limit ? in.limit->value : 100;
        auto rows = ctx.db.query(
            "SELECT l.id, l.run_id, r.action_name, l.level, l.message, l.meta, l.created_at FROM action_logs l "
            "LEFT JOIN action_runs r ON r.id = l.run_id WHERE 1 = 1" +
                w.sql + " ORDER BY l.id DESC LIMIT " + std::to_string(limit + 1),
            db::Params(w.params.data(), w.params.size()));
        LogPage page;
        for (const auto& r : rows) page.items.push_back(log_view(r.as_object()));
        close_page(page, limit);
        return page;
      });
}

Action run_stats() {
  return action<StatsInput, RunStats>(
      {.name = "runStats",
       .description = "Runs per minute by status over the last minutes (default 60)",
       .triggers = {triggers::api("GET", "/stats")},
       .record = false},
      [](const StatsInput& in, Context& ctx) {
        const std::int64_t minutes = in.minutes ? in.minutes->value : 60;
        const auto now = Clock::now();
        const auto from = std::chrono::floor<std::chrono::minutes>(now) - std::chrono::minutes(minutes - 1);
        std::map<std::string, MinuteCount> by_minute;
        for (auto t = from; t <= now; t += std::chrono::minutes(1)) {
          const std::string m = iso_time(t).substr(0, 16);
          by_minute[m].minute = m;
        }
        for (const auto& r : ctx.db.query("SELECT substr(started_at, 1, 16) AS minute, status, count(*) AS n "
                                          "FROM action_runs WHERE id >= $1 GROUP BY 1, 2",
                                          {run_id_floor(from)})) {
          const auto& o = r.as_object();
          auto it = by_minute.find(text(o, "minute"));
          if (it == by_minute.end()) continue;
          (text(o, "status") == "error" ? it->second.error : it->second.success) += integer(o, "n");
        }
        RunStats out;
        for (auto& [m, c] : by_minute) out.perMinute.push_back(std::move(c));
        return out;
      });
}

}  // namespace bb::admin
