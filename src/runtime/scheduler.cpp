// The cron scheduler (see scheduler.hpp).
#include "bunbase/runtime/scheduler.hpp"

#include <pthread.h>

#include <map>

#include "bunbase/core/time.hpp"
#include "bunbase/db/database.hpp"

namespace bb {

namespace {

using Clock = std::chrono::system_clock;

std::string text(const db::Row& row, std::string_view column) {
  const auto& v = row.at(column);
  return v.is_string() ? std::string(v.as_string()) : std::string();
}

}  // namespace

std::vector<Scheduler::Entry> Scheduler::check(const Registry& registry) {
  std::vector<Entry> out;
  for (const auto& a : registry.actions()) {
    int n = 0;
    for (const auto& t : a->action->options.triggers) {
      const auto* c = std::get_if<CronTrigger>(&t.spec);
      if (!c) continue;
      ++n;
      try {
        cron::check_zone(c->options.timezone);
        out.push_back({n == 1 ? a->name() : a->name() + "#" + std::to_string(n), a.get(), c, cron::parse(c->expression)});
      } catch (const std::exception& e) {
        throw std::runtime_error("action " + a->name() + " (" + a->where() + "): " + e.what());
      }
    }
  }
  return out;
}

Scheduler::Scheduler(const Registry& registry, Executor& executor, db::Database& db, LogSink& log, Config::Cron options)
    : executor_(executor),
      db_(db),
      log_(&log, LogScope{.action = "scheduler"}),
      options_(std::move(options)),
      entries_(check(registry)) {}

Scheduler::~Scheduler() { stop(); }

std::optional<Clock::time_point> Scheduler::next_after(const std::string& id, Clock::time_point after) const {
  for (const auto& e : entries_)
    if (e.id == id) return cron::next(e.schedule, after, e.trigger->options.timezone);
  return std::nullopt;
}

void Scheduler::sync() {
  const auto now = Clock::now();
  const std::string stamp = iso_time(now);
  db_.transaction([&](db::Database& tx) {
    std::map<std::string, db::Row> stored;
    for (const auto& r : tx.query("SELECT id, action, cron_expression, timezone, next_run_at FROM scheduled_jobs"))
      stored.emplace(text(r.as_object(), "id"), r.as_object());
    for (const auto& e : entries_) {
      auto next = cron::next(e.schedule, now, e.trigger->options.timezone);
      const db::Value next_value = next ? db::Value(iso_time(*next)) : db::Value(nullptr);
      auto it = stored.find(e.id);
      if (it == stored.end()) {
        // Another instance starting now may insert it first (on PostgreSQL its transaction
        // runs beside this one): the row is the same, keep theirs.
        tx.exec("INSERT INTO scheduled_jobs (id, action, cron_expression, timezone, next_run_at, updated_at) "
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                {e.id, e.action->name(), e.trigger->expression, e.trigger->options.timezone, next_value, stamp});
        continue;
      }
      const db::Row& row = it->second;
      const bool changed = text(row, "cron_expression") != e.trigger->expression ||
                           text(row, "timezone") != e.trigger->options.timezone;
      const std::string due = text(row, "next_run_at");
      const bool missed = !due.empty() && due <= stamp;
      // A changed schedule starts afresh; a missed tick stays due (once) or moves on (skip).
      if (changed || due.empty() || (missed && options_.catch_up == "skip"))
        tx.exec("UPDATE scheduled_jobs SET cron_expression = $2, timezone = $3, next_run_at = $4, updated_at = $5 "
                "WHERE id = $1",
                {e.id, e.trigger->expression, e.trigger->options.timezone, next_value, stamp});
      else if (missed)
        log_.info("a tick was missed while the app was down: it runs once now", {{"schedule", e.id}, {"due", due}});
      stored.erase(it);
    }
    for (const auto& [id, row] : stored) tx.exec("DELETE FROM scheduled_jobs WHERE id = $1", {id});
  });
}

bool Scheduler::run_tick(const Entry& e, const std::string& due) {
  const auto now = Clock::now();
  // From now, not from the missed tick: a long outage runs once, not once per missed tick.
  auto next = cron::next(e.schedule, std::max(now, parse_iso_time(due).value_or(now)), e.trigger->options.timezone);
  const std::string stamp = iso_time(now);
  if (db_.exec("UPDATE scheduled_jobs SET next_run_at = $3, last_run_at = $4, updated_at = $4 "
               "WHERE id = $1 AND next_run_at = $2 AND enabled",
               {e.id, due, next ? db::Value(iso_time(*next)) : db::Value(nullptr), stamp}) != 1)
    return false;  // another instance took this tick, or it was paused
  const std::string detail = e.trigger->expression + " @ " + due;
  Invocation inv{.action = e.action,
                 .input = e.trigger->options.input,
                 .trigger_type = "cron",
                 .trigger_detail = detail,
                 .auth = Auth::system()};
  RunResult r = executor_.run(inv);
  db_.exec("UPDATE scheduled_jobs SET last_run_id = $2, last_status = $3 WHERE id = $1",
           {e.id, r.run_id, r.ok() ? "success" : "error"});
  return true;
}

int Scheduler::run_due() {
  int ran = 0;
  const std::string now = iso_now();
  for (const auto& e : entries_) {
    auto row = db_.query_one("SELECT next_run_at FROM scheduled_jobs WHERE id = $1 AND enabled", {e.id});
    if (!row) continue;
    const std::string due = text(*row, "next_run_at");
    if (!due.empty() && due <= now && run_tick(e, due)) ++ran;
  }
  return ran;
}

void Scheduler::loop() {
  pthread_setname_np(pthread_self(), "bb-cron");
  std::unique_lock lock(mutex_);
  bool synced = false, failing = false;
  while (!stopping_) {
    lock.unlock();
    auto wake_at = Clock::now() + std::chrono::seconds(1);  // other instances' and the actions' changes
    try {
      if (!synced) sync();  // retried until the database is migrated
      synced = true;
      run_due();
      for (const auto& r : db_.query("SELECT next_run_at FROM scheduled_jobs WHERE enabled AND next_run_at IS NOT NULL "
                                     "ORDER BY next_run_at LIMIT 1"))
        if (auto t = parse_iso_time(text(r.as_object(), "next_run_at"))) wake_at = std::min(wake_at, *t);
      failing = false;
    } catch (const std::exception& e) {  // reported once per outage, not every second
      if (!failing) log_.error("scheduler", {{"error", e.what()}});
      failing = true;
    }
    lock.lock();
    wake_.wait_until(lock, wake_at, [&] { return stopping_ || woken_; });
    woken_ = false;
  }
}

void Scheduler::start() {
  if (entries_.empty() || thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

}  // namespace bb
