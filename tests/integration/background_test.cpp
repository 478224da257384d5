// Work that runs in the background: the demo's user.created -> welcomeNewUser -> sendWelcomeEmail
// chain in one trace, and jobs-app (tests/apps/jobs-app) for what needs a purpose-built app: a
// kill -9 in the middle of jobs, a cron tick every second, start-up and enqueue errors, and two
// instances sharing one database. Every wait polls with a deadline; timings are measured.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <memory>
#include <set>

#include "tests/integration/support/demo_server.hpp"
#include "tests/integration/support/jobs_app.hpp"
#include "tests/integration/support/problem.hpp"

namespace bbit {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;
using Ms = std::chrono::milliseconds;

constexpr std::string_view kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string kTraceparent = "00-" + std::string(kTrace) + "-00f067aa0ba902b7-01";

std::int64_t now_ms() {
  return std::chrono::duration_cast<Ms>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2026-11-24T18:15:12.085Z" -> Unix milliseconds (-1 when it is not that format).
std::int64_t iso_ms(const std::string& s) {
  int y, mo, d, h, mi, sec, ms = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &y, &mo, &d, &h, &mi, &sec, &ms) != 7)
    return -1;
  std::tm tm{};
  tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d, tm.tm_hour = h, tm.tm_min = mi,
  tm.tm_sec = sec;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

boost::json::value parse(const std::optional<std::string>& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text.value_or("null"), ec);
  return ec ? boost::json::value("<invalid JSON: " + text.value_or("") + ">") : v;
}

std::int64_t as_int(const std::optional<std::string>& v) { return v ? std::stoll(*v) : -1; }

// ---- jobs-app -----------------------------------------------------------------------------

// jobs-app's bunbase.toml in `dir`: its database `url`, any free port, 4 workers that look for
// due jobs every 50 ms, a 2 s lease, and the run history flushed every 200 ms.
void write_jobs_config(const TempDir& dir, const std::string& url) {
  write_file(dir / "bunbase.toml",
             "host = \"127.0.0.1\"\nport = 0\n"
             "[database]\nurl = \"" +
                 url +
                 "\"\n"
                 "[persistence]\nflush_interval_ms = 200\n"
                 "[queue]\nworkers = 4\npoll_ms = 50\nlease = \"2s\"\n");
}

// A scratch directory with jobs-app's config; kept (and named) when the test fails.
class JobsAppTest : public ::testing::Test {
 protected:
  JobsAppTest() { write_jobs_config(dir, database.url()); }
  ~JobsAppTest() override {
    if (HasFailure()) {
      dir.keep();
      database.keep();
      std::cerr << "[ jobs-app dir kept: " << dir.path() << " ]\n";
    }
  }
  const std::string& db_url() const { return database.url(); }

  // `jobs-app run <action> --input <json>` (the operator's CLI) on this test's database.
  Completed cli(const std::string& action, const std::string& input) {
    return run_to_end(kJobsApp, {"run", action, "--input", input},
                      {.cwd = dir.path(), .name = "cli"});
  }
  // The same, expecting success: the printed output as JSON.
  boost::json::value cli_ok(const std::string& action, const std::string& input) {
    Completed c = cli(action, input);
    EXPECT_EQ(c.code, 0) << action << " " << input << "\n" << c.err;
    boost::system::error_code ec;
    auto v = boost::json::parse(c.out, ec);
    EXPECT_FALSE(ec) << action << " printed: " << c.out;
    return ec ? boost::json::value() : v;
  }

  TempDir dir;
  TestDatabase database{dir.path()};
};

// A tick's due time, from its trigger detail "* * * * * * @ <due>".
std::int64_t due_of(const Db::Row& tick) {
  const std::string detail = tick.at("detail").value_or("");
  const auto at = detail.rfind(" @ ");
  return at == std::string::npos ? -1 : iso_ms(detail.substr(at + 3));
}

// ---- the demo: event -> subscriber -> job, one trace -------------------------------------

TEST(BackgroundDemo, CreateUserEmitsUserCreatedWhoseSubscriberQueuesTheWelcomeEmailInTheSameTrace) {
  DemoServer server;
  const std::string email = "newcomer@example.com";
  const auto sent = now_ms();
  Response created =
      http(server.port(), "POST", "/users", R"({"email":"newcomer@example.com","name":"Newcomer"})",
           {{"traceparent", kTraceparent}});
  ASSERT_EQ(created.status, 201) << created;
  const std::string user_id = str(created.json().at("id"));

  Db db(server.db_url());
  ASSERT_TRUE(eventually(
      [&] {
        return db.count(
                   "SELECT count(*) FROM mail_outbox WHERE kind = 'welcome' AND to_address = ?",
                   {email}) > 0;
      },
      Ms(10000)))
      << "no welcome mail within 10 s";
  const auto mailed = now_ms() - sent;
  EXPECT_LT(mailed, 5000) << "the welcome mail took " << mailed << " ms";
  EXPECT_EQ(db.count("SELECT count(*) FROM mail_outbox WHERE kind = 'welcome' AND to_address = ?",
                     {email}),
            1);
  auto mail = db.query(
      "SELECT subject, body_text FROM mail_outbox WHERE kind = 'welcome' AND to_address = ?",
      {email});
  EXPECT_EQ(mail.at(0)["subject"], "Welcome to saas-demo");
  EXPECT_THAT(mail.at(0)["body_text"].value_or(""), HasSubstr("Hello Newcomer"));

  // The run history is written every flush interval (2 s in the demo's config).
  const std::string chain =
      "SELECT * FROM action_runs WHERE trace_id = ? AND action_name IN ('createUser', "
      "'welcomeNewUser', "
      "'sendWelcomeEmail') ORDER BY id";
  ASSERT_TRUE(
      eventually([&] { return db.query(chain, {std::string(kTrace)}).size() >= 3; }, Ms(10000)))
      << "the three runs were not recorded in the request's trace";
  auto runs = db.query(chain, {std::string(kTrace)});
  ASSERT_EQ(runs.size(), 3u);
  std::map<std::string, Db::Row> by;
  for (auto& r : runs) by[*r["action_name"]] = r;
  auto& create = by["createUser"];
  auto& welcome = by["welcomeNewUser"];
  auto& send = by["sendWelcomeEmail"];
  for (auto* r : {&create, &welcome, &send}) {
    EXPECT_EQ((*r)["trace_id"], std::string(kTrace)) << (*r)["action_name"].value_or("?");
    EXPECT_EQ((*r)["status"], "success")
        << (*r)["action_name"].value_or("?") << " " << (*r)["error"].value_or("");
  }
  EXPECT_EQ(create["trigger_type"], "api");
  EXPECT_EQ(create["parent_run_id"], std::nullopt);

  auto event = db.query("SELECT * FROM events WHERE name = 'user.created'");
  ASSERT_EQ(event.size(), 1u);
  EXPECT_EQ(parse(event[0]["payload"]),
            (boost::json::object{{"userId", user_id}, {"email", email}, {"name", "Newcomer"}}));
  EXPECT_EQ(event[0]["run_id"], create["id"]);
  EXPECT_EQ(event[0]["trace_id"], std::string(kTrace));
  EXPECT_TRUE(iso_ms(event[0]["emitted_at"].value_or("")) > 0)
      << event[0]["emitted_at"].value_or("NULL");

  EXPECT_EQ(welcome["trigger_type"], "event");
  EXPECT_EQ(welcome["trigger_detail"], "user.created " + event[0]["id"].value_or("?"));
  EXPECT_EQ(welcome["parent_run_id"], create["id"]);
  EXPECT_EQ(parse(welcome["input"]), parse(event[0]["payload"]));

  auto jobs = db.query("SELECT * FROM jobs WHERE action = 'sendWelcomeEmail'");
  ASSERT_EQ(jobs.size(), 1u);
  auto& job = jobs[0];
  EXPECT_EQ(job["status"], "completed");
  EXPECT_EQ(job["attempts"], "1");
  EXPECT_EQ(job["max_attempts"], "5");
  EXPECT_EQ(job["unique_key"], "welcome:" + user_id);
  EXPECT_EQ(job["trace_id"], std::string(kTrace));
  EXPECT_EQ(job["parent_run_id"], welcome["id"]);
  EXPECT_EQ(job["user_id"], server.user_id())
      << "the job runs as the principal of the run that queued it";
  EXPECT_EQ(job["last_error"], std::nullopt);
  EXPECT_EQ(job["last_run_id"], send["id"]);
  EXPECT_EQ(parse(job["input"]), (boost::json::object{{"userId", user_id}}));
  EXPECT_EQ(parse(welcome["output"]),
            (boost::json::object{{"jobId", job["id"].value_or("")}, {"duplicate", false}}));

  EXPECT_EQ(send["trigger_type"], "queue");
  EXPECT_EQ(send["trigger_detail"], "job " + job["id"].value_or("?") + " attempt 1");
  EXPECT_EQ(send["parent_run_id"], welcome["id"]);
  EXPECT_EQ(parse(send["output"]), (boost::json::object{{"to", email}}));

  // The operator's view of the events, from the CLI on the same database.
  Completed events = run_to_end(kSaasDemo, {"run", "listEvents", "--input", R"({"name":"user.created","limit":5})"},
                                {.cwd = server.dir().path(), .env = {{"DATABASE_URL", server.db_url()}}, .name = "events"});
  ASSERT_EQ(events.code, 0) << events.err;
  auto listed = boost::json::parse(events.out);
  ASSERT_EQ(listed.at("items").as_array().size(), 1u) << events.out;
  EXPECT_EQ(str(listed.at("items").at(0).at("id")), event[0]["id"].value_or("?"));
  EXPECT_EQ(str(listed.at("items").at(0).at("trace_id")), kTrace);
  EXPECT_EQ(parse(std::string(listed.at("items").at(0).at("payload").as_string())), parse(event[0]["payload"]));
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

// ---- kill -9 with jobs running --------------------------------------------------------------

using BackgroundCrash = JobsAppTest;

TEST_F(BackgroundCrash, EveryJobCompletesAfterAKillAndRestartAndADuplicateShowsInTheAttempts) {
  constexpr int kJobs = 60;
  std::optional<JobsApp> first(std::in_place, dir);
  Response r =
      http(first->port(), "POST", "/enqueue", R"({"count":60,"prefix":"c","sleepMs":250})");
  ASSERT_EQ(r.status, 201) << r;
  ASSERT_EQ(r.json().at("jobIds").as_array().size(), std::size_t(kJobs));

  Db db(db_url());
  // Some completed, four in the middle of their sleep: then the process dies without a word.
  ASSERT_TRUE(eventually(
      [&] {
        return db.count("SELECT count(*) FROM jobs WHERE status = 'completed'") >= 4 &&
               db.count("SELECT count(*) FROM jobs WHERE status = 'running'") == 4;
      },
      Ms(10000)))
      << "the workers did not get going";
  first->process().signal(SIGKILL);
  ASSERT_EQ(first->process().wait(Ms(5000)), 128 + SIGKILL);
  const pid_t first_pid = first->pid();
  first.reset();

  // What the dead process left: jobs marked running under a lease nobody renews any more.
  auto orphans = db.query("SELECT id, attempts, lease_until FROM jobs WHERE status = 'running'");
  ASSERT_FALSE(orphans.empty()) << "no job was running at the kill";
  const std::int64_t completed_before =
      db.count("SELECT count(*) FROM jobs WHERE status = 'completed'");
  ASSERT_LT(completed_before, kJobs) << "every job had finished before the kill";

  const auto restarted_at = now_ms();
  JobsApp second(dir);
  ASSERT_TRUE(eventually(
      [&] { return db.count("SELECT count(*) FROM jobs WHERE status = 'completed'") == kJobs; },
      Ms(20000)))
      << db.count("SELECT count(*) FROM jobs WHERE status = 'completed'") << " of " << kJobs
      << " completed";
  const auto took = now_ms() - restarted_at;
  // 60 - completed jobs of 250 ms on 4 workers, and the orphans after a lease of at most 2 s.
  EXPECT_LT(took, 10000) << "the restarted app took " << took << " ms to finish the jobs";
  EXPECT_EQ(db.count("SELECT count(*) FROM jobs"), kJobs);

  // None lost: every key ran to the end at least once; a key that ran twice belongs to a job
  // that was attempted twice (at least once delivery, visible in `attempts`).
  int duplicates = 0;
  for (auto& job : db.query("SELECT id, input, attempts, last_run_id FROM jobs")) {
    const std::string key = str(parse(job["input"]).at("key"));
    const std::int64_t attempts = as_int(job["attempts"]);
    const std::int64_t runs = db.count("SELECT count(*) FROM done WHERE key = ?", {key});
    EXPECT_GE(runs, 1) << "job " << *job["id"] << " (" << key << ") was lost";
    EXPECT_LE(runs, attempts) << key << " ran more often than the job's attempts say";
    if (runs >= 2) {
      ++duplicates;
      EXPECT_GE(attempts, 2) << key << " ran twice with a single attempt recorded";
    }
    EXPECT_TRUE(job["last_run_id"].has_value()) << key;
  }
  EXPECT_EQ(db.count("SELECT count(*) FROM done"), kJobs + duplicates);
  std::cerr << "[ killed with " << orphans.size() << " running and " << completed_before
            << " completed; " << duplicates << " duplicate(s); the restarted app finished in "
            << took << " ms ]\n";

  // The orphans were taken again by the new process, and not before their lease ran out.
  for (auto& o : orphans) {
    auto job = db.query("SELECT input, attempts FROM jobs WHERE id = ?", {*o["id"]}).at(0);
    const std::string key = str(parse(job["input"]).at("key"));
    EXPECT_EQ(as_int(job["attempts"]), as_int(o["attempts"]) + 1) << key;
    auto rerun = db.query("SELECT * FROM done WHERE key = ? AND pid = ?",
                          {key, std::to_string(second.pid())});
    ASSERT_EQ(rerun.size(), 1u) << key << " was not run again by the restarted app";
    EXPECT_EQ(rerun[0]["detail"],
              "job " + *o["id"] + " attempt " + std::to_string(as_int(o["attempts"]) + 1));
    const std::int64_t lease_end = iso_ms(o["lease_until"].value_or(""));
    ASSERT_GT(lease_end, 0) << o["lease_until"].value_or("NULL");
    // claimed after the lease ended, then 250 ms of sleep
    EXPECT_GE(as_int(rerun[0]["at_ms"]), lease_end + 250)
        << key << " was taken again before its lease ran out";
    EXPECT_LE(as_int(rerun[0]["at_ms"]), lease_end + 3000)
        << key << " waited long after its lease ran out";
    EXPECT_EQ(db.count("SELECT count(*) FROM done WHERE key = ? AND pid = ?",
                       {key, std::to_string(first_pid)}),
              0)
        << key << " finished in the killed process too, yet was marked running";
  }
}

// ---- cron with a seconds field ------------------------------------------------------------

using BackgroundCron = JobsAppTest;

TEST_F(BackgroundCron, AnEverySecondTickFiresOnTimeAndCanBePausedResumedAndRunNow) {
  JobsApp app(dir);
  Db db(db_url());
  auto ticks_between = [&](std::int64_t from, std::int64_t to) {  // by due time, (from, to]
    std::vector<Db::Row> out;
    for (auto& t : db.query("SELECT * FROM ticks ORDER BY at_ms"))
      if (due_of(t) > from && due_of(t) <= to) out.push_back(t);
    return out;
  };

  // A window of 4 s holds 4 whole seconds: each must have fired once, on time.
  const std::int64_t from = now_ms(), to = from + 4000;

  // Meanwhile, the operator's view of the schedule.
  const auto asked = now_ms();
  auto list = cli_ok("listSchedules", "{}");
  const auto answered = now_ms();
  ASSERT_TRUE(list.is_object() && list.at("items").is_array()) << list;
  ASSERT_EQ(list.at("items").as_array().size(), 1u)
      << list << " (configuredCron has no trigger without its env)";
  const auto& s = list.at("items").at(0);
  EXPECT_EQ(s.at("id"), "tick");
  EXPECT_EQ(s.at("action"), "tick");
  EXPECT_EQ(s.at("cron_expression"), "* * * * * *");
  EXPECT_EQ(s.at("timezone"), "UTC");
  EXPECT_EQ(s.at("enabled"), boost::json::value(true));
  const std::int64_t next = iso_ms(str(s.at("next_run_at")));
  EXPECT_EQ(next % 1000, 0) << s;
  EXPECT_GT(next, asked - 300) << "next_run_at is in the past: " << s;
  EXPECT_LE(next, answered + 1000) << s;

  ASSERT_TRUE(eventually([&] { return !ticks_between(to, to + 60000).empty(); }, Ms(8000)))
      << "no tick after the window";
  auto window = ticks_between(from, to);
  std::vector<std::int64_t> expected, dues;
  for (std::int64_t sec = from / 1000 + 1; sec * 1000 <= to; ++sec) expected.push_back(sec * 1000);
  std::int64_t worst = 0;
  for (auto& t : window) {
    const std::int64_t due = due_of(t), late = as_int(t["at_ms"]) - due;
    dues.push_back(due);
    worst = std::max(worst, std::abs(late));
    EXPECT_GE(late, 0) << "the tick due at " << due << " ran early";
    EXPECT_LE(late, 300) << "the tick due at " << due << " ran " << late << " ms late";
  }
  EXPECT_EQ(dues, expected) << "missed or doubled ticks";
  std::cerr << "[ worst tick lateness: " << worst << " ms ]\n";
  for (std::size_t i = 1; i < window.size(); ++i) {
    const std::int64_t gap = as_int(window[i]["at_ms"]) - as_int(window[i - 1]["at_ms"]);
    EXPECT_NEAR(gap, 1000, 300) << "between ticks " << i - 1 << " and " << i;
  }

  // Paused: no tick due after the pause runs (one claimed just before it may still finish).
  auto paused = cli_ok("pauseSchedule", R"({"scheduleId":"tick"})");
  const std::int64_t paused_at = now_ms();
  EXPECT_EQ(paused.at("enabled"), boost::json::value(false)) << paused;
  const auto quiet_until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < quiet_until) {
    ASSERT_TRUE(ticks_between(paused_at, paused_at + 60000).empty()) << "a paused schedule ticked";
    std::this_thread::sleep_for(Ms(50));
  }

  // Resumed from now: the ticks missed while paused do not run, the next second's does.
  const std::int64_t resumed_at = now_ms();
  auto resumed = cli_ok("resumeSchedule", R"({"scheduleId":"tick"})");
  EXPECT_EQ(resumed.at("enabled"), boost::json::value(true)) << resumed;
  EXPECT_GT(iso_ms(str(resumed.at("next_run_at"))), resumed_at) << resumed;
  ASSERT_TRUE(
      eventually([&] { return !ticks_between(resumed_at, resumed_at + 60000).empty(); }, Ms(3000)))
      << "no tick within 3 s of resuming";
  EXPECT_TRUE(ticks_between(paused_at, resumed_at).empty())
      << "ticks missed while paused ran after all";

  // Run now: one run, due at the moment the operator asked.
  auto now = cli_ok("runScheduleNow", R"({"scheduleId":"tick"})");
  const std::string due = str(now.at("next_run_at"));
  ASSERT_GT(iso_ms(due), 0) << now;
  ASSERT_TRUE(eventually(
      [&] {
        return db.count("SELECT count(*) FROM ticks WHERE detail = ?", {"* * * * * * @ " + due}) >
               0;
      },
      Ms(3000)))
      << "runScheduleNow did not run the tick within 3 s";
  EXPECT_EQ(db.count("SELECT count(*) FROM ticks WHERE detail = ?", {"* * * * * * @ " + due}), 1);
  EXPECT_EQ(
      db.count(
          "SELECT count(*) FROM (SELECT detail FROM ticks GROUP BY detail HAVING count(*) > 1) AS d"),
      0)
      << "a tick ran twice";

  // And the runs are recorded as cron runs.
  ASSERT_TRUE(eventually(
      [&] { return db.count("SELECT count(*) FROM action_runs WHERE action_name = 'tick'") >= 5; },
      Ms(3000)));
  EXPECT_EQ(db.count("SELECT count(*) FROM action_runs WHERE action_name = 'tick' AND trigger_type "
                     "IS DISTINCT FROM 'cron'"),
            0);
  EXPECT_EQ(db.count("SELECT count(*) FROM action_runs WHERE action_name = 'tick' AND status IS "
                     "DISTINCT FROM 'success'"),
            0);
}

// ---- errors -------------------------------------------------------------------------------

using BackgroundErrors = JobsAppTest;

TEST_F(BackgroundErrors, ABadCronExpressionOrTimeZoneStopsTheAppAtStartNamingTheAction) {
  auto bad_cron = run_to_end(kJobsApp, {"serve"},
                             {.cwd = dir.path(), .env = {{"JOBS_APP_BAD_CRON", "61 * * * *"}}});
  EXPECT_EQ(bad_cron.code, 1) << bad_cron.err;
  EXPECT_THAT(bad_cron.err, HasSubstr("configuredCron"));
  EXPECT_THAT(bad_cron.err, HasSubstr("minute"));
  EXPECT_THAT(bad_cron.err, HasSubstr("61"));
  EXPECT_THAT(bad_cron.err, Not(HasSubstr("listening")));

  auto bad_zone = run_to_end(
      kJobsApp, {"serve"}, {.cwd = dir.path(), .env = {{"JOBS_APP_BAD_TZ", "Mars/Olympus_Mons"}}});
  EXPECT_EQ(bad_zone.code, 1) << bad_zone.err;
  EXPECT_THAT(bad_zone.err, HasSubstr("configuredCron"));
  EXPECT_THAT(bad_zone.err, HasSubstr("Mars/Olympus_Mons"));
  EXPECT_THAT(bad_zone.err, HasSubstr("time zone"));

  // Refused before anything was opened.
  EXPECT_TRUE(database.untouched());

  // A good pair, from the same environment variables, starts.
  JobsApp ok(dir, {{"JOBS_APP_BAD_CRON", "*/5 * * * * *"}, {"JOBS_APP_BAD_TZ", "Europe/Paris"}});
  EXPECT_TRUE(ok.process().running());
}

TEST_F(BackgroundErrors,
       UnknownActionsAndBadInputsAreRefusedAtEnqueueAndAFailingJobEndsDeadThenRetries) {
  JobsApp app(dir);
  Db db(db_url());

  Response unknown = http(app.port(), "POST", "/enqueue", R"({"count":1,"action":"noSuchAction"})");
  expect_problem(unknown, 404, "action_not_found");
  EXPECT_THAT(str(unknown.json().at("detail")), HasSubstr("noSuchAction"));

  // record's sleepMs is at most 10000: enqueueMany passes it on, the queue refuses it.
  Response invalid =
      http(app.port(), "POST", "/enqueue", R"({"count":3,"prefix":"v","sleepMs":999999})");
  expect_validation(invalid, {"/sleepMs"});
  EXPECT_EQ(db.count("SELECT count(*) FROM jobs"), 0) << "a refused enqueue left a job";

  // Always failing, two attempts 50 ms apart: dead, with the last error kept.
  Response r =
      http(app.port(), "POST", "/enqueue",
           R"({"count":1,"prefix":"dead","failTimes":1000,"maxAttempts":2,"backoffMs":50})");
  ASSERT_EQ(r.status, 201) << r;
  const std::string id = str(r.json().at("jobIds").at(0));
  auto status = [&] {
    return db.query("SELECT status FROM jobs WHERE id = ?", {id}).at(0)["status"].value_or("");
  };
  ASSERT_TRUE(eventually([&] { return status() == "dead"; }, Ms(5000)))
      << "the job is " << status();
  auto job = db.query("SELECT * FROM jobs WHERE id = ?", {id}).at(0);
  EXPECT_EQ(job["attempts"], "2");
  EXPECT_TRUE(job["finished_at"].has_value());
  auto error = parse(job["last_error"]);
  ASSERT_TRUE(error.is_object()) << job["last_error"].value_or("NULL");
  EXPECT_EQ(error.at("code"), "failing_on_purpose");
  EXPECT_THAT(std::string(error.at("message").as_string()), HasSubstr("attempt 2"));
  EXPECT_EQ(db.count("SELECT count(*) FROM attempts WHERE key = 'dead0'"), 2);
  EXPECT_EQ(db.count("SELECT count(*) FROM done WHERE key = 'dead0'"), 0);

  // Each attempt is a failed run of trigger type queue.
  ASSERT_TRUE(eventually(
      [&] {
        return db.count("SELECT count(*) FROM action_runs WHERE action_name = 'record'") == 2;
      },
      Ms(3000)));
  for (int attempt : {1, 2})
    EXPECT_EQ(db.count("SELECT count(*) FROM action_runs WHERE action_name = 'record' AND "
                       "trigger_type = 'queue' AND "
                       "status = 'error' AND trigger_detail = ?",
                       {"job " + id + " attempt " + std::to_string(attempt)}),
              1)
        << "attempt " << attempt;

  // The operator retries it: pending with a fresh set of attempts, and it fails twice more.
  auto retried = cli_ok("retryJob", R"({"jobId":")" + id + R"("})");
  ASSERT_TRUE(retried.is_object()) << retried;
  // (a worker of the server may claim it between the update and the read that answers)
  EXPECT_THAT(str(retried.at("status")), AnyOf("pending", "running")) << retried;
  EXPECT_LE(retried.at("attempts").as_int64(), 1) << retried;
  ASSERT_TRUE(eventually(
      [&] {
        return db.count("SELECT count(*) FROM attempts WHERE key = 'dead0'") == 4 &&
               status() == "dead";
      },
      Ms(5000)))
      << "the retried job is " << status();
  job = db.query("SELECT * FROM jobs WHERE id = ?", {id}).at(0);
  EXPECT_EQ(job["attempts"], "2");
  EXPECT_THAT(str(parse(job["last_error"]).at("message")), HasSubstr("attempt 4"));

  // Retrying what is not finished is refused.
  Response pending =
      http(app.port(), "POST", "/enqueue", R"({"count":1,"prefix":"later","sleepMs":2000})");
  ASSERT_EQ(pending.status, 201);
  auto busy = cli("retryJob", R"({"jobId":")" + str(pending.json().at("jobIds").at(0)) + R"("})");
  EXPECT_EQ(busy.code, 1) << busy.out;
  EXPECT_THAT(busy.err, HasSubstr("job_not_retryable"));
}

// ---- the operator's jobs commands --------------------------------------------------------

using BackgroundOperator = JobsAppTest;

TEST_F(BackgroundOperator, ListsGetsAndCancelsJobsFromTheCli) {
  JobsApp app(dir);
  // The 4 workers are busy for 3 s with the first four: the last two wait meanwhile.
  Response r = http(app.port(), "POST", "/enqueue", R"({"count":6,"prefix":"op","sleepMs":3000})");
  ASSERT_EQ(r.status, 201) << r;
  const auto enqueued = r.json();
  std::vector<std::string> ids;
  for (const auto& id : enqueued.at("jobIds").as_array()) ids.push_back(str(id));
  Db db(db_url());
  ASSERT_TRUE(eventually([&] { return db.count("SELECT count(*) FROM jobs WHERE status = 'running'") == 4; }, Ms(5000)));
  auto waiting = db.query("SELECT id FROM jobs WHERE status = 'pending' ORDER BY id");
  ASSERT_EQ(waiting.size(), 2u);
  const std::string pending = waiting[0]["id"].value_or("");
  const std::string running = db.query("SELECT id FROM jobs WHERE status = 'running'").at(0)["id"].value_or("");

  auto cancelled = cli_ok("cancelJob", R"({"jobId":")" + pending + R"("})");
  EXPECT_EQ(cancelled.at("status"), "cancelled") << cancelled;
  EXPECT_TRUE(cancelled.at("finished_at").is_string()) << cancelled;
  auto busy = cli("cancelJob", R"({"jobId":")" + running + R"("})");
  EXPECT_EQ(busy.code, 1) << busy.out;
  EXPECT_THAT(busy.err, HasSubstr("job_not_pending"));

  auto job = cli_ok("getJob", R"({"jobId":")" + ids[0] + R"("})");
  EXPECT_EQ(str(job.at("id")), ids[0]) << job;
  EXPECT_EQ(job.at("action"), "record") << job;
  EXPECT_EQ(parse(std::string(job.at("input").as_string())), (boost::json::object{{"key", "op0"}, {"sleepMs", 3000}}));
  auto missing = cli("getJob", R"({"jobId":"no-such-job"})");
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("job_not_found"));

  auto by_status = cli_ok("listJobs", R"({"status":"cancelled"})");
  ASSERT_EQ(by_status.at("items").as_array().size(), 1u) << by_status;
  EXPECT_EQ(str(by_status.at("items").at(0).at("id")), pending);
  // Newest first, in pages: ids grow with time.
  std::vector<std::string> newest_first(ids.rbegin(), ids.rend()), seen;
  auto page = cli_ok("listJobs", R"({"action":"record","limit":4})");
  for (const auto& j : page.at("items").as_array()) seen.push_back(str(j.at("id")));
  ASSERT_EQ(seen.size(), 4u) << page;
  auto next = cli_ok("listJobs", R"({"action":"record","limit":4,"before":")" + seen.back() + R"("})");
  for (const auto& j : next.at("items").as_array()) seen.push_back(str(j.at("id")));
  EXPECT_EQ(seen, newest_first) << next;
  EXPECT_TRUE(cli_ok("listJobs", R"({"action":"noSuchAction"})").at("items").as_array().empty());
}

// ---- two instances, one database ------------------------------------------------------------

using BackgroundInstances = JobsAppTest;

TEST_F(BackgroundInstances, TwoAppsOnOneDatabaseRunEachJobOnceAndEachTickOnce) {
  JobsApp a(dir);
  JobsApp b(dir);  // after a has migrated: two first starts would race on the migrations
  const std::int64_t from = now_ms();
  Db db(db_url());

  Response ra = http(a.port(), "POST", "/enqueue", R"({"count":100,"prefix":"a","sleepMs":20})");
  Response rb = http(b.port(), "POST", "/enqueue", R"({"count":100,"prefix":"b","sleepMs":20})");
  ASSERT_EQ(ra.status, 201) << ra;
  ASSERT_EQ(rb.status, 201) << rb;
  ASSERT_TRUE(eventually(
      [&] { return db.count("SELECT count(*) FROM jobs WHERE status = 'completed'") == 200; },
      Ms(20000)))
      << db.count("SELECT count(*) FROM jobs WHERE status = 'completed'") << " of 200 completed";
  const auto took = now_ms() - from;
  EXPECT_LT(took, 10000) << took << " ms for 200 jobs of 20 ms on 2 x 4 workers";

  EXPECT_EQ(db.count("SELECT count(*) FROM done"), 200);
  EXPECT_EQ(db.count("SELECT count(DISTINCT key) FROM done"), 200);
  EXPECT_EQ(db.count("SELECT count(*) FROM jobs WHERE attempts <> 1"), 0)
      << "a job was claimed twice";
  const std::int64_t by_a =
      db.count("SELECT count(*) FROM done WHERE pid = ?", {std::to_string(a.pid())});
  const std::int64_t by_b =
      db.count("SELECT count(*) FROM done WHERE pid = ?", {std::to_string(b.pid())});
  EXPECT_EQ(by_a + by_b, 200);
  EXPECT_GT(by_a, 0) << "instance a ran no job";
  EXPECT_GT(by_b, 0) << "instance b ran no job";
  std::cerr << "[ jobs run by a: " << by_a << ", by b: " << by_b << "; " << took << " ms ]\n";

  // The per-second tick, claimed by moving next_run_at, runs once per second in total.
  const std::int64_t to = std::max(from + 3000, now_ms());
  ASSERT_TRUE(eventually(
      [&] {
        for (auto& t : db.query("SELECT * FROM ticks"))
          if (due_of(t) > to) return true;
        return false;
      },
      Ms(5000)));
  std::vector<std::int64_t> expected, dues;
  for (std::int64_t sec = from / 1000 + 1; sec * 1000 <= to; ++sec) expected.push_back(sec * 1000);
  std::set<pid_t> tickers;
  for (auto& t : db.query("SELECT * FROM ticks ORDER BY at_ms"))
    if (due_of(t) > from && due_of(t) <= to) {
      dues.push_back(due_of(t));
      tickers.insert(static_cast<pid_t>(as_int(t["pid"])));
    }
  EXPECT_EQ(dues, expected) << "missed or doubled ticks with two instances";
  EXPECT_EQ(db.count("SELECT count(*) FROM (SELECT at_ms / 1000 FROM ticks GROUP BY at_ms / 1000 "
                     "HAVING count(*) > 1) AS s"),
            0)
      << "two ticks in one second";
  EXPECT_EQ(
      db.count(
          "SELECT count(*) FROM (SELECT detail FROM ticks GROUP BY detail HAVING count(*) > 1) AS d"),
      0)
      << "one tick ran in both instances";
  for (pid_t p : tickers) EXPECT_TRUE(p == a.pid() || p == b.pid()) << p;
}

}  // namespace
}  // namespace bbit
