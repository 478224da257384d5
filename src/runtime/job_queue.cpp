// The job queue (see job_queue.hpp).
#include "bunbase/runtime/job_queue.hpp"

#include <pthread.h>
#include <sodium.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <optional>
#include <tuple>

#include "bunbase/core/id.hpp"
#include "bunbase/core/time.hpp"
#include "bunbase/db/database.hpp"

namespace bb {

namespace {

using Clock = std::chrono::system_clock;
using std::chrono::milliseconds;

constexpr std::string_view kClaimed =
    "id, action, input, attempts, max_attempts, backoff_ms, max_backoff_ms, timeout_ms, trace_id, parent_run_id, "
    "user_id, org_id, priority, run_at";
constexpr std::string_view kJobsChannel = "bunbase_jobs";

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

// The claim statements for a group of workers: up to $4 due pending jobs (by priority, then
// time), else running ones whose lease expired (their worker died).
//
// SQLite: one UPDATE whose subquery picks the jobs, read in the order of the jobs_pending index
// (SQLite is told to use it, since it would otherwise pick the status index and sort); writes
// are serialised, so of two claimers one wins.
//
// PostgreSQL: claimers run at once, so the pick locks its row with FOR UPDATE SKIP LOCKED in a
// CTE: a claimer passes over the rows others are claiming instead of queueing behind them
// (and, once it holds the lock, PostgreSQL checks the row still matches, so a job another
// claimer just took is never taken twice). The UPDATE then only touches the locked rows.
std::string claim_sql(const std::vector<std::string>& queues, bool others, bool expired, bool sqlite) {
  std::string filter = queues.empty() ? "1 = 1"
                                      : std::string("queue ") + (others ? "NOT IN (" : "IN (") + quoted_list(queues) + ")";
  std::string pick =
      expired ? "SELECT id FROM jobs WHERE status = 'running' AND lease_until < $3 AND " + filter + " LIMIT $4"
              : std::string("SELECT id FROM jobs") + (sqlite ? " INDEXED BY jobs_pending" : "") +
                    " WHERE status = 'pending' AND run_at <= $3 AND " + filter +
                    " ORDER BY priority DESC, run_at, id LIMIT $4";
  const std::string set =
      "UPDATE jobs SET status = 'running', attempts = attempts + 1, worker_id = $1, lease_until = $2, updated_at = $3 ";
  if (sqlite) return set + "WHERE id IN (" + pick + ") RETURNING " + std::string(kClaimed);
  return "WITH picked AS (" + pick + " FOR UPDATE SKIP LOCKED) " + set +
         "WHERE id IN (SELECT id FROM picked) RETURNING " + std::string(kClaimed);
}

// The attempts that ended, as a JSON array of Finish rows ($1), applied in one UPDATE. A row
// whose job is no longer this worker's attempt (its lease ran out and another took it, or it was
// cancelled) changes nothing. Completed and dead jobs keep worker_id and get finished_at; a retry
// goes back to pending at its retry time.
std::string finish_sql(bool sqlite) {
  const std::string set =
      "status = f.status, run_at = COALESCE(f.retry_at, jobs.run_at), last_error = f.error, last_run_id = f.run_id, "
      "lease_until = NULL, worker_id = CASE WHEN f.status = 'pending' THEN NULL ELSE jobs.worker_id END, "
      "finished_at = CASE WHEN f.status = 'pending' THEN jobs.finished_at ELSE f.at END, updated_at = f.at ";
  // Only a running job holds a lease. PostgreSQL is told "lease_until IS NOT NULL", not "status =
  // 'running'": the latter lets it scan the partial index of leased jobs (jobs_leased) and
  // hash-join, and on a busy queue that index is mostly dead entries of jobs finished moments
  // ago; this way it looks each row up by primary key.
  const std::string match = std::string("WHERE jobs.id = f.id AND jobs.worker_id = f.worker_id AND jobs.attempts = f.attempts AND ") +
                            (sqlite ? "jobs.status = 'running'" : "jobs.lease_until IS NOT NULL");
  if (sqlite)
    return "UPDATE jobs SET " + set +
           "FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.worker_id') AS worker_id, "
           "json_extract(value, '$.attempts') AS attempts, json_extract(value, '$.status') AS status, "
           "json_extract(value, '$.retry_at') AS retry_at, json_extract(value, '$.error') AS error, "
           "json_extract(value, '$.run_id') AS run_id, json_extract(value, '$.at') AS at FROM json_each($1)) AS f " +
           match;
  return "UPDATE jobs SET " + set +
         "FROM json_to_recordset($1::json) AS f(id text, worker_id text, attempts bigint, status text, retry_at text, "
         "error text, run_id text, at text) " +
         match;
}

// One pending job. On PostgreSQL the insert also notifies the instances' workers ($17: the
// channel); the notification leaves when the enqueuing transaction commits, so a job added
// inside a handler's transaction is announced once it can be claimed.
std::string enqueue_sql(bool sqlite) {
  const std::string insert =
      "INSERT INTO jobs (id, queue, action, input, priority, max_attempts, backoff_ms, max_backoff_ms, timeout_ms, "
      "unique_key, run_at, trace_id, parent_run_id, user_id, org_id, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) "
      "ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND status IN ('pending', 'running') DO NOTHING "
      "RETURNING id";
  if (sqlite) return insert;
  return "WITH added AS (" + insert + ") SELECT id, pg_notify($17, '') FROM added";
}

}  // namespace

JobQueue::JobQueue(const Registry& registry, Executor& executor, db::Database& db, LogSink& log, Config::Queue options,
                   std::chrono::seconds event_retention, std::string notify_url)
    : registry_(registry),
      executor_(executor),
      db_(db),
      log_(&log, LogScope{.action = "job queue"}),
      options_(std::move(options)),
      event_retention_(event_retention),
      instance_(new_id().substr(24)),
      notify_url_(std::move(notify_url)) {
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
  enqueue_sql_ = enqueue_sql(sqlite);
  finish_sql_ = finish_sql(sqlite);
  if (!sqlite) channel_ = db::schema_channel(db_, kJobsChannel);
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
  std::vector<db::Value> params = {
      id, o.queue, ra->name(), boost::json::serialize(input), o.priority, o.max_attempts,
      static_cast<std::int64_t>(o.backoff.count()), static_cast<std::int64_t>(o.max_backoff.count()),
      static_cast<std::int64_t>(timeout.count()), null_if_empty(o.unique_key), run_at, null_if_empty(trace_id),
      null_if_empty(parent), null_if_empty(user_id), null_if_empty(org_id), created};
  if (!channel_.empty()) params.push_back(channel_);
  if (db_.query(enqueue_sql_, db::Params(params)).empty()) {
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

std::vector<JobQueue::Claimed> JobQueue::claim(Group& group, const std::string& worker_id, std::int64_t limit) {
  const auto now = Clock::now();
  const std::string until = iso_time(now + options_.lease), at = iso_time(now);
  auto rows = db_.query(group.claim_sql, {worker_id, until, at, limit});
  if (rows.empty()) rows = db_.query(group.reclaim_sql, {worker_id, until, at, limit});
  std::vector<Claimed> jobs;
  jobs.reserve(rows.size());
  for (const auto& r : rows) {
    const db::Row& row = r.as_object();
    jobs.push_back({.id = text(row, "id"),
                    .action = text(row, "action"),
                    .input = text(row, "input"),
                    .trace_id = text(row, "trace_id"),
                    .parent_run_id = text(row, "parent_run_id"),
                    .user_id = text(row, "user_id"),
                    .org_id = text(row, "org_id"),
                    .run_at = text(row, "run_at"),
                    .worker_id = worker_id,
                    .attempts = integer(row, "attempts"),
                    .max_attempts = integer(row, "max_attempts"),
                    .backoff_ms = integer(row, "backoff_ms"),
                    .max_backoff_ms = integer(row, "max_backoff_ms"),
                    .timeout_ms = integer(row, "timeout_ms"),
                    .priority = integer(row, "priority")});
  }
  // RETURNING keeps no order: run them by priority, then time, like the pick.
  std::sort(jobs.begin(), jobs.end(), [](const Claimed& a, const Claimed& b) {
    return std::tie(b.priority, a.run_at, a.id) < std::tie(a.priority, b.run_at, b.id);
  });
  std::lock_guard lock(mutex_);
  for (const auto& j : jobs) running_[j.id] = {j.worker_id, j.attempts, Clock::time_point::max()};
  return jobs;
}

void JobQueue::run(Claimed& job) {
  auto done = [&](std::string_view status, const boost::json::object& error, const std::string& run_id,
                  std::string retry_at = {}) {
    {
      std::lock_guard lock(mutex_);
      running_.erase(job.id);
    }
    finish({.id = job.id,
            .worker_id = job.worker_id,
            .attempts = job.attempts,
            .status = std::string(status),
            .retry_at = std::move(retry_at),
            .error = error.empty() ? std::string() : boost::json::serialize(error),
            .run_id = run_id});
  };

  if (job.attempts > job.max_attempts) {  // its worker died during the last attempt
    done("dead", {{"code", "worker_lost"}, {"message", "the worker running the last attempt stopped"}}, "");
    return;
  }
  const RegisteredAction* ra = registry_.find(job.action);
  if (!ra) {  // the code no longer has the action
    done("dead", {{"code", "action_not_found"}, {"message", "no action \"" + job.action + "\" in this app"}}, "");
    return;
  }

  boost::json::value input;
  try {
    input = boost::json::parse(job.input);
  } catch (const std::exception&) {
    input = boost::json::object();
  }
  Auth auth = Auth::system();
  if (!job.user_id.empty()) {
    auth = Auth::user(job.user_id);
    auth.org_id = job.org_id;
  }
  const std::string detail = "job " + job.id + " attempt " + std::to_string(job.attempts);  // borrowed by inv
  Invocation inv{.action = ra,
                 .input = std::move(input),
                 .trigger_type = "queue",
                 .trigger_detail = detail,
                 .auth = std::move(auth),
                 .trace_id = job.trace_id,
                 .parent_run_id = job.parent_run_id};
  const milliseconds timeout(job.timeout_ms);
  if (timeout.count() > 0) {
    std::lock_guard lock(mutex_);
    running_[job.id].deadline = Clock::now() + timeout;
  }
  const auto started = std::chrono::steady_clock::now();
  RunResult r = executor_.run(inv);
  const auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);

  if (r.ok()) {
    done("completed", {}, r.run_id);
    return;
  }
  boost::json::object error = error_record(*r.error);
  if (timeout.count() > 0 && took > timeout) error["timedOut"] = true;
  if (job.attempts >= job.max_attempts) {
    done("dead", error, r.run_id);
    log_.warn("job dead after its last attempt", {{"job", job.id}, {"action", job.action}, {"attempts", job.attempts}});
    return;
  }
  done("pending", error, r.run_id, iso_time(Clock::now() + retry_delay(job.attempts, job.backoff_ms, job.max_backoff_ms)));
}

// Finished attempts are written by the finisher thread, many rows per UPDATE: whatever ended
// while the previous write was in flight goes into the next one. A worker does not wait for the
// write, it claims its next job. A failed write (the database is away) is kept and tried again,
// so completions made during an outage are not lost; a process killed before the write leaves
// the jobs to run again after their lease (at least once, as always).
void JobQueue::finish(Finish&& f) {
  {
    std::lock_guard lock(finish_mutex_);
    finishing_.push_back(std::move(f));
    if (finish_writing_ || !finisher_.joinable()) return;  // the write in flight is followed by ours
  }
  finish_wake_.notify_one();
}

// Writes what is queued on the calling thread (run_due, stop), until nothing is left.
void JobQueue::flush_finishes() {
  std::unique_lock lock(finish_mutex_);
  finish_idle_.wait(lock, [&] { return !finish_writing_; });
  while (!finishing_.empty()) {
    std::vector<Finish> batch;
    batch.swap(finishing_);
    finish_writing_ = true;
    lock.unlock();
    std::exception_ptr failed;
    try {
      write_finishes(batch);
    } catch (...) {
      failed = std::current_exception();
    }
    lock.lock();
    finish_writing_ = false;
    finish_idle_.notify_all();
    if (failed) {
      finishing_.insert(finishing_.begin(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
      std::rethrow_exception(failed);
    }
  }
}

void JobQueue::finisher() {
  pthread_setname_np(pthread_self(), "bb-jobs-done");
  bool failing = false;
  std::unique_lock lock(finish_mutex_);
  while (true) {
    finish_wake_.wait_for(lock, failing ? milliseconds(250) : milliseconds(options_.poll_ms),
                          [&] { return finish_stopping_ || (!failing && !finishing_.empty()); });
    if (finish_stopping_) return;  // stop() writes the rest
    if (finishing_.empty()) continue;
    lock.unlock();
    try {
      flush_finishes();
      if (failing) log_.info("job results written again", {});
      failing = false;
    } catch (const std::exception& e) {
      if (!failing) log_.error("could not write job results, keeping them", {{"error", e.what()}});
      failing = true;
    }
    lock.lock();
  }
}

void JobQueue::write_finishes(const std::vector<Finish>& batch) {
  const std::string at = iso_now();
  boost::json::array rows;
  rows.reserve(batch.size());
  auto text_or_null = [](const std::string& s) { return s.empty() ? boost::json::value(nullptr) : boost::json::value(s); };
  for (const Finish& f : batch)
    rows.push_back(boost::json::object{{"id", f.id},
                                       {"worker_id", f.worker_id},
                                       {"attempts", f.attempts},
                                       {"status", f.status},
                                       {"retry_at", text_or_null(f.retry_at)},
                                       {"error", text_or_null(f.error)},
                                       {"run_id", text_or_null(f.run_id)},
                                       {"at", at}});
  db_.exec(finish_sql_, {boost::json::serialize(rows)});
  for (const Finish& f : batch)
    (f.status == "completed" ? completed_ : f.status == "dead" ? dead_ : retried_).fetch_add(1, std::memory_order_relaxed);
}

// Jobs claimed but never started (stop): back to pending, the attempt not counted, so another
// instance takes them now rather than after their lease.
void JobQueue::release(const std::vector<Claimed>& jobs) {
  for (const auto& j : jobs) {
    try {
      db_.exec("UPDATE jobs SET status = 'pending', attempts = attempts - 1, worker_id = NULL, lease_until = NULL, "
               "updated_at = $4 WHERE id = $1 AND worker_id = $2 AND attempts = $3 AND status = 'running'",
               {j.id, j.worker_id, j.attempts, iso_now()});
    } catch (const std::exception& e) {  // the lease runs out instead
      log_.warn("could not hand back a claimed job", {{"job", j.id}, {"error", e.what()}});
    }
    std::lock_guard lock(mutex_);
    running_.erase(j.id);
  }
}

// How many jobs a claim for the group should take now: one for each idle worker that has none
// waiting for it, and with `claim_batch` a buffer of that many more, topped up once half used.
std::int64_t JobQueue::wanted(const Group& group) const {
  const std::int64_t buffer = options_.claim_batch, held = static_cast<std::int64_t>(group.ready.size());
  const std::int64_t n = (group.workers - group.busy) + buffer - held;
  return n >= std::max<std::int64_t>(1, buffer / 2) ? n : 0;
}

void JobQueue::worker(Group* group, int index) {
  pthread_setname_np(pthread_self(), "bb-jobs");
  const std::string worker_id = instance_ + "-" + std::to_string(index);
  bool failing = false;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // Claim when jobs are wanted, unless the last claim came up short and nothing happened
    // since (no enqueue, no notification, no poll interval gone by).
    const bool may_claim = group->drained_signal != signal_ || Clock::now() >= group->drained_until;
    std::int64_t fetch = !group->fetching && may_claim && (group->ready.empty() || options_.claim_batch > 0)
                             ? wanted(*group)
                             : 0;
    if (fetch > 0) {
      group->fetching = true;
      const std::uint64_t signal = signal_;
      lock.unlock();
      std::vector<Claimed> got;
      try {
        got = claim(*group, worker_id, fetch);
        failing = false;
      } catch (const std::exception& e) {  // the database is away: try again after a poll
        if (!failing) log_.error("job worker", {{"error", e.what()}});
        failing = true;
      }
      lock.lock();
      group->fetching = false;
      if (static_cast<std::int64_t>(got.size()) < fetch) {
        group->drained_signal = signal;
        group->drained_until = Clock::now() + milliseconds(options_.poll_ms);
      }
      for (auto& c : got) group->ready.push_back(std::move(c));
      if (got.size() > 1) wake_.notify_all();
      continue;
    }
    if (group->ready.empty()) {
      const std::uint64_t seen = signal_;
      wake_.wait_for(lock, milliseconds(options_.poll_ms),
                     [&] { return stopping_ || signal_ != seen || !group->ready.empty(); });
      continue;
    }
    Claimed job = std::move(group->ready.front());
    group->ready.pop_front();
    ++group->busy;
    lock.unlock();
    try {
      run(job);
    } catch (const std::exception& e) {  // its lease runs out and it runs again
      log_.error("job worker", {{"job", job.id}, {"error", e.what()}});
    }
    lock.lock();
    --group->busy;
  }
}

void JobQueue::listen_loop() {
  pthread_setname_np(pthread_self(), "bb-jobs-listen");
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    const bool heard = !listener_->wait(std::chrono::seconds(1)).empty();
    if (!heard && !listener_->take_reconnected()) continue;
    {
      std::lock_guard lock(mutex_);
      ++signal_;
    }
    wake_.notify_all();  // one claim per group: the fetching flag keeps the others waiting
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
      // Heartbeat: the leases of the jobs this instance holds (running, or claimed and waiting
      // for a worker), unless past their timeout (then the lease runs out and another worker
      // may take the job again).
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
  for (auto& g : groups_)
    for (int i = 0; i < g.workers; ++i) threads_.emplace_back([this, &g, n = index++] { worker(&g, n); });
  threads_.emplace_back([this] { housekeeping(); });
  {
    std::lock_guard finishing(finish_mutex_);
    finish_stopping_ = false;
  }
  finisher_ = std::thread([this] { finisher(); });
  if (!notify_url_.empty() && !channel_.empty() && index > 0) {
    try {
      listener_ = db::listen(notify_url_, {channel_});
      listen_thread_ = std::thread([this] { listen_loop(); });
    } catch (const std::exception& e) {  // the workers still poll
      log_.warn("not listening for new jobs", {{"error", e.what()}});
    }
  }
}

void JobQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (listener_) listener_->interrupt();
  if (listen_thread_.joinable()) listen_thread_.join();
  listener_.reset();
  for (auto& t : threads_) t.join();
  threads_.clear();
  {
    std::lock_guard finishing(finish_mutex_);
    finish_stopping_ = true;
  }
  finish_wake_.notify_all();
  if (finisher_.joinable()) finisher_.join();
  try {
    flush_finishes();
  } catch (const std::exception& e) {  // those jobs run again after their lease
    log_.error("could not write job results at stop", {{"error", e.what()}});
  }
  for (auto& g : groups_) {
    std::vector<Claimed> left(std::make_move_iterator(g.ready.begin()), std::make_move_iterator(g.ready.end()));
    g.ready.clear();
    if (!left.empty()) release(left);
  }
}

int JobQueue::run_due() {
  int ran = 0;
  const std::string worker_id = instance_ + "-now";
  for (auto& g : groups_)
    for (auto jobs = claim(g, worker_id, 1); !jobs.empty(); jobs = claim(g, worker_id, 1)) {
      run(jobs.front());
      flush_finishes();  // one at a time: what a job does next may depend on the last one's end
      ++ran;
    }
  return ran;
}

JobQueue::Stats JobQueue::stats() const {
  return {enqueued_.load(), completed_.load(), retried_.load(), dead_.load()};
}

}  // namespace bb
