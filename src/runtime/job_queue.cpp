// The job queue (see job_queue.hpp).
#include "bunbase/runtime/job_queue.hpp"

#include <pthread.h>
#include <sodium.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>

#include "bunbase/core/id.hpp"
#include "bunbase/core/time.hpp"
#include "bunbase/db/database.hpp"

namespace bb {

namespace {

using Clock = std::chrono::system_clock;
using std::chrono::milliseconds;

constexpr std::string_view kClaimed =
    "id, action, input, attempts, max_attempts, backoff_ms, max_backoff_ms, timeout_ms, trace_id, parent_run_id, "
    "user_id, org_id";

std::string text(const db::Row& row, std::string_view column) {
  const auto& v = row.at(column);
  return v.is_string() ? std::string(v.as_string()) : std::string();
}

std::int64_t integer(const db::Row& row, std::string_view column) {
  const auto& v = row.at(column);
  return v.is_int64() ? v.as_int64() : 0;
}

// The delay before retry `attempt` (1 = the first retry): backoff * 2^(attempt-1), capped, with
// "equal jitter" (half fixed, half random) so that retries of many jobs spread out.
milliseconds retry_delay(std::int64_t attempt, std::int64_t base_ms, std::int64_t max_ms) {
  std::int64_t d = std::max<std::int64_t>(base_ms, 1);
  for (std::int64_t i = 1; i < attempt && d < max_ms; ++i) d *= 2;
  d = std::min(d, std::max<std::int64_t>(max_ms, 1));
  return milliseconds(d / 2 + static_cast<std::int64_t>(randombytes_uniform(static_cast<std::uint32_t>(d / 2 + 1))));
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    std::string q;
    for (char c : i) q += c == '\'' ? std::string("''") : std::string(1, c);
    out += (out.empty() ? "'" : ", '") + q + "'";
  }
  return out;
}

// The claim statements for a group of workers: the first due pending job (by priority, then
// time), else a running one whose lease expired (its worker died).
//
// SQLite: one UPDATE whose subquery picks the job, read in the order of the jobs_pending index
// (SQLite is told to use it, since it would otherwise pick the status index and sort); writes
// are serialised, so of two claimers one wins.
//
// PostgreSQL: claimers run at once, so the pick locks its row with FOR UPDATE SKIP LOCKED in a
// CTE: a claimer passes over the rows others are claiming instead of queueing behind them
// (and, once it holds the lock, PostgreSQL checks the row still matches, so a job another
// claimer just took is never taken twice). The UPDATE then only touches the locked row.
std::string claim_sql(const std::vector<std::string>& queues, bool others, bool expired, bool sqlite) {
  std::string filter = queues.empty() ? "1 = 1"
                                      : std::string("queue ") + (others ? "NOT IN (" : "IN (") + quoted_list(queues) + ")";
  std::string pick =
      expired ? "SELECT id FROM jobs WHERE status = 'running' AND lease_until < $3 AND " + filter + " LIMIT 1"
              : std::string("SELECT id FROM jobs") + (sqlite ? " INDEXED BY jobs_pending" : "") +
                    " WHERE status = 'pending' AND run_at <= $3 AND " + filter +
                    " ORDER BY priority DESC, run_at, id LIMIT 1";
  const std::string set =
      "UPDATE jobs SET status = 'running', attempts = attempts + 1, worker_id = $1, lease_until = $2, updated_at = $3 ";
  if (sqlite) return set + "WHERE id = (" + pick + ") RETURNING " + std::string(kClaimed);
  return "WITH picked AS (" + pick + " FOR UPDATE SKIP LOCKED) " + set +
         "WHERE id IN (SELECT id FROM picked) RETURNING " + std::string(kClaimed);
}

}  // namespace

JobQueue::JobQueue(const Registry& registry, Executor& executor, db::Database& db, LogSink& log, Config::Queue options,
                   std::chrono::seconds event_retention)
    : registry_(registry),
      executor_(executor),
      db_(db),
      log_(&log, LogScope{.action = "job queue"}),
      options_(std::move(options)),
      event_retention_(event_retention),
      instance_(new_id().substr(24)) {
  std::vector<std::string> listed;
  for (const auto& [name, workers] : options_.queues) {
    listed.push_back(name);
    groups_.push_back({.queues = {name}, .others = false, .workers = workers});
  }
  groups_.push_back({.queues = listed, .others = true, .workers = options_.workers});
  const bool sqlite = db_.dialect() == "sqlite";
  for (auto& g : groups_) {
    g.claim_sql = claim_sql(g.queues, g.others, false, sqlite);
    g.reclaim_sql = claim_sql(g.queues, g.others, true, sqlite);
  }
}

JobQueue::~JobQueue() { stop(); }

Enqueued JobQueue::enqueue(std::string_view action, const boost::json::value& input, const JobOptions& o,
                           const Context* from) {
  const RegisteredAction* ra = registry_.find(action);
  if (!ra)
    throw Error(ErrorCode::not_found, "cannot enqueue the unknown action \"" + std::string(action) + "\"")
        .with_code("action_not_found");
  std::vector<ValidationIssue> issues;
  if (!validate(ra->action->input->root(), input, issues)) throw validation_error(issues);
  if (o.max_attempts < 1) throw Error(ErrorCode::invalid_argument, "max_attempts must be at least 1");
  if (o.queue.empty() || o.queue.size() > 100) throw Error(ErrorCode::invalid_argument, "a queue needs a name");

  const auto now = Clock::now();
  const std::string id = new_id(), created = iso_time(now);
  const std::string run_at = iso_time(o.run_at ? *o.run_at : now + o.delay);
  const milliseconds timeout = o.timeout.count() > 0 ? o.timeout : milliseconds(options_.timeout);
  std::string user_id, org_id, trace_id, parent;
  if (from) {
    if (from->auth.is_user()) user_id = from->auth.user_id, org_id = from->auth.org_id;
    trace_id = from->trace_id;
    parent = from->run_id;
  }
  auto null_if_empty = [](const std::string& s) { return s.empty() ? db::Value(nullptr) : db::Value(s); };
  const std::int64_t inserted = db_.exec(
      "INSERT INTO jobs (id, queue, action, input, priority, max_attempts, backoff_ms, max_backoff_ms, timeout_ms, "
      "unique_key, run_at, trace_id, parent_run_id, user_id, org_id, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) "
      "ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND status IN ('pending', 'running') DO NOTHING",
      {id, o.queue, ra->name(), boost::json::serialize(input), o.priority, o.max_attempts,
       static_cast<std::int64_t>(o.backoff.count()), static_cast<std::int64_t>(o.max_backoff.count()),
       static_cast<std::int64_t>(timeout.count()), null_if_empty(o.unique_key), run_at, null_if_empty(trace_id),
       null_if_empty(parent), null_if_empty(user_id), null_if_empty(org_id), created});
  if (inserted == 0) {
    auto existing = db_.query_one(
        "SELECT id FROM jobs WHERE unique_key = $1 AND status IN ('pending', 'running')", {o.unique_key});
    if (!existing) return enqueue(action, input, o, from);  // it finished in between: add ours
    return {text(*existing, "id"), true};
  }
  enqueued_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(mutex_);
    ++signal_;
  }
  wake_.notify_one();  // one job: one worker looks (the others keep polling)
  return {id, false};
}

bool JobQueue::claim_and_run(const Group& group, const std::string& worker_id) {
  const auto now = Clock::now();
  const std::string until = iso_time(now + options_.lease), at = iso_time(now);
  auto rows = db_.query(group.claim_sql, {worker_id, until, at});
  if (rows.empty()) rows = db_.query(group.reclaim_sql, {worker_id, until, at});
  if (rows.empty()) return false;
  const db::Row& job = rows.front().as_object();
  const std::string id = text(job, "id"), action = text(job, "action");
  const std::int64_t attempt = integer(job, "attempts"), max_attempts = integer(job, "max_attempts");
  const std::string finished_where = "id = $1 AND worker_id = $2 AND attempts = $3 AND status = 'running'";

  auto finish = [&](std::string_view status, const boost::json::object& error, const std::string& run_id) {
    db_.exec("UPDATE jobs SET status = $4, last_error = $5, last_run_id = $6, lease_until = NULL, finished_at = $7, "
             "updated_at = $7 WHERE " + finished_where,
             {id, worker_id, attempt, status, error.empty() ? db::Value(nullptr) : db::Value(boost::json::serialize(error)),
              run_id.empty() ? db::Value(nullptr) : db::Value(run_id), iso_now()});
  };

  if (attempt > max_attempts) {  // its worker died during the last attempt
    finish("dead", {{"code", "worker_lost"}, {"message", "the worker running the last attempt stopped"}}, "");
    dead_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  const RegisteredAction* ra = registry_.find(action);
  if (!ra) {  // the code no longer has the action
    finish("dead", {{"code", "action_not_found"}, {"message", "no action \"" + action + "\" in this app"}}, "");
    dead_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  boost::json::value input;
  try {
    input = boost::json::parse(text(job, "input"));
  } catch (const std::exception&) {
    input = boost::json::object();
  }
  const std::string detail = "job " + id + " attempt " + std::to_string(attempt);
  const std::string trace = text(job, "trace_id"), parent = text(job, "parent_run_id");
  Auth auth = Auth::system();
  if (auto user = text(job, "user_id"); !user.empty()) {
    auth = Auth::user(user);
    auth.org_id = text(job, "org_id");
  }
  Invocation inv{.action = ra,
                 .input = std::move(input),
                 .trigger_type = "queue",
                 .trigger_detail = detail,
                 .auth = std::move(auth),
                 .trace_id = trace,
                 .parent_run_id = parent};
  const milliseconds timeout(integer(job, "timeout_ms"));
  {
    std::lock_guard lock(mutex_);
    running_[id] = {worker_id, attempt,
                    timeout.count() > 0 ? Clock::now() + timeout : Clock::time_point::max()};
  }
  const auto started = std::chrono::steady_clock::now();
  RunResult r = executor_.run(inv);
  const auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  {
    std::lock_guard lock(mutex_);
    running_.erase(id);
  }

  if (r.ok()) {
    finish("completed", {}, r.run_id);
    completed_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  boost::json::object error = error_record(*r.error);
  if (timeout.count() > 0 && took > timeout) error["timedOut"] = true;
  if (attempt >= max_attempts) {
    finish("dead", error, r.run_id);
    dead_.fetch_add(1, std::memory_order_relaxed);
    log_.warn("job dead after its last attempt", {{"job", id}, {"action", action}, {"attempts", attempt}});
    return true;
  }
  const auto next = Clock::now() + retry_delay(attempt, integer(job, "backoff_ms"), integer(job, "max_backoff_ms"));
  db_.exec("UPDATE jobs SET status = 'pending', run_at = $4, last_error = $5, last_run_id = $6, lease_until = NULL, "
           "worker_id = NULL, updated_at = $7 WHERE " + finished_where,
           {id, worker_id, attempt, iso_time(next), boost::json::serialize(error), r.run_id, iso_now()});
  retried_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void JobQueue::worker(const Group* group, int index) {
  pthread_setname_np(pthread_self(), "bb-jobs");
  const std::string worker_id = instance_ + "-" + std::to_string(index);
  std::uint64_t seen = 0;
  bool failing = false;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      seen = signal_;
    }
    bool ran = false;
    try {
      ran = claim_and_run(*group, worker_id);
      failing = false;
    } catch (const std::exception& e) {  // the database is away: try again after a poll
      if (!failing) log_.error("job worker", {{"error", e.what()}});
      failing = true;
    }
    if (ran) continue;
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, milliseconds(options_.poll_ms), [&] { return stopping_ || signal_ != seen; });
  }
}

void JobQueue::housekeeping() {
  pthread_setname_np(pthread_self(), "bb-jobs-keep");
  const auto beat = std::max<milliseconds>(milliseconds(200), std::chrono::duration_cast<milliseconds>(options_.lease) / 3);
  auto last_prune = Clock::time_point();
  bool failing = false;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      // Heartbeat: the leases of this instance's running jobs, unless past their timeout (then
      // the lease runs out and another worker may take the job again).
      const auto now = Clock::now();
      std::vector<std::pair<std::string, Running>> alive;
      {
        std::lock_guard guard(mutex_);
        for (const auto& [id, r] : running_)
          if (r.deadline > now) alive.emplace_back(id, r);
      }
      const std::string until = iso_time(now + options_.lease);
      for (const auto& [id, r] : alive)
        db_.exec("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND worker_id = $3 AND attempts = $4 AND "
                 "status = 'running'",
                 {until, id, r.worker, r.attempt});
      if (now - last_prune > std::chrono::minutes(1)) {
        prune();
        last_prune = now;
      }
      failing = false;
    } catch (const std::exception& e) {
      if (!failing) log_.error("job housekeeping", {{"error", e.what()}});
      failing = true;
    }
    lock.lock();
    wake_.wait_for(lock, beat, [&] { return stopping_; });
  }
}

void JobQueue::prune() {
  const auto now = Clock::now();
  db_.exec("DELETE FROM jobs WHERE status IN ('completed', 'cancelled') AND finished_at < $1",
           {iso_time(now - options_.retention)});
  db_.exec("DELETE FROM events WHERE emitted_at < $1", {iso_time(now - event_retention_)});
  db_.exec("DELETE FROM webhook_deliveries WHERE received_at < $1", {iso_time(now - std::chrono::hours(24 * 30))});
}

void JobQueue::start() {
  std::lock_guard lock(mutex_);
  if (!threads_.empty()) return;
  stopping_ = false;
  int index = 0;
  for (const auto& g : groups_)
    for (int i = 0; i < g.workers; ++i) threads_.emplace_back([this, &g, n = index++] { worker(&g, n); });
  threads_.emplace_back([this] { housekeeping(); });
}

void JobQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

int JobQueue::run_due() {
  int ran = 0;
  const std::string worker_id = instance_ + "-now";
  for (const auto& g : groups_)
    while (claim_and_run(g, worker_id)) ++ran;
  return ran;
}

JobQueue::Stats JobQueue::stats() const {
  return {enqueued_.load(), completed_.load(), retried_.load(), dead_.load()};
}

}  // namespace bb
