// The job queue's statements (job_queue.cpp), each built once per dialect: claim, renew,
// finish (and mark started), hand back and enqueue. Their parameters are listed with each.
//
//   std::string sql = jobs_sql::claim({"emails"}, false, /*expired=*/true, /*sqlite=*/true);
//   db.query(sql, {worker_id, lease_until, now, limit, worker_lost_error, now_or_null});
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bb::jobs_sql {

// The columns a claim returns (besides `status`).
inline constexpr std::string_view kClaimed =
    "id, action, input, attempts, refunds, max_attempts, backoff_ms, max_backoff_ms, timeout_ms, trace_id, "
    "parent_run_id, user_id, org_id, priority, run_at";

// Claims up to $4 jobs of a group of queues (`queues`, or every queue but those with `others`)
// for worker $1, leased until $2, at $3: pending jobs due by $3 by priority and time, and with
// `expired`, first the jobs whose lease ran out before $3. Each claim counts an attempt, except
// for a lease-expired job never marked started: it gets that attempt back (refunds + 1, at most
// max_attempts times). A job whose attempts are spent (a lease-expired one whose last attempt
// started, or that has no refund left) becomes `dead` instead, with last_error $5. $6 is the
// started_at the claimed jobs get: now when they start at once, NULL when they wait in a claim
// buffer (their starts are marked as they start). Returns `status` and kClaimed.
std::string claim(const std::vector<std::string>& queues, bool others, bool expired, bool sqlite);

// Renews a lease: $1 until, for job $2 held by worker $3 at attempts $4 and refunds $5.
std::string renew();

// Writes ended and started attempts: $1 a JSON array of rows {id, worker_id, attempts, refunds,
// status, retry_at, error, run_id, started_at, at}. A row without status only marks its attempt
// started (started_at); the others end it. A row whose job is no longer that worker's attempt
// changes nothing.
std::string finish(bool sqlite);

// Hands back a claimed job not started: job $1, worker $2, attempts $3, refunds $4, now $5; the
// attempt the claim counted is taken back.
std::string release();

// Inserts a pending job ($1..$16, see JobQueue::enqueue); on PostgreSQL also notifies channel $17.
std::string enqueue(bool sqlite);

}  // namespace bb::jobs_sql
