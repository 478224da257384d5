// The durable job queue behind ctx.queue, in the `jobs` table. enqueue() validates the input
// against the action's schema and inserts a pending job (in the caller's transaction when there
// is one). Workers claim due jobs with a lease (SQLite: a conditional UPDATE, one claimer wins;
// PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so claimers never queue behind each other), renew
// it while the job runs, and run the action through the executor (trigger type "queue",
// detail "job <id> attempt <n>", the enqueuing run as parent, same trace, its principal). A
// failed attempt is retried after an exponential backoff with jitter (half fixed, half
// random); after max_attempts the job is `dead` and keeps its last error. An attempt counts from
// the moment its handler starts. A worker that dies leaves its lease to expire: every claim looks
// for expired leases before due jobs at least every second (a tenth of the lease, 0.1 to 1 s),
// however long the backlog, so the job runs again soon after (at least once), or is `dead`
// (worker_lost) if that was its last attempt. An attempt still running at its timeout is
// failed then (timed_out, logged): retried after its backoff, or dead after the last one; the
// handler is not interrupted (a thread cannot be), and its late end changes nothing. Completed
// and cancelled jobs are pruned after `retention`.
//
// Throughput comes from batching, not from more statements. An idle worker claims for its group
// in one statement: one job per idle worker, plus `claim_batch` more kept in a local buffer when
// that is set (leased and renewed like running ones; stop() hands back what did not start). The
// claim counts every attempt it takes. Without a buffer its jobs start at once, and it marks them
// started (jobs.started_at); with one, a handler's start is marked by the thread that writes
// finished attempts, whatever started or ended during its previous write in one UPDATE (a start
// whose end is in the same write is written once, as the end). A lease-expired job never marked
// started (a kill -9 left it in the buffer) gets its attempt back when it is claimed again, at
// most max_attempts times (jobs.refunds), so a job that kills its worker before its start is
// written still ends dead. The price: a kill -9 in the moment between a buffered job's start and
// that write (for a job shorter than a write, until its end is written) gives back an attempt
// that did run, and the job runs again as the same attempt. A worker goes on to its next job at
// once; a write that fails is kept and tried again. stats() counts attempts once their end is
// written. On PostgreSQL, enqueue() announces the job with NOTIFY (it leaves at commit), so idle
// workers of every instance look at once.
//
//   JobQueue q(registry, executor, db, log, config.queue);
//   q.start();          // the workers (serve)
//   q.run_due();        // or: run what is due on this thread (tests, the CLI)
#pragma once

#include <atomic>
#include <map>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bunbase/core/context.hpp"
#include "bunbase/core/registry.hpp"
#include "bunbase/db/notifications.hpp"
#include "bunbase/runtime/config.hpp"
#include "bunbase/runtime/executor.hpp"

namespace bb {

class JobQueue final : public JobSink {
 public:
  struct Stats {
    std::uint64_t enqueued = 0, completed = 0, retried = 0, dead = 0;
  };

  // `notify_url`: the PostgreSQL URL of a database other instances share (empty: none), for
  // LISTEN on the channel enqueue() notifies.
  JobQueue(const Registry& registry, Executor& executor, db::Database& db, LogSink& log, Config::Queue options,
           std::chrono::seconds event_retention = std::chrono::hours(24 * 7), std::string notify_url = {});
  ~JobQueue() override;
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  Enqueued enqueue(std::string_view action, const boost::json::value& input, const JobOptions& options,
                   const Context* from) override;

  // Starts the worker threads (per queue) and the housekeeping thread (leases, pruning).
  void start();
  // Stops claiming, lets running jobs finish, joins. Idempotent.
  void stop();
  // Claims and runs due jobs on this thread until none is due; returns how many it took (a
  // lease-expired job with no attempt left is marked dead, not run).
  int run_due();
  // Makes pruning happen now (tests): completed/cancelled jobs and events past retention.
  void prune();
  Stats stats() const;

 private:
  // A job this instance holds the lease of (claimed, maybe not started yet).
  struct Claimed {
    std::string id, action, input, trace_id, parent_run_id, user_id, org_id, run_at, worker_id;
    std::int64_t attempts = 0, refunds = 0, max_attempts = 0, backoff_ms = 0, max_backoff_ms = 0, timeout_ms = 0,
                 priority = 0;
    std::uint64_t claim = 0;  // its entry in running_
    bool marked = false;      // the claim marked it started (it was claimed to start at once)
  };
  // What one claim statement took: jobs to run, and how many lease-expired jobs it found with
  // no attempt left (now dead).
  struct Claim {
    std::vector<Claimed> jobs;
    std::size_t dead = 0;
  };
  // An attempt that started or ended: one row of the batched UPDATE. A start has no status.
  struct Finish {
    std::string id, worker_id;
    std::int64_t attempts = 0, refunds = 0;
    std::string status, retry_at, error, run_id;  // retry_at: set when status is "pending"
    std::string started_at;                       // when its handler started ("": not known here)
    std::uint64_t claim = 0;                      // its entry in running_ (a start and its end share it)
  };
  struct Group {
    std::vector<std::string> queues;  // empty with `others`: every queue not listed
    bool others = false;
    int workers = 0;
    std::string claim_sql, due_sql;  // with and without the pick of expired leases
    std::chrono::system_clock::time_point expired_look;  // when a claim looks for them next (under mutex_)
    std::deque<Claimed> ready;  // claimed, waiting for a worker (under mutex_)
    int busy = 0;               // workers running a job (under mutex_)
    bool fetching = false;      // a worker is claiming for the group (under mutex_)
    // The last claim came up short at this signal_: no claim again before news or this time.
    std::uint64_t drained_signal = ~std::uint64_t(0);
    std::chrono::system_clock::time_point drained_until;
  };
  // A job this instance holds: its lease is renewed while `deadline` (the attempt's timeout; max
  // until it starts) is ahead; past it the attempt is failed once (timed_out).
  struct Running {
    std::string id, worker, action;
    std::int64_t attempt = 0, refunds = 0, max_attempts = 0, backoff_ms = 0, max_backoff_ms = 0, timeout_ms = 0;
    std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max();
    bool timed_out = false;
  };
  // `starting`: the jobs start at once (no claim buffer), so the claim marks them started.
  Claim claim(Group& group, const std::string& worker_id, std::int64_t limit, bool starting);
  std::int64_t wanted(const Group& group) const;  // under mutex_
  void run(Claimed& job);
  void time_out(std::uint64_t claim, const Running& r, std::chrono::system_clock::time_point now);
  void forget(std::uint64_t claim);
  void finish(Finish&& f);
  void flush_finishes();
  void finisher();
  void write_finishes(const std::vector<Finish>& batch);
  void release(const std::vector<Claimed>& jobs);
  void worker(Group* group, int index);
  void housekeeping();
  void listen_loop();

  const Registry& registry_;
  Executor& executor_;
  db::Database& db_;
  Log log_;
  Config::Queue options_;
  std::chrono::seconds event_retention_;
  std::vector<Group> groups_;
  std::string instance_;  // worker ids are "<instance>-<n>"
  std::string enqueue_sql_, finish_sql_;
  std::string notify_url_, channel_;  // PostgreSQL shared by instances: the channel enqueue() notifies
  std::unique_ptr<db::Listener> listener_;
  std::thread listen_thread_;

  std::mutex mutex_;
  std::condition_variable wake_, keeper_wake_;
  bool stopping_ = false;
  std::uint64_t signal_ = 0;  // bumped by enqueue: workers look again at once
  // The attempts this instance holds, by claim: the same job can be here twice, an attempt that
  // timed out still running next to its retry.
  std::map<std::uint64_t, Running> running_;
  std::uint64_t claims_ = 0;
  // When housekeeping looks next (a timeout due sooner wakes it).
  std::chrono::system_clock::time_point keeper_next_ = std::chrono::system_clock::time_point::max();
  std::vector<std::thread> threads_;


  // Started and finished attempts waiting to be written (by finisher_, or by run_due/stop on
  // their thread).
  std::mutex finish_mutex_;
  std::condition_variable finish_wake_, finish_idle_;
  std::vector<Finish> finishing_;
  bool finish_writing_ = false, finish_stopping_ = false;
  std::thread finisher_;
  std::atomic<std::uint64_t> enqueued_{0}, completed_{0}, retried_{0}, dead_{0};
};

}  // namespace bb
