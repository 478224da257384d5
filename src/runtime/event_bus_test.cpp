// The event bus through small actions of its own: delivery after a successful run, wildcards,
// the run records subscribers leave, emit_sync, the principal subscribers run as, and
// back-pressure (block or fail) on a full bus.
#include "bunbase/runtime/event_bus.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "bunbase/db/database.hpp"
#include "bunbase/runtime/app.hpp"
#include "bunbase/testing/test_app.hpp"

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// What a subscriber saw of its run.
struct Seen {
  std::string action;
  json::value input;
  std::string trigger_type, trigger_detail, run_id, parent_run_id, trace_id;
  bb::Auth auth;
};

std::mutex g_mutex;
std::vector<Seen> g_seen;

void record(const json::value& input, const bb::Context& ctx) {
  std::lock_guard lock(g_mutex);
  g_seen.push_back({std::string(ctx.action), input, std::string(ctx.trigger.type),
                    std::string(ctx.trigger.detail), std::string(ctx.run_id),
                    std::string(ctx.parent_run_id), std::string(ctx.trace_id), ctx.auth});
}

std::vector<Seen> seen_by(std::string_view action) {
  std::lock_guard lock(g_mutex);
  std::vector<Seen> out;
  for (const auto& s : g_seen)
    if (s.action == action) out.push_back(s);
  return out;
}

// The event names (from the trigger detail "<name> <event id>") an action saw, in order.
std::vector<std::string> names_seen_by(std::string_view action) {
  std::vector<std::string> out;
  for (const auto& s : seen_by(action))
    out.push_back(s.trigger_detail.substr(0, s.trigger_detail.find(' ')));
  return out;
}

// A gate the slow subscriber waits at, so that a test decides when deliveries finish.
struct Gate {
  std::mutex mutex;
  std::condition_variable cv;
  bool open = true;
  int started = 0, finished = 0;

  void close() {
    std::lock_guard lock(mutex);
    open = false;
    started = finished = 0;
  }
  void release() {
    {
      std::lock_guard lock(mutex);
      open = true;
    }
    cv.notify_all();
  }
  void pass() {
    std::unique_lock lock(mutex);
    ++started;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
    ++finished;
  }
  bool wait_started(int n) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, 5s, [&] { return started >= n; });
  }
};
Gate g_gate;

struct EmitIn {
  std::string name;
  std::string userId;
  std::optional<std::string> mode;  // "throw" | "sync" | "badName" | "three"
};
BOOST_DESCRIBE_STRUCT(EmitIn, (), (name, userId, mode))

struct EmitOut {
  int64_t seenBeforeReturn = 0;  // subscriber runs recorded when emit_sync returned
};
BOOST_DESCRIBE_STRUCT(EmitOut, (), (seenBeforeReturn))

struct UserEvent {
  std::string userId;
};
BOOST_DESCRIBE_STRUCT(UserEvent, (), (userId))

struct Mapped {
  std::string id;
  std::string source;
};
BOOST_DESCRIBE_STRUCT(Mapped, (), (id, source))

bb::Action emitter() {
  return bb::action<EmitIn, EmitOut>(
      {.name = "emitter"}, [](const EmitIn& in, bb::Context& ctx) -> EmitOut {
        json::object payload{{"userId", in.userId}};
        if (in.mode == "badName") ctx.events.emit("not a valid name!", payload);
        if (in.mode == "sync") {
          ctx.events.emit_sync(in.name, payload);
          std::lock_guard lock(g_mutex);
          return {static_cast<int64_t>(g_seen.size())};
        }
        ctx.events.emit(in.name, payload);
        if (in.mode == "three") {
          ctx.events.emit(in.name, payload);
          ctx.events.emit(in.name, payload);
        }
        if (in.mode == "throw") throw bb::Error(bb::ErrorCode::conflict, "changed my mind");
        return {};
      });
}

bb::Action user_subscriber(std::string name) {
  return bb::action<UserEvent, bb::Empty>(
      {.name = std::move(name), .triggers = {bb::triggers::event("user.created")}},
      [](const UserEvent& in, bb::Context& ctx) {
        record(bb::to_json(in), ctx);
        return bb::Empty{};
      });
}

// A subscriber whose input is not the payload's shape: map() makes it.
bb::Action mapped_subscriber() {
  auto map = [](const json::object& payload) -> json::value {
    return json::object{{"id", payload.at("userId")}, {"source", "map"}};
  };
  return bb::action<Mapped, bb::Empty>(
      {.name = "mappedSubscriber", .triggers = {bb::triggers::event("user.created", {.map = map})}},
      [](const Mapped& in, bb::Context& ctx) {
        record(bb::to_json(in), ctx);
        return bb::Empty{};
      });
}

// A pattern subscriber that takes no input, whatever the payload.
bb::Action pattern_subscriber(std::string name, std::string pattern) {
  return bb::action<bb::Empty, bb::Empty>(
      {.name = std::move(name),
       .triggers = {bb::triggers::event(
           std::move(pattern),
           {.map = [](const json::object&) -> json::value { return json::object(); }})}},
      [](const bb::Empty&, bb::Context& ctx) {
        record(json::object(), ctx);
        return bb::Empty{};
      });
}

bb::Action order_subscriber(std::string name, bool fail) {
  return bb::action<UserEvent, bb::Empty>(
      {.name = std::move(name), .triggers = {bb::triggers::event("order.placed")}},
      [fail](const UserEvent& in, bb::Context& ctx) {
        record(bb::to_json(in), ctx);
        if (fail) throw std::runtime_error("subscriber broke");
        return bb::Empty{};
      });
}

// A subscriber whose map() throws (a payload without "id"), and a steady one after it.
bb::Action throwing_map_subscriber() {
  auto map = [](const json::object& payload) -> json::value {
    return json::object{{"id", payload.at("id")}};
  };
  return bb::action<Mapped, bb::Empty>(
      {.name = "throwingMap", .triggers = {bb::triggers::event("boom.*", {.map = map})}},
      [](const Mapped& in, bb::Context& ctx) {
        record(bb::to_json(in), ctx);
        return bb::Empty{};
      });
}

bb::Module events_module() {
  return bb::module(
      {.name = "ev",
       .actions = {
           emitter(), user_subscriber("firstSubscriber"), user_subscriber("secondSubscriber"),
           mapped_subscriber(), pattern_subscriber("userAnything", "user.*"),
           pattern_subscriber("everything", "*"), order_subscriber("failingSubscriber", true),
           order_subscriber("steadySubscriber", false), throwing_map_subscriber(),
           pattern_subscriber("boomSteady", "boom.*")}});
}

const bb::AppManifest& events_manifest() {
  static const bb::AppManifest m{.name = "event-bus-test", .modules = {&events_module}};
  return m;
}

// Only the emitter and one slow subscriber: every emit of "slow.tick" is exactly one delivery.
bb::Module slow_module() {
  auto slow = bb::action<UserEvent, bb::Empty>(
      {.name = "slowSubscriber", .triggers = {bb::triggers::event("slow.tick")}},
      [](const UserEvent& in, bb::Context& ctx) {
        g_gate.pass();
        record(bb::to_json(in), ctx);
        return bb::Empty{};
      });
  // A subscriber that emits two events itself, from a bus worker thread.
  auto chain = bb::action<UserEvent, bb::Empty>(
      {.name = "chainStart", .triggers = {bb::triggers::event("chain.start")}},
      [](const UserEvent& in, bb::Context& ctx) {
        ctx.events.emit("chain.next", {{"userId", in.userId + ".1"}});
        ctx.events.emit("chain.next", {{"userId", in.userId + ".2"}});
        return bb::Empty{};
      });
  auto chain_end = bb::action<UserEvent, bb::Empty>(
      {.name = "chainEnd", .triggers = {bb::triggers::event("chain.next")}},
      [](const UserEvent& in, bb::Context& ctx) {
        record(bb::to_json(in), ctx);
        return bb::Empty{};
      });
  return bb::module({.name = "slow", .actions = {emitter(), slow, chain, chain_end}});
}

const bb::AppManifest& slow_manifest() {
  static const bb::AppManifest m{.name = "event-bus-slow-test", .modules = {&slow_module}};
  return m;
}

std::string str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : std::string();
}

class EventBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::lock_guard lock(g_mutex);
    g_seen.clear();
  }

  bb::RunResult emit(std::string name, std::string user_id = "u1",
                     std::optional<std::string> mode = {}, bb::Auth auth = {}) {
    json::object in{{"name", name}, {"userId", user_id}};
    if (mode) in["mode"] = *mode;
    return app.run("emitter", in, {.auth = std::move(auth)});
  }

  // The run record of `run_id` (after flushing the run history).
  std::optional<bb::db::Row> run_record(const std::string& run_id) {
    app.flush();
    return app.db().query_one(
        "SELECT action_name, status, trigger_type, trigger_detail, parent_run_id, trace_id, error "
        "FROM action_runs "
        "WHERE id = $1",
        {run_id});
  }

  bb::testing::TestApp app{events_manifest()};
};

TEST_F(EventBusTest, EmitReachesSubscribersAsTheirOwnLinkedRuns) {
  auto r = emit("user.created", "u42");
  ASSERT_TRUE(r.ok()) << r.error->message();
  app.drain_events();

  const std::string trace(r.trace_id);
  for (std::string_view action : {"firstSubscriber", "secondSubscriber"}) {
    auto seen = seen_by(action);
    ASSERT_EQ(seen.size(), 1u) << action << " runs once per event";
    EXPECT_EQ(seen[0].input, (json::value{{"userId", "u42"}})) << "the payload is the input";
    EXPECT_EQ(seen[0].trigger_type, "event");
    EXPECT_TRUE(seen[0].trigger_detail.starts_with("user.created ")) << seen[0].trigger_detail;
    EXPECT_EQ(seen[0].parent_run_id, r.run_id);
    EXPECT_EQ(seen[0].trace_id, trace);

    auto rec = run_record(seen[0].run_id);
    ASSERT_TRUE(rec);
    EXPECT_EQ(str(rec->at("status")), "success");
    EXPECT_EQ(str(rec->at("trigger_type")), "event");
    EXPECT_EQ(str(rec->at("trigger_detail")), seen[0].trigger_detail);
    EXPECT_EQ(str(rec->at("parent_run_id")), r.run_id);
    EXPECT_EQ(str(rec->at("trace_id")), trace);
  }
  auto mapped = seen_by("mappedSubscriber");
  ASSERT_EQ(mapped.size(), 1u);
  EXPECT_EQ(mapped[0].input, (json::value{{"id", "u42"}, {"source", "map"}}));
  EXPECT_TRUE(seen_by("failingSubscriber").empty()) << "another event's subscribers do not run";

  // The detail names the recorded event.
  auto event = app.db().query_one("SELECT id FROM events WHERE name = 'user.created'");
  ASSERT_TRUE(event);
  EXPECT_EQ(seen_by("firstSubscriber")[0].trigger_detail, "user.created " + str(event->at("id")));
}

TEST_F(EventBusTest, WildcardsMatchTrailingSegmentsOnly) {
  for (const char* name : {"user.created", "user.email.changed", "users.x", "user", "order.placed"})
    ASSERT_TRUE(emit(name).ok()) << name;
  app.drain_events();

  auto user_any = names_seen_by("userAnything");
  std::sort(user_any.begin(), user_any.end());
  EXPECT_EQ(user_any, (std::vector<std::string>{"user.created", "user.email.changed"}));
  auto all = names_seen_by("everything");
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::string>{"order.placed", "user", "user.created",
                                           "user.email.changed", "users.x"}));

  EXPECT_TRUE(bb::EventBus::matches("user.*", "user.created"));
  EXPECT_TRUE(bb::EventBus::matches("user.*", "user.email.changed"));
  EXPECT_FALSE(bb::EventBus::matches("user.*", "users.x"));
  EXPECT_FALSE(bb::EventBus::matches("user.*", "user"));
  EXPECT_FALSE(bb::EventBus::matches("user.*", "user."));
  EXPECT_FALSE(bb::EventBus::matches("user.*", "xuser.created"));
  EXPECT_TRUE(bb::EventBus::matches("*", "anything.at.all"));
  EXPECT_TRUE(bb::EventBus::matches("user.created", "user.created"));
  EXPECT_FALSE(bb::EventBus::matches("user.created", "user.created.x"));
}

TEST_F(EventBusTest, PatternsAreCheckedWhenDeclared) {
  EXPECT_THROW(bb::triggers::event(""), std::invalid_argument);
  EXPECT_THROW(bb::triggers::event("user.*.created"), std::invalid_argument);
  EXPECT_THROW(bb::triggers::event("user*"), std::invalid_argument);
  EXPECT_THROW(bb::triggers::event("has space"), std::invalid_argument);
  EXPECT_NO_THROW(bb::triggers::event("user.*"));
  EXPECT_NO_THROW(bb::triggers::event("*"));
}

TEST_F(EventBusTest, EmitInAFailedRunIsNeitherDeliveredNorRecorded) {
  auto r = emit("user.created", "u1", "throw");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), bb::ErrorCode::conflict);
  app.drain_events();
  {
    std::lock_guard lock(g_mutex);
    EXPECT_TRUE(g_seen.empty());
  }
  EXPECT_EQ(app.db().query("SELECT id FROM events").size(), 0u);
  EXPECT_EQ(app.app().events().stats().emitted, 0u);
}

TEST_F(EventBusTest, FailingSubscriberIsItsOwnFailedRun) {
  const auto before = app.app().events().stats();
  auto r = emit("order.placed", "u7");
  ASSERT_TRUE(r.ok()) << "a subscriber's failure is not the emitter's";
  app.drain_events();

  auto steady = seen_by("steadySubscriber");
  auto failing = seen_by("failingSubscriber");
  ASSERT_EQ(steady.size(), 1u);
  ASSERT_EQ(failing.size(), 1u);
  auto rec = run_record(failing[0].run_id);
  ASSERT_TRUE(rec);
  EXPECT_EQ(str(rec->at("status")), "error");
  EXPECT_EQ(str(rec->at("trigger_type")), "event");
  EXPECT_EQ(str(rec->at("parent_run_id")), r.run_id);
  EXPECT_EQ(str(run_record(steady[0].run_id)->at("status")), "success");

  const auto after = app.app().events().stats();
  EXPECT_EQ(after.emitted - before.emitted, 1u);
  EXPECT_EQ(after.failed - before.failed, 1u);
  EXPECT_EQ(after.delivered - before.delivered, 2u) << "steadySubscriber and everything";
}

TEST_F(EventBusTest, EmitSyncRunsSubscribersBeforeTheHandlerGoesOn) {
  auto r = emit("user.created", "u9", "sync");
  ASSERT_TRUE(r.ok()) << r.error->message();
  // first, second, mapped, user.* and * subscribers: all ran on the emitting thread.
  EXPECT_EQ(r.output.at("seenBeforeReturn").as_int64(), 5);
  auto first = seen_by("firstSubscriber");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].parent_run_id, r.run_id);
  EXPECT_EQ(first[0].trace_id, std::string(r.trace_id));
  app.drain_events();
  EXPECT_EQ(first.size(), seen_by("firstSubscriber").size()) << "not delivered a second time";
}

TEST_F(EventBusTest, ThrowingMapFailsOnlyItsOwnDelivery) {
  const auto before = app.app().events().stats();
  ASSERT_TRUE(emit("boom.later").ok());
  app.drain_events();
  EXPECT_EQ(seen_by("boomSteady").size(), 1u);
  EXPECT_TRUE(seen_by("throwingMap").empty());
  EXPECT_EQ(app.app().events().stats().failed - before.failed, 1u);
}

TEST_F(EventBusTest, ThrowingMapUnderEmitSyncFailsOnlyItsOwnDelivery) {
  // A subscriber's map() throwing under emit_sync is that subscriber's failed run: the emitter
  // goes on and the other subscribers run (events.hpp: emit_sync failures are not thrown).
  auto r = emit("boom.now", "u1", "sync");
  EXPECT_TRUE(r.ok()) << "the emitter fails: " << (r.ok() ? "" : r.error->message());
  EXPECT_EQ(seen_by("boomSteady").size(), 1u) << "the subscriber after the throwing map still runs";
}

TEST_F(EventBusTest, EventsAreRecordedWithTheEmittingRun) {
  auto r = emit("user.email.changed", "u3");
  ASSERT_TRUE(r.ok());
  app.drain_events();
  auto rows = app.db().query("SELECT id, name, payload, run_id, trace_id, emitted_at FROM events");
  ASSERT_EQ(rows.size(), 1u);
  const auto& row = rows[0].as_object();
  EXPECT_EQ(str(row.at("name")), "user.email.changed");
  EXPECT_EQ(json::parse(str(row.at("payload"))), (json::value{{"userId", "u3"}}));
  EXPECT_EQ(str(row.at("run_id")), r.run_id);
  EXPECT_EQ(str(row.at("trace_id")), std::string(r.trace_id));
  EXPECT_EQ(str(row.at("emitted_at")).size(), 24u) << "ISO 8601 with milliseconds";
  EXPECT_FALSE(str(row.at("id")).empty());
}

TEST_F(EventBusTest, BadEventNamesThrow) {
  bb::Events events;  // no sink: emit only checks and keeps the event
  for (std::string bad :
       {std::string(), std::string("has space"), std::string("a/b"), std::string("caf\xc3\xa9"),
        std::string(201, 'a'), std::string("user.*")}) {
    EXPECT_THROW(events.emit(bad), std::invalid_argument) << bad;
    EXPECT_THROW(events.emit_sync(bad), std::invalid_argument) << bad;
  }
  EXPECT_NO_THROW(events.emit(std::string(200, 'a')));
  EXPECT_NO_THROW(events.emit("Order_1:paid-now.v2"));
  EXPECT_EQ(events.pending().size(), 2u);
  EXPECT_THROW(events.emit_sync("ok"), std::logic_error) << "emit_sync needs a run with a bus";

  auto r = emit("user.created", "u1", "badName");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), bb::ErrorCode::internal);
  app.drain_events();
  EXPECT_TRUE(seen_by("firstSubscriber").empty());
}

TEST_F(EventBusTest, SubscribersRunAsTheEmittingUserElseTheSystem) {
  bb::Auth ada = bb::Auth::user("ada");
  ada.org_id = "org1";
  ASSERT_TRUE(emit("user.created", "a", {}, ada).ok());
  app.drain_events();
  auto as_user = seen_by("firstSubscriber");
  ASSERT_EQ(as_user.size(), 1u);
  EXPECT_TRUE(as_user[0].auth.is_user());
  EXPECT_EQ(as_user[0].auth.user_id, "ada");
  EXPECT_EQ(as_user[0].auth.org_id, "org1");

  ASSERT_TRUE(emit("user.created", "b").ok());  // anonymous
  ASSERT_TRUE(emit("user.created", "c", {}, bb::Auth::system()).ok());
  app.drain_events();
  auto all = seen_by("firstSubscriber");
  ASSERT_EQ(all.size(), 3u);
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_TRUE(all[i].auth.is_system()) << all[i].input;
    EXPECT_TRUE(all[i].auth.user_id.empty());
  }
}

class EventBusBackPressure : public ::testing::Test {
 protected:
  void SetUp() override {
    std::lock_guard lock(g_mutex);
    g_seen.clear();
    g_gate.close();
  }
  void TearDown() override { g_gate.release(); }  // or the app's shutdown waits forever

  static bb::Config config(std::string overflow) {
    bb::Config c = bb::testing::TestApp::test_config();
    c.events.workers = 1;
    c.events.capacity = 1;
    c.events.overflow = std::move(overflow);
    return c;
  }
  static bb::RunResult emit(bb::testing::TestApp& app, std::string user) {
    return app.run("emitter", json::object{{"name", "slow.tick"}, {"userId", std::move(user)}});
  }
};

TEST_F(EventBusBackPressure, FullBusFailsTheEmitWhenConfiguredTo) {
  bb::testing::TestApp app(slow_manifest(), config("fail"));
  ASSERT_TRUE(emit(app, "1").ok());
  ASSERT_TRUE(g_gate.wait_started(1)) << "the one worker holds the first delivery";
  ASSERT_TRUE(emit(app, "2").ok()) << "the second waits: capacity 1";

  auto full = emit(app, "3");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error->kind(), bb::ErrorCode::unavailable);
  EXPECT_EQ(bb::http_status(full.error->kind()), 503);
  EXPECT_EQ(full.error->code(), "event_bus_full");

  g_gate.release();
  app.drain_events();
  auto seen = seen_by("slowSubscriber");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(app.app().events().stats().emitted, 2u);
  EXPECT_EQ(app.app().events().stats().delivered, 2u);
  EXPECT_EQ(app.db().query("SELECT id FROM events").size(), 2u)
      << "the refused event is not recorded";

  app.flush();
  auto rec =
      app.db().query_one("SELECT status, error FROM action_runs WHERE id = $1", {full.run_id});
  ASSERT_TRUE(rec);
  EXPECT_EQ(str(rec->at("status")), "error");
  EXPECT_EQ(json::parse(str(rec->at("error"))).at("code"), "event_bus_full");
}

TEST_F(EventBusBackPressure, FullBusBlocksTheEmitByDefaultAndDeliversEverything) {
  bb::testing::TestApp app(slow_manifest(), config("block"));
  ASSERT_TRUE(emit(app, "1").ok());
  ASSERT_TRUE(g_gate.wait_started(1));
  ASSERT_TRUE(emit(app, "2").ok());

  std::atomic<bool> returned{false};
  bb::RunResult third;
  std::thread blocked([&] {
    third = emit(app, "3");
    returned = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(returned) << "the third emit waits for room";

  g_gate.release();
  blocked.join();
  EXPECT_TRUE(third.ok());
  app.drain_events();
  auto seen = seen_by("slowSubscriber");
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(app.app().events().stats().emitted, 3u);
  EXPECT_EQ(app.app().events().stats().delivered, 3u);
  EXPECT_EQ(app.app().events().stats().failed, 0u);
}

TEST_F(EventBusBackPressure, FailModeNeverBlocksARunThatEmitsSeveralEvents) {
  // admit() reserves room per subscriber at emit time, so a run emitting 3 events on a bus with
  // room for 1 fails at its second emit (503 event_bus_full) instead of blocking after the run,
  // and its first event, admitted but never delivered, gives its room back.
  bb::testing::TestApp app(slow_manifest(), config("fail"));
  auto r = app.run("emitter", json::object{{"name", "slow.tick"}, {"userId", "1"}, {"mode", "three"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code(), "event_bus_full");
  app.drain_events();
  EXPECT_TRUE(seen_by("slowSubscriber").empty()) << "a failed run's events are not delivered";
  // The room is free again: a run emitting once goes through.
  auto once = app.run("emitter", json::object{{"name", "slow.tick"}, {"userId", "2"}});
  ASSERT_TRUE(once.ok()) << once.error->message();
  ASSERT_TRUE(g_gate.wait_started(1));
  g_gate.release();
  app.drain_events();
}

TEST_F(EventBusBackPressure, SubscriberEmittingOnAFullBusDoesNotDeadlock) {
  // A subscriber's own emits are delivered from the bus worker that ran it: with block (the
  // default) and the bus full, they go past capacity rather than wait for room only the workers
  // can make (here: 1 worker, capacity 1, a subscriber emitting 2 events).
  bb::testing::TestApp app(slow_manifest(), config("block"));
  ASSERT_TRUE(app.run("emitter", json::object{{"name", "chain.start"}, {"userId", "c"}}).ok());
  for (int i = 0; i < 100 && seen_by("chainEnd").size() < 2; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(seen_by("chainEnd").size(), 2u) << "both chained events reach their subscriber";
  app.app().events().stop();  // wakes a stuck worker (its second event is then dropped)
}

// The bus on its own, as the header shows it: capacity 1, one worker, failing when full.
TEST_F(EventBusBackPressure, StandaloneBusAdmitsUntilFull) {
  bb::testing::TestApp app(slow_manifest());
  auto& a = app.app();
  bb::EventBus bus(a.registry(), a.executor(), a.db(), a.log(),
                   {.workers = 1, .capacity = 1, .fail_when_full = true});
  bb::Context from{.db = a.db(),
                   .log = bb::Log(nullptr, {}),
                   .run_id = "run-1",
                   .trace_id = "trace-1",
                   .auth = bb::Auth::user("ada")};

  EXPECT_NO_THROW(bus.admit("slow.tick"));
  bus.deliver({"slow.tick", {{"userId", "1"}}}, from, false);
  ASSERT_TRUE(g_gate.wait_started(1));
  EXPECT_NO_THROW(bus.admit("slow.tick")) << "the running delivery does not count";
  bus.deliver({"slow.tick", {{"userId", "2"}}}, from, false);
  try {
    bus.admit("slow.tick");
    ADD_FAILURE() << "admit() on a full bus should throw";
  } catch (const bb::Error& e) {
    EXPECT_EQ(e.kind(), bb::ErrorCode::unavailable);
    EXPECT_EQ(e.code(), "event_bus_full");
  }
  bus.deliver({"other.event", {}}, from, false);  // no subscriber: recorded, nothing waits

  g_gate.release();
  bus.drain();
  auto seen = seen_by("slowSubscriber");
  ASSERT_EQ(seen.size(), 2u);
  for (const auto& s : seen) {
    EXPECT_EQ(s.parent_run_id, "run-1");
    EXPECT_EQ(s.auth.user_id, "ada");
  }
  auto stats = bus.stats();
  EXPECT_EQ(stats.emitted, 3u);
  EXPECT_EQ(stats.delivered, 2u);
  EXPECT_EQ(stats.failed, 0u);
  bus.stop();
  bus.stop();  // idempotent
}

}  // namespace
