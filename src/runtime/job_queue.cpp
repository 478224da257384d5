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
#include <unordered_set>

#include "bunbase/core/id.hpp"
#include "bunbase/core/time.hpp"
#include "bunbase/db/database.hpp"
#include "src/runtime/job_queue_sql.hpp"

namespace bb {

namespace {

using Clock = std::chrono::system_clock;
using std::chrono::milliseconds;

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

// The last error of a job whose worker died during its last attempt (written by the claim that
// finds its lease expired).
const std::string& worker_lost_error() {
  static const std::string error = boost::json::serialize(boost::json::object{
      {"code", "worker_lost"}, {"kind", "unavailable"}, {"message", "the worker running the last attempt stopped"}});
  return error;
}

// Timeouts are looked at with this resolution at most (a job that ends before its timeout
// leaves a wake-up behind; they are not worth one each).
constexpr milliseconds kTimeoutResolution{20};

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
    g.claim_sql = jobs_sql::claim(g.queues, g.others, true, sqlite);
    g.due_sql = jobs_sql::claim(g.queues, g.others, false, sqlite);
  }
  enqueue_sql_ = jobs_sql::enqueue(sqlite);
  finish_sql_ = jobs_sql::finish(sqlite);
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

// Expired leases are looked for by the first claim of every interval (a tenth of the lease,
// 0.1 to 1 s), before the due jobs, whatever the backlog: a dead worker's jobs come back about
// then after their lease. Not on every claim: on PostgreSQL that pick also steps over the index
// entries of jobs finished since the last VACUUM (tens of thousands on a busy queue), for nothing
// almost every time.
JobQueue::Claim JobQueue::claim(Group& group, const std::string& worker_id, std::int64_t limit, bool starting) {
  const auto now = Clock::now();
  const std::string until = iso_time(now + options_.lease), at = iso_time(now);
  bool expired = false;
  {
    std::lock_guard lock(mutex_);
    if (now >= group.expired_look) {
      expired = true;
      group.expired_look = now + std::clamp<milliseconds>(std::chrono::duration_cast<milliseconds>(options_.lease) / 10,
                                                           milliseconds(100), milliseconds(1000));
    }
  }
  auto rows = db_.query(expired ? group.claim_sql : group.due_sql,
                        {worker_id, until, at, limit, worker_lost_error(), starting ? db::Value(at) : db::Value(nullptr)});
  Claim out;
  out.jobs.reserve(rows.size());
  for (const auto& r : rows) {
    const db::Row& row = r.as_object();
    if (text(row, "status") == "dead") {  // its lease ran out during its last attempt
      ++out.dead;
      dead_.fetch_add(1, std::memory_order_relaxed);
      log_.warn("job dead: the worker running its last attempt was lost",
                {{"job", text(row, "id")}, {"action", text(row, "action")}, {"attempts", integer(row, "attempts")}});
      continue;
    }
    out.jobs.push_back({.id = text(row, "id"),
                        .action = text(row, "action"),
                        .input = text(row, "input"),
                        .trace_id = text(row, "trace_id"),
                        .parent_run_id = text(row, "parent_run_id"),
                        .user_id = text(row, "user_id"),
                        .org_id = text(row, "org_id"),
                        .run_at = text(row, "run_at"),
                        .worker_id = worker_id,
                        .attempts = integer(row, "attempts"),
                        .refunds = integer(row, "refunds"),
                        .max_attempts = integer(row, "max_attempts"),
                        .backoff_ms = integer(row, "backoff_ms"),
                        .max_backoff_ms = integer(row, "max_backoff_ms"),
                        .timeout_ms = integer(row, "timeout_ms"),
                        .priority = integer(row, "priority"),
                        .marked = starting});
  }
  // RETURNING keeps no order: run them by priority, then time, like the pick.
  std::sort(out.jobs.begin(), out.jobs.end(), [](const Claimed& a, const Claimed& b) {
    return std::tie(b.priority, a.run_at, a.id) < std::tie(a.priority, b.run_at, b.id);
  });
  std::lock_guard lock(mutex_);
  for (auto& j : out.jobs) {
    j.claim = ++claims_;
    running_.emplace(j.claim, Running{.id = j.id,
                                      .worker = j.worker_id,
                                      .action = j.action,
                                      .attempt = j.attempts,
                                      .refunds = j.refunds,
                                      .max_attempts = j.max_attempts,
                                      .backoff_ms = j.backoff_ms,
                                      .max_backoff_ms = j.max_backoff_ms,
                                      .timeout_ms = j.timeout_ms});
  }
  return out;
}

void JobQueue::run(Claimed& job) {
  std::string started_at;  // set when the handler starts
  auto done = [&](std::string_view status, const boost::json::object& error, const std::string& run_id,
                  std::string retry_at = {}) {
    bool timed_out = false;
    {
      std::lock_guard lock(mutex_);
      if (auto it = running_.find(job.claim); it != running_.end()) {
        timed_out = it->second.timed_out;
        running_.erase(it);
      }
    }
    if (timed_out) {  // failed at its timeout already (time_out): retried or dead since
      log_.info("job attempt ended after its timeout; its result is ignored",
                {{"job", job.id}, {"attempt", job.attempts}, {"status", std::string(status)}});
      return;
    }
    finish({.id = job.id,
            .worker_id = job.worker_id,
            .attempts = job.attempts,
            .refunds = job.refunds,
            .status = std::string(status),
            .retry_at = std::move(retry_at),
            .error = error.empty() ? std::string() : boost::json::serialize(error),
            .run_id = run_id,
            .started_at = started_at,
            .claim = job.claim});
  };

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
    const auto deadline = Clock::now() + timeout;
    if (auto it = running_.find(job.claim); it != running_.end()) it->second.deadline = deadline;
    if (deadline < keeper_next_) {  // sooner than housekeeping looks next
      keeper_next_ = deadline;
      keeper_wake_.notify_one();
    }
  }
  // The attempt starts. Unless the claim marked it (it was claimed to start at once), the start
  // is marked with the next batch of finished attempts, without waiting for it (a start and an
  // end in the same batch are written once, as the end). A kill -9 before the mark is written
  // gives this attempt back (jobs_sql::claim), within the job's refunds.
  started_at = iso_time(Clock::now());
  if (!job.marked)
    finish({.id = job.id,
            .worker_id = job.worker_id,
            .attempts = job.attempts,
            .refunds = job.refunds,
            .started_at = started_at,
            .claim = job.claim});
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

// An attempt still running at its timeout has failed: the job is retried after its backoff, or
// dead if that was its last attempt. Its lease is no longer renewed, and its late end changes
// nothing (run() finds it marked). The handler itself runs on: a thread cannot be interrupted.
void JobQueue::time_out(std::uint64_t claim, const Running& r, Clock::time_point now) {
  const bool last = r.attempt >= r.max_attempts;
  const boost::json::object error{{"code", "timed_out"},
                                  {"kind", "unavailable"},
                                  {"message", "attempt " + std::to_string(r.attempt) + " ran past its timeout of " +
                                                  std::to_string(r.timeout_ms) + " ms"},
                                  {"timedOut", true}};
  log_.warn(last ? "job dead: its last attempt ran past its timeout" : "job attempt ran past its timeout, retrying",
            {{"job", r.id}, {"action", r.action}, {"attempt", r.attempt}, {"timeoutMs", r.timeout_ms}});
  finish({.id = r.id,
          .worker_id = r.worker,
          .attempts = r.attempt,
          .refunds = r.refunds,
          .status = last ? "dead" : "pending",
          .retry_at = last ? std::string() : iso_time(now + retry_delay(r.attempt, r.backoff_ms, r.max_backoff_ms)),
          .error = boost::json::serialize(error),
          .run_id = {},
          .claim = claim});
}

void JobQueue::forget(std::uint64_t claim) {
  std::lock_guard lock(mutex_);
  running_.erase(claim);
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

// One row per attempt: the start of an attempt whose end is in the same batch is left out (the
// end carries started_at), so a job that starts and ends between two writes costs one row, as
// it did before starts were marked.
void JobQueue::write_finishes(const std::vector<Finish>& batch) {
  const std::string at = iso_now();
  std::unordered_set<std::uint64_t> ended;
  for (const Finish& f : batch)
    if (!f.status.empty()) ended.insert(f.claim);
  boost::json::array rows;
  rows.reserve(batch.size());
  auto text_or_null = [](const std::string& s) { return s.empty() ? boost::json::value(nullptr) : boost::json::value(s); };
  for (const Finish& f : batch) {
    if (f.status.empty()) {
      if (!ended.contains(f.claim))
        rows.push_back(boost::json::object{{"id", f.id},
                                           {"worker_id", f.worker_id},
                                           {"attempts", f.attempts},
                                           {"refunds", f.refunds},
                                           {"started_at", f.started_at},
                                           {"at", at}});
      continue;
    }
    rows.push_back(boost::json::object{{"id", f.id},
                                       {"worker_id", f.worker_id},
                                       {"attempts", f.attempts},
                                       {"refunds", f.refunds},
                                       {"status", f.status},
                                       {"retry_at", text_or_null(f.retry_at)},
                                       {"error", text_or_null(f.error)},
                                       {"run_id", text_or_null(f.run_id)},
                                       {"started_at", text_or_null(f.started_at)},
                                       {"at", at}});
  }
  if (!rows.empty()) db_.exec(finish_sql_, {boost::json::serialize(rows)});
  for (const Finish& f : batch)
    if (!f.status.empty())
      (f.status == "completed" ? completed_ : f.status == "dead" ? dead_ : retried_).fetch_add(1, std::memory_order_relaxed);
}

// Jobs claimed but never started (stop): back to pending, with the attempt the claim counted
// taken back, so another instance takes them now rather than after their lease.
void JobQueue::release(const std::vector<Claimed>& jobs) {
  for (const auto& j : jobs) {
    try {
      db_.exec(jobs_sql::release(), {j.id, j.worker_id, j.attempts, j.refunds, iso_now()});
    } catch (const std::exception& e) {  // the lease runs out instead
      log_.warn("could not hand back a claimed job", {{"job", j.id}, {"error", e.what()}});
    }
    forget(j.claim);
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
      Claim got;
      try {
        // The claim counts the attempts, buffered jobs' too, and run() marks their starts in
        // the finished attempts' batches. Counting a buffer's attempts as they start, workers
        // waiting for one commit per round of starts, took claim_batch = 500 from 1.43x
        // graphile-worker's jobs/s to 0.04x (bench/queue-pg/run, 2026-12-07).
        got = claim(*group, worker_id, fetch, /*starting=*/options_.claim_batch == 0);
        failing = false;
      } catch (const std::exception& e) {  // the database is away: try again after a poll
        if (!failing) log_.error("job worker", {{"error", e.what()}});
        failing = true;
      }
      lock.lock();
      group->fetching = false;
      if (static_cast<std::int64_t>(got.jobs.size() + got.dead) < fetch) {
        group->drained_signal = signal;
        group->drained_until = Clock::now() + milliseconds(options_.poll_ms);
      }
      for (auto& c : got.jobs) group->ready.push_back(std::move(c));
      if (got.jobs.size() > 1) wake_.notify_all();
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
      forget(job.claim);
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
  auto next_beat = Clock::time_point();
  bool failing = false;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // Attempts past their timeout fail now (once); the others' leases are renewed on each beat:
    // the jobs this instance holds, running or claimed and waiting for a worker.
    const auto now = Clock::now();
    const bool renew = now >= next_beat;
    if (renew) next_beat = now + beat;
    std::vector<std::pair<std::uint64_t, Running>> timed_out;
    std::vector<Running> alive;
    auto next = next_beat;
    for (auto& [claim, r] : running_) {
      if (r.timed_out) continue;
      if (r.deadline <= now) {
        r.timed_out = true;
        timed_out.emplace_back(claim, r);
        continue;
      }
      next = std::min(next, r.deadline);
      if (renew) alive.push_back(r);
    }
    keeper_next_ = std::max(next, now + kTimeoutResolution);
    lock.unlock();
    for (const auto& [claim, r] : timed_out) time_out(claim, r, now);
    if (renew) {
      try {
        const std::string until = iso_time(now + options_.lease);
        for (const Running& r : alive) db_.exec(jobs_sql::renew(), {until, r.id, r.worker, r.attempt, r.refunds});
        if (now - last_prune > std::chrono::minutes(1)) {
          prune();
          last_prune = now;
        }
        failing = false;
      } catch (const std::exception& e) {
        if (!failing) log_.error("job housekeeping", {{"error", e.what()}});
        failing = true;
      }
    }
    lock.lock();
    const auto planned = keeper_next_;
    keeper_wake_.wait_until(lock, planned, [&] { return stopping_ || keeper_next_ < planned; });
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
  keeper_wake_.notify_all();
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
    while (true) {
      Claim c = claim(g, worker_id, 1, /*starting=*/true);
      if (c.jobs.empty() && c.dead == 0) break;
      ran += static_cast<int>(c.dead);
      for (auto& job : c.jobs) {
        try {
          run(job);
        } catch (...) {
          forget(job.claim);
          throw;
        }
        flush_finishes();  // one at a time: what a job does next may depend on the last one's end
        ++ran;
      }
    }
  return ran;
}

JobQueue::Stats JobQueue::stats() const {
  return {enqueued_.load(), completed_.load(), retried_.load(), dead_.load()};
}

}  // namespace bb
