// The job queue's statements (job_queue.cpp), each built once per dialect: claim, renew,
// finish, hand back and enqueue. Their parameters are listed with each.
//
//   std::string sql = jobs_sql::claim({"emails"}, false, /*expired=*/true, /*sqlite=*/true);
//   db.query(sql, {worker_id, lease_until, now, limit, count_now, worker_lost_error});
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bb::jobs_sql {

// The columns a claim returns (besides `status`).
inline constexpr std::string_view kClaimed =
    "id, action, input, attempts, max_attempts, backoff_ms, max_backoff_ms, timeout_ms, trace_id, parent_run_id, "
    "user_id, org_id, priority, run_at";

// Claims up to $4 jobs of a group of queues (`queues`, or every queue but those with `others`)
// for worker $1, leased until $2, at $3: pending jobs due by $3 by priority and time, and with
// `expired`, first the jobs whose lease ran out before $3. $5 (0 or 1) is added to their
// attempts. A job whose attempts are spent (a lease-expired one whose last attempt had started)
// becomes `dead` instead, with last_error $6 if it was running. Returns `status` and kClaimed.
std::string claim(const std::vector<std::string>& queues, bool others, bool expired, bool sqlite);

// Renews a lease: $1 until, for job $2 held by worker $3 at attempts $4.
std::string renew();

// Writes ended attempts: $1 a JSON array of Finish rows (job_queue.hpp). A row whose job is no
// longer that worker's attempt changes nothing.
std::string finish(bool sqlite);

// Hands back a claimed job not started: job $1, worker $2, attempts $3, now $4, $5 subtracted
// from attempts (the claim's count, if it counted one).
std::string release();

// Inserts a pending job ($1..$16, see JobQueue::enqueue); on PostgreSQL also notifies channel $17.
std::string enqueue(bool sqlite);

}  // namespace bb::jobs_sql
