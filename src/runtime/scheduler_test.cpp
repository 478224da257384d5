// The cron scheduler through small actions of its own: start-up checks, scheduled_jobs synced
// from the code, due ticks run once (also with two instances racing), pauses, and catch-up.
#include "bunbase/runtime/scheduler.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "bunbase/core/time.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/runtime/app.hpp"
#include "bunbase/testing/test_app.hpp"

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

struct Seen {
  std::string action, label, trigger_type, trigger_detail, run_id, parent_run_id;
  bb::Auth auth;
};

std::mutex g_mutex;
std::vector<Seen> g_seen;

std::vector<Seen> seen() {
  std::lock_guard lock(g_mutex);
  return g_seen;
}

struct TickIn {
  std::string label;
};
BOOST_DESCRIBE_STRUCT(TickIn, (), (label))

bb::Action ticking(std::string name, std::vector<bb::Trigger> triggers, bool fail = false) {
  return bb::action<TickIn, bb::Empty>(
      {.name = std::move(name), .triggers = std::move(triggers)},
      [fail](const TickIn& in, bb::Context& ctx) {
        {
          std::lock_guard lock(g_mutex);
          g_seen.push_back({std::string(ctx.action), in.label, std::string(ctx.trigger.type),
                            std::string(ctx.trigger.detail), std::string(ctx.run_id),
                            std::string(ctx.parent_run_id), ctx.auth});
        }
        if (fail) throw bb::Error(bb::ErrorCode::unavailable, "try later");
        return bb::Empty{};
      });
}

json::value label(std::string l) { return json::object{{"label", std::move(l)}}; }

bb::Module cron_module() {
  return bb::module(
      {.name = "cron",
       .actions = {
           ticking("tick", {bb::triggers::cron("*/5 * * * *", {.input = label("a")}),
                            bb::triggers::cron("0 3 * * *",
                                               {.input = label("b"), .timezone = "Europe/Paris"})}),
           ticking("nightly", {bb::triggers::cron("0 2 * * *", {.input = label("n")})}),
           ticking("brokenTick", {bb::triggers::cron("@hourly", {.input = label("x")})}, true),
           ticking("notScheduled", {})}});
}

const bb::AppManifest& cron_manifest() {
  static const bb::AppManifest m{.name = "scheduler-test", .modules = {&cron_module}};
  return m;
}

bb::Module bad_expression_module() {
  return bb::module(
      {.name = "bad", .actions = {ticking("badCron", {bb::triggers::cron("61 * * * *")})}});
}
bb::Module bad_zone_module() {
  return bb::module(
      {.name = "bad",
       .actions = {
           ticking("badZone", {bb::triggers::cron("0 * * * *", {.timezone = "Mars/Olympus"})})}});
}
const bb::AppManifest& bad_expression_manifest() {
  static const bb::AppManifest m{.name = "bad-cron", .modules = {&bad_expression_module}};
  return m;
}
const bb::AppManifest& bad_zone_manifest() {
  static const bb::AppManifest m{.name = "bad-zone", .modules = {&bad_zone_module}};
  return m;
}

std::string str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : std::string();
}

bb::Config with_catch_up(std::string policy) {
  bb::Config c = bb::testing::TestApp::test_config();
  c.cron.catch_up = std::move(policy);
  return c;
}

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest() : SchedulerTest(bb::testing::TestApp::test_config()) {}
  explicit SchedulerTest(bb::Config c) : app(cron_manifest(), std::move(c)) {}

  void SetUp() override {
    std::lock_guard lock(g_mutex);
    g_seen.clear();
  }

  bb::Scheduler& scheduler() { return app.app().scheduler(); }
  bb::db::Database& db() { return app.db(); }

  bb::db::Row schedule(const std::string& id) {
    auto row = db().query_one("SELECT * FROM scheduled_jobs WHERE id = $1", {id});
    EXPECT_TRUE(row) << "no schedule " << id;
    return row ? *row : bb::db::Row();
  }
  std::vector<std::string> ids() {
    std::vector<std::string> out;
    for (const auto& r : db().query("SELECT id FROM scheduled_jobs ORDER BY id"))
      out.push_back(str(r.as_object().at("id")));
    return out;
  }
  // Makes the schedule's tick due (as if its time had come); returns the due time.
  std::string make_due(const std::string& id, std::chrono::seconds ago = 60s) {
    const std::string due = bb::iso_time(Clock::now() - ago);
    db().exec("UPDATE scheduled_jobs SET next_run_at = $1 WHERE id = $2", {due, id});
    return due;
  }

  bb::testing::TestApp app;
};

TEST(SchedulerStartUp, BadExpressionOrTimeZoneStopsTheAppNamingTheAction) {
  try {
    bb::testing::TestApp app(bad_expression_manifest());
    ADD_FAILURE() << "a bad cron expression should stop the app";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("badCron"), std::string::npos) << e.what();
  }
  try {
    bb::testing::TestApp app(bad_zone_manifest());
    ADD_FAILURE() << "a bad time zone should stop the app";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("badZone"), std::string::npos) << e.what();
  }
}

TEST_F(SchedulerTest, SyncKeepsOneRowPerCronTrigger) {
  const auto before = Clock::now();
  scheduler().sync();
  EXPECT_EQ(ids(), (std::vector<std::string>{"brokenTick", "nightly", "tick", "tick#2"}));

  auto first = schedule("tick");
  EXPECT_EQ(str(first.at("action")), "tick");
  EXPECT_EQ(str(first.at("cron_expression")), "*/5 * * * *");
  EXPECT_EQ(str(first.at("timezone")), "UTC");
  const std::string next = str(first.at("next_run_at"));
  EXPECT_GT(next, bb::iso_time(before));
  EXPECT_LE(next, bb::iso_time(Clock::now() + 5min));

  auto second = schedule("tick#2");
  EXPECT_EQ(str(second.at("action")), "tick");
  EXPECT_EQ(str(second.at("cron_expression")), "0 3 * * *");
  EXPECT_EQ(str(second.at("timezone")), "Europe/Paris");
  const std::string paris = str(second.at("next_run_at"));
  ASSERT_EQ(paris.size(), 24u);
  EXPECT_TRUE(paris.substr(11) == "01:00:00.000Z" || paris.substr(11) == "02:00:00.000Z")
      << paris;  // CET / CEST

  // A second sync changes nothing.
  scheduler().sync();
  EXPECT_EQ(str(schedule("tick").at("next_run_at")), next);
  EXPECT_EQ(ids().size(), 4u);
}

TEST_F(SchedulerTest, SyncRemovesTriggersGoneFromTheCodeAndRecomputesChangedOnes) {
  scheduler().sync();
  db().exec(
      "INSERT INTO scheduled_jobs (id, action, cron_expression, timezone, next_run_at, updated_at) "
      "VALUES ('removedAction', 'removedAction', '* * * * *', 'UTC', $1, $1)",
      {bb::iso_now()});
  db().exec(
      "UPDATE scheduled_jobs SET cron_expression = '0 0 1 1 *', next_run_at = "
      "'2099-01-01T00:00:00.000Z' "
      "WHERE id = 'nightly'");
  scheduler().sync();
  EXPECT_EQ(ids(), (std::vector<std::string>{"brokenTick", "nightly", "tick", "tick#2"}));
  auto nightly = schedule("nightly");
  EXPECT_EQ(str(nightly.at("cron_expression")), "0 2 * * *");
  const std::string next = str(nightly.at("next_run_at"));
  EXPECT_LT(next, bb::iso_time(Clock::now() + 25h));
  EXPECT_EQ(next.substr(11), "02:00:00.000Z");
  auto expected = scheduler().next_after("nightly", Clock::now());
  ASSERT_TRUE(expected);
  EXPECT_EQ(next, bb::iso_time(*expected));
}

TEST_F(SchedulerTest, DueTickRunsOnceWithTheStaticInput) {
  scheduler().sync();
  EXPECT_EQ(scheduler().run_due(), 0) << "nothing is due right after sync";
  const std::string due = make_due("tick");

  EXPECT_EQ(scheduler().run_due(), 1);
  auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].action, "tick");
  EXPECT_EQ(s[0].label, "a");
  EXPECT_EQ(s[0].trigger_type, "cron");
  EXPECT_EQ(s[0].trigger_detail, "*/5 * * * * @ " + due);
  EXPECT_TRUE(s[0].auth.is_system());
  EXPECT_TRUE(s[0].parent_run_id.empty());

  auto row = schedule("tick");
  EXPECT_EQ(str(row.at("last_run_id")), s[0].run_id);
  EXPECT_EQ(str(row.at("last_status")), "success");
  EXPECT_FALSE(str(row.at("last_run_at")).empty());
  EXPECT_GT(str(row.at("next_run_at")), bb::iso_now());

  EXPECT_EQ(scheduler().run_due(), 0) << "the tick is taken";
  EXPECT_EQ(seen().size(), 1u);

  app.flush();
  auto rec = db().query_one(
      "SELECT trigger_type, trigger_detail, status FROM action_runs WHERE id = $1", {s[0].run_id});
  ASSERT_TRUE(rec);
  EXPECT_EQ(str(rec->at("trigger_type")), "cron");
  EXPECT_EQ(str(rec->at("trigger_detail")), "*/5 * * * * @ " + due);
  EXPECT_EQ(str(rec->at("status")), "success");
}

TEST_F(SchedulerTest, SecondTriggerRunsWithItsOwnInput) {
  scheduler().sync();
  make_due("tick#2");
  EXPECT_EQ(scheduler().run_due(), 1);
  auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].label, "b");
  EXPECT_TRUE(s[0].trigger_detail.starts_with("0 3 * * * @ ")) << s[0].trigger_detail;
  EXPECT_TRUE(str(schedule("tick").at("last_run_id")).empty()) << "the first trigger did not run";
}

TEST_F(SchedulerTest, FailingTickRecordsErrorAndStillMovesOn) {
  scheduler().sync();
  make_due("brokenTick");
  EXPECT_EQ(app.run_schedules(), 1);
  auto row = schedule("brokenTick");
  EXPECT_EQ(str(row.at("last_status")), "error");
  ASSERT_EQ(seen().size(), 1u);
  EXPECT_EQ(str(row.at("last_run_id")), seen()[0].run_id);
  EXPECT_GT(str(row.at("next_run_at")), bb::iso_now());
  EXPECT_EQ(app.run_schedules(), 0);
}

TEST_F(SchedulerTest, TwoInstancesRacingForOneTickRunItOnce) {
  scheduler().sync();
  auto& a = app.app();
  bb::Scheduler other(a.registry(), a.executor(), a.db(), a.log(), a.config().cron);
  constexpr int kRounds = 20;
  int total = 0;
  for (int round = 0; round < kRounds; ++round) {
    make_due("nightly", std::chrono::seconds(60 + round));
    std::atomic<bool> go{false};
    int ran_here = 0, ran_there = 0;
    std::thread t1([&] {
      while (!go) std::this_thread::yield();
      ran_here = scheduler().run_due();
    });
    std::thread t2([&] {
      while (!go) std::this_thread::yield();
      ran_there = other.run_due();
    });
    go = true;
    t1.join();
    t2.join();
    EXPECT_EQ(ran_here + ran_there, 1) << "round " << round;
    total += ran_here + ran_there;
  }
  EXPECT_EQ(total, kRounds);
  EXPECT_EQ(seen().size(), static_cast<std::size_t>(kRounds));
}

// Instances starting together each sync the triggers into the table: on PostgreSQL their
// transactions run side by side, and the second insert of a row must not fail the sync.
TEST_F(SchedulerTest, InstancesSyncingTogetherDoNotCollide) {
  auto& a = app.app();
  bb::Scheduler other(a.registry(), a.executor(), a.db(), a.log(), a.config().cron);
  scheduler().sync();
  const auto expected = ids();
  for (int round = 0; round < 20; ++round) {
    db().exec("DELETE FROM scheduled_jobs");
    std::atomic<bool> go{false};
    std::string error_here, error_there;
    auto sync = [&](bb::Scheduler& s, std::string& error) {
      while (!go) std::this_thread::yield();
      try {
        s.sync();
      } catch (const std::exception& e) {
        error = e.what();
      }
    };
    std::thread t1([&] { sync(scheduler(), error_here); });
    std::thread t2([&] { sync(other, error_there); });
    go = true;
    t1.join();
    t2.join();
    EXPECT_EQ(error_here + error_there, "") << "round " << round;
    EXPECT_EQ(ids(), expected) << "round " << round;
  }
}

TEST_F(SchedulerTest, PausedScheduleDoesNotRun) {
  scheduler().sync();
  const std::string due = make_due("nightly");
  db().exec("UPDATE scheduled_jobs SET enabled = FALSE WHERE id = 'nightly'");
  EXPECT_EQ(scheduler().run_due(), 0);
  EXPECT_TRUE(seen().empty());
  EXPECT_EQ(str(schedule("nightly").at("next_run_at")), due);

  db().exec("UPDATE scheduled_jobs SET enabled = TRUE WHERE id = 'nightly'");
  EXPECT_EQ(scheduler().run_due(), 1) << "resumed: the tick runs";
}

class SchedulerSkip : public SchedulerTest {
 protected:
  SchedulerSkip() : SchedulerTest(with_catch_up("skip")) {}
};

TEST_F(SchedulerSkip, MissedTickMovesOnAtSyncWithoutRunning) {
  scheduler().sync();
  const std::string due = make_due("nightly", 3600s);  // missed while the app was down
  scheduler().sync();
  const std::string next = str(schedule("nightly").at("next_run_at"));
  EXPECT_NE(next, due);
  EXPECT_GT(next, bb::iso_now());
  EXPECT_EQ(scheduler().run_due(), 0);
  EXPECT_TRUE(seen().empty());
}

class SchedulerOnce : public SchedulerTest {
 protected:
  SchedulerOnce() : SchedulerTest(with_catch_up("once")) {}
};

TEST_F(SchedulerOnce, MissedTickRunsOnceAfterSync) {
  scheduler().sync();
  const std::string due = make_due("nightly", 3 * 24 * 3600s);  // three nights missed
  scheduler().sync();
  EXPECT_EQ(str(schedule("nightly").at("next_run_at")), due) << "still due";
  EXPECT_EQ(scheduler().run_due(), 1);
  EXPECT_EQ(scheduler().run_due(), 0) << "once, not once per missed night";
  ASSERT_EQ(seen().size(), 1u);
  EXPECT_EQ(seen()[0].trigger_detail, "0 2 * * * @ " + due);
  EXPECT_GT(str(schedule("nightly").at("next_run_at")), bb::iso_now());
}

}  // namespace
