// The durable job queue behind ctx.queue, in the `jobs` table. enqueue() validates the input
// against the action's schema and inserts a pending job (in the caller's transaction when there
// is one). Workers claim due jobs with a lease (SQLite: a conditional UPDATE, one claimer wins;
// PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so claimers never queue behind each other), renew
// it while the job runs, and run the action through the executor (trigger type "queue",
// detail "job <id> attempt <n>", the enqueuing run as parent, same trace, its principal). A
// failed attempt is retried after an exponential backoff with jitter (half fixed, half
// random); after max_attempts the job is `dead` and keeps its last error. A worker that dies
// leaves its lease to expire: the job is claimed again (at least once). Completed and cancelled
// jobs are pruned after `retention`.
//
//   JobQueue q(registry, executor, db, log, config.queue);
//   q.start();          // the workers (serve)
//   q.run_due();        // or: run what is due on this thread (tests, the CLI)
#pragma once

#include <atomic>
#include <map>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bunbase/core/context.hpp"
#include "bunbase/core/registry.hpp"
#include "bunbase/runtime/config.hpp"
#include "bunbase/runtime/executor.hpp"

namespace bb {

class JobQueue final : public JobSink {
 public:
  struct Stats {
    std::uint64_t enqueued = 0, completed = 0, retried = 0, dead = 0;
  };

  JobQueue(const Registry& registry, Executor& executor, db::Database& db, LogSink& log, Config::Queue options,
           std::chrono::seconds event_retention = std::chrono::hours(24 * 7));
  ~JobQueue() override;
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  Enqueued enqueue(std::string_view action, const boost::json::value& input, const JobOptions& options,
                   const Context* from) override;

  // Starts the worker threads (per queue) and the housekeeping thread (leases, pruning).
  void start();
  // Stops claiming, lets running jobs finish, joins. Idempotent.
  void stop();
  // Claims and runs due jobs on this thread until none is due; returns how many ran.
  int run_due();
  // Makes pruning happen now (tests): completed/cancelled jobs and events past retention.
  void prune();
  Stats stats() const;

 private:
  struct Group {
    std::vector<std::string> queues;  // empty with `others`: every queue not listed
    bool others = false;
    int workers = 0;
    std::string claim_sql, reclaim_sql;
  };

  bool claim_and_run(const Group& group, const std::string& worker_id);
  void worker(const Group* group, int index);
  void housekeeping();

  const Registry& registry_;
  Executor& executor_;
  db::Database& db_;
  Log log_;
  Config::Queue options_;
  std::chrono::seconds event_retention_;
  std::vector<Group> groups_;
  std::string instance_;  // worker ids are "<instance>-<n>"

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::uint64_t signal_ = 0;  // bumped by enqueue: workers look again at once
  // The jobs this instance runs: id -> (worker id, attempt, the time its timeout ends).
  struct Running {
    std::string worker;
    std::int64_t attempt;
    std::chrono::system_clock::time_point deadline;
  };
  std::map<std::string, Running> running_;
  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> enqueued_{0}, completed_{0}, retried_{0}, dead_{0};
};

}  // namespace bb
