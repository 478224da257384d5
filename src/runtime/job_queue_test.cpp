// The durable job queue through small actions of its own: validation at enqueue, the runs jobs
// leave (trigger, parent, trace, principal), delays, priorities, unique keys, retries with
// backoff, expired leases, pruning, and concurrent workers on a file database.
#include "bunbase/runtime/job_queue.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "bunbase/core/id.hpp"
#include "bunbase/core/time.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/runtime/app.hpp"
#include "bunbase/testing/test_app.hpp"
#include "src/runtime/job_queue_sql.hpp"
#include "tests/support/pg_cluster.hpp"

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

struct Seen {
  std::int64_t n = 0;
  std::string trigger_type, trigger_detail, run_id, parent_run_id, trace_id;
  bb::Auth auth;
};

std::mutex g_mutex;
std::condition_variable g_gate_changed;
bool g_gate_open = false;  // `gate` jobs wait for it (at most 10 s)
int g_gate_entered = 0;
int g_stalls_ended = 0;  // attempts of `stall` that returned
std::vector<Seen> g_seen;
std::map<std::int64_t, int> g_effects;  // runs of `effect` per input

std::vector<Seen> seen() {
  std::lock_guard lock(g_mutex);
  return g_seen;
}

struct EnqueueIn {
  std::string target;
  std::int64_t n = 0;
  std::optional<bool> badInput;
};
BOOST_DESCRIBE_STRUCT(EnqueueIn, (), (target, n, badInput))

struct EnqueueOut {
  std::string id;
  bool duplicate = false;
};
BOOST_DESCRIBE_STRUCT(EnqueueOut, (), (id, duplicate))

struct WorkIn {
  std::int64_t n = 0;
  std::optional<std::string> mode;  // "fail"
};
BOOST_DESCRIBE_STRUCT(WorkIn, (), (n, mode))

struct EffectIn {
  std::int64_t n = 0;
};
BOOST_DESCRIBE_STRUCT(EffectIn, (), (n))

struct StallIn {
  std::int64_t n = 0;
  std::int64_t ms = 0;                // how long an attempt sleeps
  std::optional<bool> gateFirst;      // the first attempt waits for the gate instead
};
BOOST_DESCRIBE_STRUCT(StallIn, (), (n, ms, gateFirst))

bb::Module jobs_module() {
  auto enqueuer = bb::action<EnqueueIn, EnqueueOut>(
      {.name = "enqueuer"}, [](const EnqueueIn& in, bb::Context& ctx) {
        json::value input = in.badInput.value_or(false) ? json::value{{"n", "not a number"}}
                                                        : json::value{{"n", in.n}};
        auto e = ctx.queue.add(in.target, input);
        return EnqueueOut{e.id, e.duplicate};
      });
  auto work =
      bb::action<WorkIn, bb::Empty>({.name = "work"}, [](const WorkIn& in, bb::Context& ctx) {
        {
          std::lock_guard lock(g_mutex);
          g_seen.push_back({in.n, std::string(ctx.trigger.type), std::string(ctx.trigger.detail),
                            std::string(ctx.run_id), std::string(ctx.parent_run_id),
                            std::string(ctx.trace_id), ctx.auth});
        }
        if (in.mode == "fail")
          throw bb::Error(bb::ErrorCode::conflict, "not yet").with_code("try_later");
        return bb::Empty{};
      });
  // Leaves a trace per job input: a row under a UNIQUE key (a second run fails) and a count.
  auto effect =
      bb::action<EffectIn, bb::Empty>({.name = "effect"}, [](const EffectIn& in, bb::Context& ctx) {
        {
          std::lock_guard lock(g_mutex);
          ++g_effects[in.n];
        }
        ctx.db.exec("INSERT INTO job_effects (n, run_id) VALUES ($1, $2)",
                    {in.n, std::string(ctx.run_id)});
        return bb::Empty{};
      });
  // Enqueues inside its own transaction, then fails or not: the job commits with it or not at all.
  auto in_transaction = bb::action<EnqueueIn, EnqueueOut>(
      {.name = "enqueueInTransaction"}, [](const EnqueueIn& in, bb::Context& ctx) {
        EnqueueOut out;
        ctx.db.transaction([&](bb::db::Database& tx) {
          tx.exec("INSERT INTO job_effects (n, run_id) VALUES ($1, $2)", {in.n, std::string(ctx.run_id)});
          auto e = ctx.queue.add(in.target, json::object{{"n", in.n}});
          out = {e.id, e.duplicate};
          if (in.badInput.value_or(false))
            throw bb::Error(bb::ErrorCode::conflict, "changed my mind").with_code("rolled_back");
        });
        return out;
      });
  auto gate = bb::action<EffectIn, bb::Empty>({.name = "gate"}, [](const EffectIn&, bb::Context&) {
    std::unique_lock lock(g_mutex);
    ++g_gate_entered;
    g_gate_changed.notify_all();
    g_gate_changed.wait_for(lock, 10s, [] { return g_gate_open; });
    return bb::Empty{};
  });
  // A slow job: each attempt sleeps `ms` (the first waits for the gate when gateFirst), then
  // succeeds; every start is seen, every end counted.
  auto stall = bb::action<StallIn, bb::Empty>({.name = "stall"}, [](const StallIn& in, bb::Context& ctx) {
    const bool first = std::string_view(ctx.trigger.detail).ends_with(" attempt 1");
    std::unique_lock lock(g_mutex);
    g_seen.push_back({in.n, std::string(ctx.trigger.type), std::string(ctx.trigger.detail), std::string(ctx.run_id),
                      std::string(ctx.parent_run_id), std::string(ctx.trace_id), ctx.auth});
    g_gate_changed.notify_all();
    if (first && in.gateFirst.value_or(false)) {
      g_gate_changed.wait_for(lock, 10s, [] { return g_gate_open; });
    } else {
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(in.ms));
      lock.lock();
    }
    ++g_stalls_ended;
    g_gate_changed.notify_all();
    return bb::Empty{};
  });
  return bb::module({.name = "jobtest", .actions = {enqueuer, work, effect, in_transaction, gate, stall}});
}

const bb::AppManifest& jobs_manifest() {
  static const bb::AppManifest m{.name = "job-queue-test", .modules = {&jobs_module}};
  return m;
}

std::string str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : std::string();
}

Clock::time_point parse_iso(const std::string& iso) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  EXPECT_EQ(std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &y, &mo, &d, &h, &mi, &s, &ms), 7)
      << iso;
  using namespace std::chrono;
  return sys_days(year_month_day(year(y), month(static_cast<unsigned>(mo)),
                                 day(static_cast<unsigned>(d)))) +
         hours(h) + minutes(mi) + seconds(s) + milliseconds(ms);
}

class JobQueueTest : public ::testing::Test {
 protected:
  JobQueueTest() : JobQueueTest(bb::testing::TestApp::test_config()) {}
  explicit JobQueueTest(bb::Config c) : app(jobs_manifest(), std::move(c)) {}

  void SetUp() override {
    std::lock_guard lock(g_mutex);
    g_seen.clear();
    g_effects.clear();
    g_gate_open = false;
    g_gate_entered = 0;
    g_stalls_ended = 0;
  }

  bb::JobQueue& queue() { return app.app().jobs(); }
  bb::db::Database& db() { return app.db(); }

  std::string add(std::int64_t n, bb::JobOptions o = {}, std::optional<std::string> mode = {}) {
    json::object in{{"n", n}};
    if (mode) in["mode"] = *mode;
    auto e = queue().enqueue("work", in, o, nullptr);
    EXPECT_FALSE(e.duplicate);
    return e.id;
  }

  bb::db::Row job(const std::string& id) {
    auto row = db().query_one("SELECT * FROM jobs WHERE id = $1", {id});
    EXPECT_TRUE(row) << "no job " << id;
    return row ? *row : bb::db::Row();
  }

  std::int64_t count(std::string_view sql) { return db().query_one(sql)->at("n").as_int64(); }

  void make_due(const std::string& id) {
    db().exec("UPDATE jobs SET run_at = $1 WHERE id = $2", {bb::iso_time(Clock::now() - 1s), id});
  }

  bb::testing::TestApp app;
};

TEST_F(JobQueueTest, BadInputFailsTheCallerAndAddsNoJob) {
  auto r = app.run("enqueuer", {{"target", "work"}, {"n", 1}, {"badInput", true}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), bb::ErrorCode::invalid_argument);
  EXPECT_EQ(r.error->code(), "validation_failed");
  EXPECT_EQ(count("SELECT count(*) AS n FROM jobs"), 0);

  auto unknown = app.run("enqueuer", {{"target", "noSuchAction"}, {"n", 1}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error->kind(), bb::ErrorCode::not_found);
  EXPECT_EQ(bb::http_status(unknown.error->kind()), 404);
  EXPECT_EQ(unknown.error->code(), "action_not_found");
  EXPECT_EQ(count("SELECT count(*) AS n FROM jobs"), 0);

  try {
    queue().enqueue("work", json::object{{"n", 1}}, {.max_attempts = 0}, nullptr);
    ADD_FAILURE() << "max_attempts 0 should be refused";
  } catch (const bb::Error& e) {
    EXPECT_EQ(e.kind(), bb::ErrorCode::invalid_argument);
  }
  EXPECT_EQ(queue().run_due(), 0);
  EXPECT_EQ(queue().stats().enqueued, 0u);
}

TEST_F(JobQueueTest, JobRunsAsQueueTriggerLinkedToTheEnqueuingRun) {
  bb::Auth ada = bb::Auth::user("ada");
  ada.org_id = "org1";
  auto r = app.run("enqueuer", {{"target", "work"}, {"n", 7}}, {.auth = ada});
  ASSERT_TRUE(r.ok()) << r.error->message();
  const std::string id = str(r.output.at("id"));
  EXPECT_EQ(str(job(id).at("status")), "pending");
  EXPECT_TRUE(seen().empty()) << "nothing runs before run_due";

  EXPECT_EQ(app.run_jobs(), 1);
  auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].n, 7);
  EXPECT_EQ(s[0].trigger_type, "queue");
  EXPECT_EQ(s[0].trigger_detail, "job " + id + " attempt 1");
  EXPECT_EQ(s[0].parent_run_id, r.run_id);
  EXPECT_EQ(s[0].trace_id, std::string(r.trace_id));
  EXPECT_TRUE(s[0].auth.is_user());
  EXPECT_EQ(s[0].auth.user_id, "ada");
  EXPECT_EQ(s[0].auth.org_id, "org1");

  auto row = job(id);
  EXPECT_EQ(str(row.at("status")), "completed");
  EXPECT_EQ(row.at("attempts").as_int64(), 1);
  EXPECT_EQ(str(row.at("last_run_id")), s[0].run_id);
  EXPECT_FALSE(str(row.at("finished_at")).empty());
  EXPECT_TRUE(row.at("lease_until").is_null());

  app.flush();
  auto rec = db().query_one(
      "SELECT trigger_type, trigger_detail, parent_run_id, trace_id, status FROM action_runs "
      "WHERE id = $1",
      {s[0].run_id});
  ASSERT_TRUE(rec);
  EXPECT_EQ(str(rec->at("trigger_type")), "queue");
  EXPECT_EQ(str(rec->at("trigger_detail")), "job " + id + " attempt 1");
  EXPECT_EQ(str(rec->at("parent_run_id")), r.run_id);
  EXPECT_EQ(str(rec->at("trace_id")), std::string(r.trace_id));
  EXPECT_EQ(str(rec->at("status")), "success");

  // An anonymous enqueuer's job runs as the system.
  ASSERT_TRUE(app.run("enqueuer", {{"target", "work"}, {"n", 8}}).ok());
  EXPECT_EQ(app.run_jobs(), 1);
  EXPECT_TRUE(seen().back().auth.is_system());
  EXPECT_EQ(queue().stats().completed, 2u);
}

// A transactional outbox: the job row is written through the caller's transaction (the same
// thread joins it on both drivers), so a rolled-back transaction leaves no job behind.
TEST_F(JobQueueTest, EnqueueInATransactionCommitsOrRollsBackWithIt) {
  db().exec("CREATE TABLE job_effects (n INTEGER NOT NULL UNIQUE, run_id TEXT NOT NULL)");
  auto rolled_back = app.run("enqueueInTransaction", {{"target", "work"}, {"n", 1}, {"badInput", true}});
  ASSERT_FALSE(rolled_back.ok());
  EXPECT_EQ(rolled_back.error->code(), "rolled_back");
  EXPECT_EQ(count("SELECT count(*) AS n FROM jobs"), 0) << "the job went with the transaction";
  EXPECT_EQ(count("SELECT count(*) AS n FROM job_effects"), 0);
  EXPECT_EQ(queue().run_due(), 0);

  auto committed = app.run("enqueueInTransaction", {{"target", "work"}, {"n", 2}});
  ASSERT_TRUE(committed.ok()) << committed.error->message();
  EXPECT_EQ(count("SELECT count(*) AS n FROM job_effects"), 1);
  const std::string id = str(committed.output.at("id"));
  EXPECT_EQ(str(job(id).at("status")), "pending") << "committed with the transaction";
  EXPECT_EQ(queue().run_due(), 1);
  ASSERT_EQ(seen().size(), 1u);
  EXPECT_EQ(seen()[0].n, 2);
  EXPECT_EQ(seen()[0].parent_run_id, committed.run_id);

  // Seen from another thread (another connection on PostgreSQL) the job appears only at commit.
  std::string inserted;
  std::int64_t seen_outside = -1;
  db().transaction([&](bb::db::Database& tx) {
    inserted = queue().enqueue("work", json::object{{"n", 3}}, {}, nullptr).id;
    EXPECT_EQ(tx.query_one("SELECT count(*) AS n FROM jobs WHERE id = $1", {inserted})->at("n").as_int64(), 1)
        << "the transaction sees its own job";
    if (db().dialect() == "postgres")  // SQLite's one writer would wait for this transaction
      std::thread([&] {
        seen_outside = db().query_one("SELECT count(*) AS n FROM jobs WHERE id = $1", {inserted})->at("n").as_int64();
      }).join();
  });
  if (db().dialect() == "postgres") {
    EXPECT_EQ(seen_outside, 0);
  }
  EXPECT_EQ(str(job(inserted).at("status")), "pending");
}

TEST_F(JobQueueTest, DelayedAndScheduledJobsWaitForTheirTime) {
  const auto later = add(1, {.delay = 1h});
  const auto future = add(2, {.run_at = Clock::now() + 1h});
  const auto past = add(3, {.run_at = Clock::now() - 1h});
  EXPECT_EQ(queue().run_due(), 1);
  ASSERT_EQ(seen().size(), 1u);
  EXPECT_EQ(seen()[0].n, 3);
  EXPECT_EQ(str(job(later).at("status")), "pending");
  EXPECT_EQ(str(job(future).at("status")), "pending");
  EXPECT_EQ(str(job(past).at("status")), "completed");
  const auto delayed_until = parse_iso(str(job(later).at("run_at")));
  EXPECT_GT(delayed_until, Clock::now() + 59min);

  make_due(later);
  EXPECT_EQ(queue().run_due(), 1);
  EXPECT_EQ(seen().back().n, 1);
  EXPECT_EQ(queue().run_due(), 0);
}

TEST_F(JobQueueTest, HigherPriorityRunsFirstThenOlderFirst) {
  add(1, {.priority = 0});
  add(2, {.priority = 5});
  add(3, {.priority = -1});
  add(4, {.priority = 10});
  add(5, {.run_at = Clock::now() - 1min});  // priority 0, due earlier than job 1
  EXPECT_EQ(queue().run_due(), 5);
  std::vector<std::int64_t> order;
  for (const auto& s : seen()) order.push_back(s.n);
  EXPECT_EQ(order, (std::vector<std::int64_t>{4, 2, 5, 1, 3}));
}

TEST_F(JobQueueTest, UniqueKeyDedupesWhilePendingOrRunning) {
  auto first = queue().enqueue("work", json::object{{"n", 1}}, {.unique_key = "report:1"}, nullptr);
  auto again = queue().enqueue("work", json::object{{"n", 2}}, {.unique_key = "report:1"}, nullptr);
  EXPECT_FALSE(first.duplicate);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.id, first.id);
  auto other = queue().enqueue("work", json::object{{"n", 3}}, {.unique_key = "report:2"}, nullptr);
  EXPECT_FALSE(other.duplicate);
  EXPECT_EQ(count("SELECT count(*) AS n FROM jobs"), 2);
  EXPECT_EQ(queue().stats().enqueued, 2u);

  // Running counts as well.
  db().exec("UPDATE jobs SET status = 'running', lease_until = $1 WHERE id = $2",
            {bb::iso_in(1h), first.id});
  auto while_running =
      queue().enqueue("work", json::object{{"n", 4}}, {.unique_key = "report:1"}, nullptr);
  EXPECT_TRUE(while_running.duplicate);
  EXPECT_EQ(while_running.id, first.id);

  db().exec("UPDATE jobs SET status = 'pending', lease_until = NULL WHERE id = $1", {first.id});
  EXPECT_EQ(queue().run_due(), 2);
  EXPECT_EQ(str(job(first.id).at("status")), "completed");
  auto after = queue().enqueue("work", json::object{{"n", 5}}, {.unique_key = "report:1"}, nullptr);
  EXPECT_FALSE(after.duplicate) << "the key is free once the job completed";
  EXPECT_NE(after.id, first.id);
}

TEST_F(JobQueueTest, FailingJobRetriesWithBackoffThenDiesKeepingItsError) {
  const auto id = add(1, {.max_attempts = 3, .backoff = 10s}, "fail");

  auto t0 = std::chrono::floor<std::chrono::milliseconds>(Clock::now());
  EXPECT_EQ(queue().run_due(), 1);
  auto t1 = Clock::now();
  auto row = job(id);
  EXPECT_EQ(str(row.at("status")), "pending");
  EXPECT_EQ(row.at("attempts").as_int64(), 1);
  auto run_at = parse_iso(str(row.at("run_at")));
  EXPECT_GE(run_at, t0 + 5s) << "equal jitter: at least half the backoff";
  EXPECT_LE(run_at, t1 + 10s);
  auto error = json::parse(str(row.at("last_error")));
  EXPECT_EQ(error.at("code"), "try_later");
  EXPECT_EQ(error.at("message"), "not yet");
  EXPECT_EQ(queue().run_due(), 0) << "not before its retry time";

  make_due(id);
  t0 = std::chrono::floor<std::chrono::milliseconds>(Clock::now());
  EXPECT_EQ(queue().run_due(), 1);
  t1 = Clock::now();
  row = job(id);
  EXPECT_EQ(row.at("attempts").as_int64(), 2);
  run_at = parse_iso(str(row.at("run_at")));
  EXPECT_GE(run_at, t0 + 10s) << "the second retry waits twice as long";
  EXPECT_LE(run_at, t1 + 20s);

  make_due(id);
  EXPECT_EQ(queue().run_due(), 1);
  row = job(id);
  EXPECT_EQ(str(row.at("status")), "dead");
  EXPECT_EQ(row.at("attempts").as_int64(), 3);
  EXPECT_EQ(json::parse(str(row.at("last_error"))).at("code"), "try_later");
  EXPECT_FALSE(str(row.at("finished_at")).empty());
  make_due(id);
  EXPECT_EQ(queue().run_due(), 0) << "dead stays dead";

  auto s = seen();
  ASSERT_EQ(s.size(), 3u);
  for (std::size_t i = 0; i < s.size(); ++i)
    EXPECT_EQ(s[i].trigger_detail, "job " + id + " attempt " + std::to_string(i + 1));
  EXPECT_EQ(str(row.at("last_run_id")), s[2].run_id);
  EXPECT_EQ(queue().stats().retried, 2u);
  EXPECT_EQ(queue().stats().dead, 1u);
}

TEST_F(JobQueueTest, BackoffIsCappedByMaxBackoff) {
  const auto id = add(1, {.max_attempts = 2, .backoff = 10s, .max_backoff = 4s}, "fail");
  auto t0 = std::chrono::floor<std::chrono::milliseconds>(Clock::now());
  EXPECT_EQ(queue().run_due(), 1);
  auto t1 = Clock::now();
  auto run_at = parse_iso(str(job(id).at("run_at")));
  EXPECT_GE(run_at, t0 + 2s);
  EXPECT_LE(run_at, t1 + 4s);
}

// A worker died during an attempt that had started (its start is marked): the attempt is spent.
TEST_F(JobQueueTest, ExpiredLeaseIsClaimedAgainAndCompletes) {
  const auto id = add(1);
  db().exec(
      "UPDATE jobs SET status = 'running', lease_until = $1, attempts = 1, worker_id = 'gone', started_at = $1 "
      "WHERE id = $2",
      {bb::iso_time(Clock::now() - 1s), id});
  EXPECT_EQ(queue().run_due(), 1);
  auto row = job(id);
  EXPECT_EQ(str(row.at("status")), "completed");
  EXPECT_EQ(row.at("attempts").as_int64(), 2);
  ASSERT_EQ(seen().size(), 1u);
  EXPECT_EQ(seen()[0].trigger_detail, "job " + id + " attempt 2") << "the lost attempt is visible";

  // A live lease is left alone.
  const auto held = add(2);
  db().exec(
      "UPDATE jobs SET status = 'running', lease_until = $1, attempts = 1, worker_id = 'alive' "
      "WHERE id = $2",
      {bb::iso_in(1h), held});
  EXPECT_EQ(queue().run_due(), 0);
  EXPECT_EQ(str(job(held).at("worker_id")), "alive");
}

// A dead worker's job does not wait for the backlog: every claim looks for expired leases
// too (they come first: they are the oldest work), not only once nothing pending is due.
TEST_F(JobQueueTest, AnExpiredLeaseIsTakenAgainWhilePendingJobsAreDue) {
  for (int n = 1; n <= 5; ++n) add(n, {.priority = 5});
  const auto orphan = add(99);
  db().exec(
      "UPDATE jobs SET status = 'running', lease_until = $1, attempts = 1, worker_id = 'gone', started_at = $1 "
      "WHERE id = $2",
      {bb::iso_time(Clock::now() - 1s), orphan});
  EXPECT_EQ(queue().run_due(), 6);
  auto s = seen();
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s[0].n, 99) << "the orphan was taken only after the " << 5 << " due jobs";
  EXPECT_EQ(s[0].trigger_detail, "job " + orphan + " attempt 2");
  EXPECT_EQ(str(job(orphan).at("status")), "completed");
  EXPECT_EQ(job(orphan).at("attempts").as_int64(), 2);
}

TEST_F(JobQueueTest, LeaseExpiredOnTheLastAttemptIsDeadWorkerLost) {
  const auto id = add(1, {.max_attempts = 2});
  db().exec(
      "UPDATE jobs SET status = 'running', lease_until = $1, attempts = 2, worker_id = 'gone', started_at = $1 "
      "WHERE id = $2",
      {bb::iso_time(Clock::now() - 1s), id});
  EXPECT_EQ(queue().run_due(), 1);
  auto row = job(id);
  EXPECT_EQ(str(row.at("status")), "dead");
  EXPECT_EQ(json::parse(str(row.at("last_error"))).at("code"), "worker_lost");
  EXPECT_EQ(row.at("attempts").as_int64(), 2) << "never past max_attempts (it was 3 of 2)";
  EXPECT_TRUE(seen().empty()) << "no further attempt runs";
  EXPECT_EQ(queue().stats().dead, 1u);
}

// A worker died while the job waited in its claim buffer (claimed, attempt counted, never
// started: no start mark): the next claim gives that attempt back, so a job on its last attempt
// still runs, as that same attempt, and refunds counts the refund.
TEST_F(JobQueueTest, AnExpiredLeaseNeverStartedGetsItsAttemptBack) {
  const auto id = add(1, {.max_attempts = 1});
  db().exec("UPDATE jobs SET status = 'running', lease_until = $1, attempts = 1, worker_id = 'gone' WHERE id = $2",
            {bb::iso_time(Clock::now() - 1s), id});
  EXPECT_EQ(queue().run_due(), 1);
  auto row = job(id);
  EXPECT_EQ(str(row.at("status")), "completed") << "not dead without having run";
  EXPECT_EQ(row.at("attempts").as_int64(), 1);
  EXPECT_EQ(row.at("refunds").as_int64(), 1);
  EXPECT_FALSE(row.at("started_at").is_null()) << "its end carries its start";
  ASSERT_EQ(seen().size(), 1u);
  EXPECT_EQ(seen()[0].trigger_detail, "job " + id + " attempt 1");
  EXPECT_EQ(queue().stats().dead, 0u);
}

// Refunds are bounded (max_attempts per job): a job that kills its worker every time before its
// start is marked is given its attempt back that many times, then counted like any other, and
// ends dead (worker_lost) without passing max_attempts.
TEST_F(JobQueueTest, AJobNeverMarkedStartedEndsDeadOnceItsRefundsAreSpent) {
  const auto id = add(1, {.max_attempts = 2});
  auto lose = [&] {  // the claim below took it, then its worker died before the start was written
    db().exec("UPDATE jobs SET status = 'running', lease_until = $1, worker_id = 'gone', started_at = NULL "
              "WHERE id = $2",
              {bb::iso_time(Clock::now() - 1s), id});
  };
  // Each claim as the expired-lease pick does it, without running the job (the worker "dies").
  const std::string claim_sql = bb::jobs_sql::claim({}, true, true, db().dialect() == "sqlite");
  auto claim = [&] {
    return db().query(claim_sql, {"w", bb::iso_in(1h), bb::iso_now(), std::int64_t{10}, "{\"code\":\"worker_lost\"}",
                                  nullptr});
  };
  std::vector<std::pair<std::int64_t, std::int64_t>> seen_attempts;  // (attempts, refunds) after each claim
  ASSERT_EQ(claim().size(), 1u);  // the first claim: attempt 1
  for (int crash = 0; crash < 10; ++crash) {
    lose();
    auto rows = claim();
    ASSERT_EQ(rows.size(), 1u);
    auto row = job(id);
    seen_attempts.emplace_back(row.at("attempts").as_int64(), row.at("refunds").as_int64());
    if (str(row.at("status")) == "dead") break;
  }
  const std::vector<std::pair<std::int64_t, std::int64_t>> expected = {{1, 1}, {1, 2}, {2, 2}, {2, 2}};
  EXPECT_EQ(seen_attempts, expected) << "two refunds (max_attempts 2), then counted, then dead";
  auto row = job(id);
  EXPECT_EQ(str(row.at("status")), "dead");
  EXPECT_EQ(json::parse(str(row.at("last_error"))).at("code"), "worker_lost");
  EXPECT_LE(row.at("attempts").as_int64(), row.at("max_attempts").as_int64());
}

TEST_F(JobQueueTest, JobOfAnActionNoLongerInTheCodeIsDead) {
  const auto id = add(1);
  db().exec("UPDATE jobs SET action = 'removedAction' WHERE id = $1", {id});
  EXPECT_EQ(queue().run_due(), 1);
  auto row = job(id);
  EXPECT_EQ(str(row.at("status")), "dead");
  EXPECT_EQ(json::parse(str(row.at("last_error"))).at("code"), "action_not_found");
  EXPECT_TRUE(seen().empty());
}

bb::Config retention_config() {
  bb::Config c = bb::testing::TestApp::test_config();
  c.queue.retention = std::chrono::hours(1);
  c.events.retention = std::chrono::hours(1);
  return c;
}

// With claim_batch, an idle worker claims more than it can start: the rest wait in the
// instance's buffer, leased (status running) so no other instance takes them. stop() hands
// back the ones that never started, without counting an attempt.
class JobQueueBatch : public JobQueueTest {
 protected:
  static bb::Config config() {
    bb::Config c = bb::testing::TestApp::test_config();
    c.queue.workers = 1;
    c.queue.claim_batch = 10;
    c.queue.poll_ms = 20;
    return c;
  }
  JobQueueBatch() : JobQueueTest(config()) {}
};

TEST_F(JobQueueBatch, ClaimedJobsWaitLeasedAndStopHandsBackThoseNotStarted) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(queue().enqueue("gate", json::object{{"n", i}}, {}, nullptr).id);
  queue().start();
  {
    std::unique_lock lock(g_mutex);
    ASSERT_TRUE(g_gate_changed.wait_for(lock, 5s, [] { return g_gate_entered == 1; }));
  }
  EXPECT_EQ(count("SELECT count(*) AS n FROM jobs WHERE status = 'running' AND lease_until IS NOT NULL"), 5)
      << "one job runs, four wait in this instance's buffer, all leased";
  EXPECT_EQ(count("SELECT count(DISTINCT worker_id) AS n FROM jobs"), 1) << "claimed in one statement";

  std::thread stopper([&] { queue().stop(); });
  std::this_thread::sleep_for(300ms);  // stop() is waiting for the running job
  {
    std::lock_guard lock(g_mutex);
    g_gate_open = true;
  }
  g_gate_changed.notify_all();
  stopper.join();

  EXPECT_EQ(str(job(ids[0]).at("status")), "completed");
  EXPECT_EQ(job(ids[0]).at("attempts").as_int64(), 1);
  for (std::size_t i = 1; i < ids.size(); ++i) {
    auto row = job(ids[i]);
    EXPECT_EQ(str(row.at("status")), "pending") << "job " << i;
    EXPECT_EQ(row.at("attempts").as_int64(), 0) << "job " << i << ": handed back, no attempt counted";
    EXPECT_TRUE(row.at("worker_id").is_null() && row.at("lease_until").is_null()) << "job " << i;
  }
  {
    std::lock_guard lock(g_mutex);
    EXPECT_EQ(g_gate_entered, 1) << "no job started after stop()";
  }
  EXPECT_EQ(queue().run_due(), 4);
  EXPECT_EQ(count("SELECT count(*) AS n FROM jobs WHERE status = 'completed' AND attempts = 1"), 5);
  EXPECT_EQ(queue().stats().completed, 5u) << "counted once written";
}

// The start of an attempt is written while its handler runs, without waiting for its end (the
// claim counted it; the mark tells a lease-expired claim whether to give it back); the jobs
// waiting in the buffer have none.
TEST_F(JobQueueBatch, AStartIsMarkedWhileTheJobRunsAndBufferedJobsHaveNone) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(queue().enqueue("gate", json::object{{"n", i}}, {}, nullptr).id);
  queue().start();
  {
    std::unique_lock lock(g_mutex);
    ASSERT_TRUE(g_gate_changed.wait_for(lock, 5s, [] { return g_gate_entered == 1; }));
  }
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (count("SELECT count(*) AS n FROM jobs WHERE started_at IS NOT NULL") == 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(count("SELECT count(*) AS n FROM jobs WHERE status = 'running' AND started_at IS NOT NULL"), 1)
      << "the running job's start is written before it ends";
  EXPECT_EQ(count("SELECT count(*) AS n FROM jobs WHERE status = 'running' AND started_at IS NULL"), 4)
      << "the buffered ones have no start";
  EXPECT_EQ(count("SELECT count(*) AS n FROM jobs WHERE status = 'running' AND attempts = 1"), 5)
      << "the claim counted all five";
  {
    std::lock_guard lock(g_mutex);
    g_gate_open = true;
  }
  g_gate_changed.notify_all();
  queue().stop();
  EXPECT_EQ(count("SELECT count(*) AS n FROM jobs WHERE status = 'completed' AND started_at IS NOT NULL AND "
                  "started_at <= finished_at"),
            static_cast<std::int64_t>(count("SELECT count(*) AS n FROM jobs WHERE status = 'completed'")));
}

// Timeouts, with real workers: an attempt still running at its timeout is failed then
// (timed_out), retried after its backoff or dead after the last attempt; its own late end
// changes nothing. A lease of 1 s, renewed every 333 ms.
class JobQueueTimeouts : public JobQueueTest {
 protected:
  static bb::Config config() {
    bb::Config c = bb::testing::TestApp::test_config();
    c.queue.workers = 2;
    c.queue.poll_ms = 20;
    c.queue.lease = 1s;
    return c;
  }
  JobQueueTimeouts() : JobQueueTest(config()) {}

  bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }
  std::size_t started() { return seen().size(); }
  int ended() {
    std::lock_guard lock(g_mutex);
    return g_stalls_ended;
  }
};

// Every attempt runs past its timeout (and would succeed much later): the job ends dead as
// timed_out with its two attempts, logged, instead of dead as "worker_lost" with 3 of 2.
TEST_F(JobQueueTimeouts, AJobPastItsTimeoutOnEveryAttemptIsDeadAsTimedOut) {
  const std::string id =
      queue().enqueue("stall", json::object{{"n", 1}, {"ms", 1500}},
                      {.max_attempts = 2, .backoff = 10ms, .timeout = 300ms}, nullptr).id;
  ::testing::internal::CaptureStderr();
  queue().start();
  const bool dead = wait_for([&] { return str(job(id).at("status")) == "dead"; }, 8s);
  // Both late attempts end (1.5 s each), and nothing changes after.
  const bool quiet = wait_for([&] { return ended() >= static_cast<int>(started()); }, 5s);
  std::this_thread::sleep_for(400ms);
  queue().stop();
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(dead) << "the job is " << str(job(id).at("status"));
  EXPECT_TRUE(quiet);
  auto row = job(id);
  EXPECT_EQ(str(row.at("status")), "dead");
  EXPECT_EQ(row.at("attempts").as_int64(), 2) << "attempts counted truly, never past max_attempts";
  auto error = json::parse(str(row.at("last_error")));
  EXPECT_EQ(error.at("code"), "timed_out") << error;
  EXPECT_EQ(started(), 2u) << "no third attempt";
  EXPECT_NE(log.find("ran past its timeout"), std::string::npos) << log;
  EXPECT_EQ(queue().stats().dead, 1u);
}

// The first attempt times out and is retried in the same process while it still runs; when it
// finally ends, the retry (same job id) keeps its lease: it completes as attempt 2, and no
// third attempt starts after its lease would have run out.
TEST_F(JobQueueTimeouts, ARetryInTheSameProcessKeepsItsLeaseWhenTheTimedOutAttemptEnds) {
  const std::string id =
      queue().enqueue("stall", json::object{{"n", 1}, {"ms", 1600}, {"gateFirst", true}},
                      {.max_attempts = 3, .backoff = 10ms, .timeout = 2000ms}, nullptr).id;
  queue().start();
  ASSERT_TRUE(wait_for([&] { return started() >= 2; }, 6s)) << "no second attempt";
  {
    std::lock_guard lock(g_mutex);
    g_gate_open = true;  // the first attempt ends now, 1.6 s before the second
  }
  g_gate_changed.notify_all();
  const bool completed = wait_for([&] { return str(job(id).at("status")) == "completed"; }, 5s);
  std::this_thread::sleep_for(200ms);
  queue().stop();
  ASSERT_TRUE(completed) << "the job is " << str(job(id).at("status"));
  auto row = job(id);
  EXPECT_EQ(row.at("attempts").as_int64(), 2);
  auto s = seen();
  ASSERT_EQ(s.size(), 2u) << "a third attempt started: the retry's lease ran out while it ran";
  EXPECT_EQ(s[1].trigger_detail, "job " + id + " attempt 2");
  EXPECT_EQ(str(row.at("last_run_id")), s[1].run_id);
}

class JobQueuePrune : public JobQueueTest {
 protected:
  JobQueuePrune() : JobQueueTest(retention_config()) {}
};

TEST_F(JobQueuePrune, RemovesFinishedJobsAndEventsPastRetention) {
  const auto old_done = add(1), new_done = add(2), pending = add(3, {.delay = 2h}),
             old_dead = add(4), old_cancelled = add(5);
  EXPECT_EQ(queue().run_due(), 4);
  const std::string long_ago = bb::iso_time(Clock::now() - 2h);
  db().exec("UPDATE jobs SET finished_at = $1 WHERE id IN ($2, $3, $4)",
            {long_ago, old_done, old_dead, old_cancelled});
  db().exec("UPDATE jobs SET status = 'dead' WHERE id = $1", {old_dead});
  db().exec("UPDATE jobs SET status = 'cancelled' WHERE id = $1", {old_cancelled});
  db().exec("UPDATE jobs SET created_at = $1 WHERE id = $2", {long_ago, pending});
  db().exec(
      "INSERT INTO events (id, name, payload, emitted_at) VALUES ('old', 'x', '{}', $1), ('new', "
      "'x', '{}', $2)",
      {long_ago, bb::iso_now()});

  queue().prune();
  std::vector<std::string> left;
  for (const auto& r : db().query("SELECT id FROM jobs"))
    left.push_back(str(r.as_object().at("id")));
  std::sort(left.begin(), left.end());
  std::vector<std::string> expected{new_done, pending, old_dead};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(left, expected) << "completed and cancelled past retention go; dead and pending stay";
  auto events = db().query("SELECT id FROM events");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(str(events[0].as_object().at("id")), "new");
}

// Real workers on a file database: every job runs exactly once.
class JobQueueWorkers : public ::testing::Test {
 protected:
  void SetUp() override {
    std::lock_guard lock(g_mutex);
    g_seen.clear();
    g_effects.clear();
    g_gate_open = false;
    g_gate_entered = 0;
  }
  void TearDown() override {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path.string() + suffix, ec);
  }
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("bunbase-jobs-" + bb::new_id() + ".db");
};

TEST_F(JobQueueWorkers, ConcurrentClaimersRunEveryJobExactlyOnce) {
  bb::Config c = bb::testing::TestApp::test_config();
  c.database.url = "sqlite://" + path.string();
  c.queue.workers = 4;
  c.queue.queues = {{"second", 2}};
  c.queue.poll_ms = 20;
  {
    bb::testing::TestApp app(jobs_manifest(), c);
    app.db().exec("CREATE TABLE job_effects (n INTEGER NOT NULL UNIQUE, run_id TEXT NOT NULL)");
    constexpr int kJobs = 200;
    for (int i = 0; i < kJobs; ++i)
      app.app().jobs().enqueue("effect", json::object{{"n", i}},
                               {.queue = i % 4 == 0 ? "second" : "default"}, nullptr);

    app.app().jobs().start();
    app.app().jobs().start();  // a second start adds no threads
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    std::int64_t done = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      done = app.db()
                 .query_one("SELECT count(*) AS n FROM jobs WHERE status IN ('completed', 'dead')")
                 ->at("n")
                 .as_int64();
      if (done == kJobs) break;
      std::this_thread::sleep_for(10ms);
    }
    app.app().jobs().stop();
    ASSERT_EQ(done, kJobs) << "every job finished";

    EXPECT_EQ(
        app.db()
            .query_one("SELECT count(*) AS n FROM jobs WHERE status = 'completed' AND attempts = 1")
            ->at("n")
            .as_int64(),
        kJobs);
    EXPECT_EQ(app.db().query_one("SELECT count(*) AS n FROM job_effects")->at("n").as_int64(),
              kJobs);
    std::lock_guard lock(g_mutex);
    ASSERT_EQ(g_effects.size(), static_cast<std::size_t>(kJobs));
    for (const auto& [n, runs] : g_effects) EXPECT_EQ(runs, 1) << "job " << n;
    EXPECT_EQ(app.app().jobs().stats().completed, static_cast<std::uint64_t>(kJobs));
    app.app().jobs().stop();  // idempotent
  }
}

// Several instances on one PostgreSQL schema (each an App with its own pool, as separate
// processes would be), each with several threads claiming: FOR UPDATE SKIP LOCKED hands every
// job to exactly one claimer, and nobody waits on or deadlocks with anybody else.
TEST(JobQueueOnPostgres, ConcurrentInstancesClaimEveryJobExactlyOnce) {
  bb::Config c = bb::testing::TestApp::test_config();
  if (!c.database.url.starts_with("postgres")) c.database.url = bb::testing::PgCluster::shared().url();
  c.persistence.enabled = false;  // the run history is not what this measures
  {
    std::lock_guard lock(g_mutex);
    g_effects.clear();
  }
  bb::testing::TestApp first(jobs_manifest(), c);  // a fresh schema, migrated
  bb::Config same = c;
  same.database.url = first.app().config().database.url;  // that schema
  constexpr int kInstances = 4, kThreads = 4, kJobs = 2000;
  std::vector<std::unique_ptr<bb::App>> others;
  for (int i = 1; i < kInstances; ++i) {
    others.push_back(std::make_unique<bb::App>(jobs_manifest(), same));
    others.back()->open();
  }
  std::vector<bb::App*> instances{&first.app()};
  for (auto& o : others) instances.push_back(o.get());

  first.db().exec("CREATE TABLE job_effects (n INTEGER NOT NULL UNIQUE, run_id TEXT NOT NULL)");
  first.db().transaction([&](bb::db::Database&) {
    for (int i = 0; i < kJobs; ++i)
      first.app().jobs().enqueue("effect", json::object{{"n", i}}, {.priority = i % 3}, nullptr);
  });

  std::atomic<int> ran{0};
  std::mutex errors_mutex;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  const auto started = std::chrono::steady_clock::now();
  for (bb::App* app : instances)
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, app] {
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (ran.load() < kJobs && std::chrono::steady_clock::now() < deadline) {
          try {
            int n = app->jobs().run_due();
            ran += n;
            if (n == 0) std::this_thread::sleep_for(5ms);  // the last jobs are still running elsewhere
          } catch (const std::exception& e) {
            std::lock_guard lock(errors_mutex);
            errors.push_back(e.what());
          }
        }
      });
  for (auto& t : threads) t.join();
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);

  EXPECT_TRUE(errors.empty()) << errors.size() << " claim errors, the first: " << errors.front();
  EXPECT_EQ(ran.load(), kJobs);
  auto n = [&](std::string_view sql) { return first.db().query_one(sql)->at("n").as_int64(); };
  EXPECT_EQ(n("SELECT count(*) AS n FROM jobs WHERE status = 'completed' AND attempts = 1"), kJobs);
  EXPECT_EQ(n("SELECT count(*) AS n FROM job_effects"), kJobs);
  EXPECT_GE(n("SELECT count(DISTINCT worker_id) AS n FROM jobs"), kInstances) << "every instance claimed some";
  std::uint64_t completed = 0, retried = 0, dead = 0;
  for (bb::App* app : instances) {
    completed += app->jobs().stats().completed;
    retried += app->jobs().stats().retried;
    dead += app->jobs().stats().dead;
  }
  EXPECT_EQ(completed, static_cast<std::uint64_t>(kJobs));
  EXPECT_EQ(retried + dead, 0u);
  {
    std::lock_guard lock(g_mutex);
    ASSERT_EQ(g_effects.size(), static_cast<std::size_t>(kJobs));
    for (const auto& [job, runs] : g_effects) EXPECT_EQ(runs, 1) << "job " << job;
  }
  std::cout << "[ timing   ] " << kJobs << " jobs by " << kInstances << " instances x " << kThreads
            << " threads in " << took.count() << " ms\n";
  others.clear();  // before `first` drops the schema
}

// On PostgreSQL a new job is announced with NOTIFY: an idle instance that polls once a minute
// starts it at once, also when it was added in a transaction (announced at commit).
TEST(JobQueueOnPostgres, AnotherInstanceStartsANewJobWithoutWaitingForItsPoll) {
  bb::Config c = bb::testing::TestApp::test_config();
  if (!c.database.url.starts_with("postgres")) c.database.url = bb::testing::PgCluster::shared().url();
  c.persistence.enabled = false;
  {
    std::lock_guard lock(g_mutex);
    g_effects.clear();
  }
  bb::testing::TestApp adder(jobs_manifest(), c);  // its queue is not started: it only adds
  adder.db().exec("CREATE TABLE job_effects (n INTEGER NOT NULL UNIQUE, run_id TEXT NOT NULL)");
  bb::Config worker_config = c;
  worker_config.database.url = adder.app().config().database.url;
  worker_config.queue.poll_ms = 60000;
  auto worker = std::make_unique<bb::App>(jobs_manifest(), worker_config);
  worker->open();
  worker->jobs().start();
  std::this_thread::sleep_for(200ms);  // its workers have looked once and now wait a minute

  auto done = [&](std::int64_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (adder.db().query_one("SELECT count(*) AS n FROM job_effects WHERE n = $1", {n})->at("n").as_int64() == 1)
        return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  };
  const auto started = std::chrono::steady_clock::now();
  adder.app().jobs().enqueue("effect", json::object{{"n", 1}}, {}, nullptr);
  EXPECT_TRUE(done(1)) << "the other instance heard of the job";
  adder.db().transaction([&](bb::db::Database&) {
    adder.app().jobs().enqueue("effect", json::object{{"n", 2}}, {}, nullptr);
    std::this_thread::sleep_for(100ms);  // not visible, not announced yet
  });
  EXPECT_TRUE(done(2)) << "a job added in a transaction is announced when it commits";
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  worker->jobs().stop();
  worker.reset();  // before `adder` drops the schema
}

}  // namespace
