// The job queue's statements (see job_queue_sql.hpp).
#include "src/runtime/job_queue_sql.hpp"

namespace bb::jobs_sql {

namespace {

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    std::string q;
    for (char c : i) q += c == '\'' ? std::string("''") : std::string(1, c);
    out += (out.empty() ? "'" : ", '") + q + "'";
  }
  return out;
}

}  // namespace

// Two picks, each reading its own partial index:
//  - with `expired`, running jobs whose lease ran out (jobs_leased): their worker died. They come
//    first: they are the oldest work, and a busy queue must not leave them behind its backlog.
//    When there are none this is one index probe on SQLite; on PostgreSQL it also steps over the
//    index entries of finished jobs that VACUUM has not removed yet, which is why JobQueue does
//    not add this pick to every claim (see JobQueue::claim).
//  - due pending jobs by priority, then time (jobs_pending, read in that order).
// The UPDATE's right-hand sides see the row as it was. A claim counts an attempt, except that a
// lease-expired row never marked started (its worker died while the job waited in its claim
// buffer, or before the start was written) gets the attempt it had back, at most max_attempts
// times (refunds): the same attempt is taken again. A lease-expired row whose attempts are spent
// (its last attempt started, or it has no refund left) becomes `dead` (worker_lost) rather than
// running. Jobs claimed to start at once (no buffer) are marked started by the claim ($6).
//
// SQLite: one UPDATE whose subquery picks the jobs (SQLite is told which index to read: it would
// otherwise pick the status index and sort); writes are serialised, so of two claimers one wins.
//
// PostgreSQL: claimers run at once, so each pick locks its rows with FOR UPDATE SKIP LOCKED in a
// CTE: a claimer passes over the rows others are claiming instead of queueing behind them (and,
// once it holds the lock, PostgreSQL checks the row still matches, so a job another claimer just
// took is never taken twice). The outer LIMIT pulls rows lazily, so the pending pick locks only
// the rows it hands over. The UPDATE then only touches the locked rows.
std::string claim(const std::vector<std::string>& queues, bool others, bool expired, bool sqlite) {
  const std::string filter =
      queues.empty() ? "1 = 1" : std::string("queue ") + (others ? "NOT IN (" : "IN (") + quoted_list(queues) + ")";
  const std::string lost = std::string("SELECT id FROM jobs") + (sqlite ? " INDEXED BY jobs_leased" : "") +
                           " WHERE status = 'running' AND lease_until < $3 AND " + filter + " LIMIT $4";
  const std::string due = std::string("SELECT id FROM jobs") + (sqlite ? " INDEXED BY jobs_pending" : "") +
                          " WHERE status = 'pending' AND run_at <= $3 AND " + filter +
                          " ORDER BY priority DESC, run_at, id LIMIT $4";
  // Refunded: a lease-expired job whose attempt never started and that has a refund left.
  const std::string refunded = "(status = 'running' AND started_at IS NULL AND refunds < max_attempts)";
  // Spent: attempts all used and none given back (a pending job never has its attempts spent;
  // were one to, it would not run either: attempts never pass max_attempts).
  const std::string spent = "(attempts >= max_attempts AND NOT " + refunded + ")";
  const std::string set = "UPDATE jobs SET status = CASE WHEN " + spent + " THEN 'dead' ELSE 'running' END, " +
                          "attempts = CASE WHEN " + spent + " OR " + refunded + " THEN attempts ELSE attempts + 1 END, " +
                          "refunds = CASE WHEN " + refunded + " THEN refunds + 1 ELSE refunds END, " +
                          "lease_until = CASE WHEN " + spent + " THEN NULL ELSE $2 END, " +
                          "last_error = CASE WHEN " + spent + " AND status = 'running' THEN $5 ELSE last_error END, " +
                          "finished_at = CASE WHEN " + spent + " THEN $3 ELSE finished_at END, " +
                          "started_at = CASE WHEN " + spent + " THEN started_at ELSE $6 END, " +
                          "worker_id = $1, updated_at = $3 ";
  const std::string returning = " RETURNING status, " + std::string(kClaimed);
  if (sqlite)
    return set + "WHERE id IN (" +
           (expired ? "SELECT id FROM (" + lost + ") UNION ALL SELECT id FROM (" + due + ") LIMIT $4" : due) + ")" +
           returning;
  if (!expired)
    return "WITH due AS (" + due + " FOR UPDATE SKIP LOCKED) " + set + "WHERE id IN (SELECT id FROM due)" + returning;
  return "WITH lost AS (" + lost + " FOR UPDATE SKIP LOCKED), due AS (" + due + " FOR UPDATE SKIP LOCKED) " + set +
         "WHERE id IN (SELECT id FROM lost UNION ALL SELECT id FROM due LIMIT $4)" + returning;
}

// Like finish(): rows by primary key, and on PostgreSQL "lease_until IS NOT NULL" for "running".
// An attempt is (job, worker, attempts, refunds): a refund takes the same attempt number again.
std::string renew() {
  return "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND worker_id = $3 AND attempts = $4 AND refunds = $5 AND "
         "status = 'running'";
}

// The attempts that ended or started, applied in one UPDATE (JobQueue::write_finishes leaves out
// the start of an attempt whose end is in the same batch: its end row carries started_at). A
// start row (no status) only sets started_at. A row whose job is no longer this worker's
// attempt (its lease ran out and another took it, or it was cancelled) changes nothing.
// Completed and dead jobs keep worker_id and get finished_at; a retry goes back to pending at
// its retry time. An attempt failed at its timeout has no run yet: the last run id stays.
std::string finish(bool sqlite) {
  const std::string set =
      "status = COALESCE(f.status, jobs.status), run_at = COALESCE(f.retry_at, jobs.run_at), "
      "last_error = CASE WHEN f.status IS NULL THEN jobs.last_error ELSE f.error END, "
      "last_run_id = COALESCE(f.run_id, jobs.last_run_id), "
      "lease_until = CASE WHEN f.status IS NULL THEN jobs.lease_until END, "
      "worker_id = CASE WHEN f.status = 'pending' THEN NULL ELSE jobs.worker_id END, "
      "finished_at = CASE WHEN f.status IS NULL OR f.status = 'pending' THEN jobs.finished_at ELSE f.at END, "
      "started_at = COALESCE(f.started_at, jobs.started_at), updated_at = f.at ";
  // Only a running job holds a lease. PostgreSQL is told "lease_until IS NOT NULL", not "status =
  // 'running'": the latter lets it scan the partial index of leased jobs (jobs_leased) and
  // hash-join, and on a busy queue that index is mostly dead entries of jobs finished moments
  // ago; this way it looks each row up by primary key.
  const std::string match = std::string("WHERE jobs.id = f.id AND jobs.worker_id = f.worker_id AND jobs.attempts = f.attempts AND "
                                        "jobs.refunds = f.refunds AND ") +
                            (sqlite ? "jobs.status = 'running'" : "jobs.lease_until IS NOT NULL");
  if (sqlite)
    return "UPDATE jobs SET " + set +
           "FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.worker_id') AS worker_id, "
           "json_extract(value, '$.attempts') AS attempts, json_extract(value, '$.refunds') AS refunds, "
           "json_extract(value, '$.status') AS status, json_extract(value, '$.retry_at') AS retry_at, "
           "json_extract(value, '$.error') AS error, json_extract(value, '$.run_id') AS run_id, "
           "json_extract(value, '$.started_at') AS started_at, json_extract(value, '$.at') AS at "
           "FROM json_each($1)) AS f " +
           match;
  return "UPDATE jobs SET " + set +
         "FROM json_to_recordset($1::json) AS f(id text, worker_id text, attempts bigint, refunds bigint, status text, "
         "retry_at text, error text, run_id text, started_at text, at text) " +
         match;
}

std::string release() {
  return "UPDATE jobs SET status = 'pending', attempts = attempts - 1, worker_id = NULL, lease_until = NULL, "
         "updated_at = $5 WHERE id = $1 AND worker_id = $2 AND attempts = $3 AND refunds = $4 AND status = 'running'";
}

// On PostgreSQL the insert also notifies the instances' workers ($17: the channel); the
// notification leaves when the enqueuing transaction commits, so a job added inside a handler's
// transaction is announced once it can be claimed.
std::string enqueue(bool sqlite) {
  const std::string insert =
      "INSERT INTO jobs (id, queue, action, input, priority, max_attempts, backoff_ms, max_backoff_ms, timeout_ms, "
      "unique_key, run_at, trace_id, parent_run_id, user_id, org_id, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) "
      "ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND status IN ('pending', 'running') DO NOTHING "
      "RETURNING id";
  if (sqlite) return insert;
  return "WITH added AS (" + insert + ") SELECT id, pg_notify($17, '') FROM added";
}

}  // namespace bb::jobs_sql
