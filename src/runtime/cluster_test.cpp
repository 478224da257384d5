// Several instances of one app: two Apps on one PostgreSQL schema, as two processes would be.
// A subscriber runs once per event across both, a broadcast one in each; an event whose
// notification never went out is delivered by the sweep; a rate limit holds across them.
// PostgreSQL only: skipped unless BUNBASE_TEST_DATABASE_URL names a server (ctest's pg.* run).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "bunbase/bunbase.hpp"
#include "bunbase/core/id.hpp"
#include "bunbase/core/time.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/guards.hpp"
#include "bunbase/runtime/app.hpp"
#include "bunbase/runtime/event_bus.hpp"
#include "bunbase/testing/test_app.hpp"

namespace {

using namespace std::chrono_literals;

struct Tick {
  std::int64_t n;
};
BOOST_DESCRIBE_STRUCT(Tick, (), (n))

std::mutex g_mutex;
std::map<std::string, std::map<std::int64_t, int>> g_runs;  // action -> n -> runs

void count(const char* action, std::int64_t n) {
  std::lock_guard lock(g_mutex);
  ++g_runs[action][n];
}

std::map<std::int64_t, int> runs_of(const std::string& action) {
  std::lock_guard lock(g_mutex);
  return g_runs[action];
}

bb::Module cluster_module() {
  auto emit = bb::action<Tick, bb::Empty>({.name = "emitTick"}, [](const Tick& in, bb::Context& ctx) {
    ctx.events.emit("tick", {{"n", in.n}});
    return bb::Empty{};
  });
  auto once = bb::action<Tick, bb::Empty>({.name = "onceAcross", .triggers = {bb::triggers::event("tick")}},
                                          [](const Tick& in, bb::Context&) {
                                            count("onceAcross", in.n);
                                            return bb::Empty{};
                                          });
  auto everywhere = bb::action<Tick, bb::Empty>(
      {.name = "inEachInstance", .triggers = {bb::triggers::event("tick", {.broadcast = true})}},
      [](const Tick& in, bb::Context&) {
        count("inEachInstance", in.n);
        return bb::Empty{};
      });
  auto limited = bb::action<bb::Empty, bb::Empty>(
      {.name = "limited",
       .guards = {bb::guards::rate_limit({.limit = 3, .window = std::chrono::seconds(60),
                                          .custom_key = [](bb::Context&) { return std::string("everyone"); }})}},
      [](const bb::Empty&, bb::Context&) { return bb::Empty{}; });
  return bb::module({.name = "cluster", .actions = {emit, once, everywhere, limited}});
}

// Built once: each process of an app declares its guards in the same order, which is what keeps
// a rate_limit()'s scope the same in every instance; two Apps in one process share the module.
bb::Module shared_module() {
  static const bb::Module m = cluster_module();
  return m;
}

const bb::AppManifest& manifest() {
  static const bb::AppManifest m{.name = "cluster-test", .modules = {&shared_module}};
  return m;
}

template <class F>
bool eventually(F done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class Cluster : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* server = std::getenv("BUNBASE_TEST_DATABASE_URL");
    if (!server || !*server) GTEST_SKIP() << "PostgreSQL only (BUNBASE_TEST_DATABASE_URL)";
    server_ = server;
    std::string id = bb::new_id();
    std::erase(id, '-');
    schema_ = "bb_cluster_" + id;
    bb::db::open(server_)->exec_script("CREATE SCHEMA " + schema_);
    std::lock_guard lock(g_mutex);
    g_runs.clear();
  }
  void TearDown() override {
    apps_.clear();
    if (!schema_.empty()) bb::db::open(server_)->exec_script("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }
  // One more instance on the shared schema.
  bb::App& instance() {
    bb::Config c = bb::testing::TestApp::test_config();
    c.database.url = bb::db::with_search_path(server_, schema_);
    apps_.push_back(std::make_unique<bb::App>(manifest(), c));
    apps_.back()->migrate();
    return *apps_.back();
  }

  std::string server_, schema_;
  std::vector<std::unique_ptr<bb::App>> apps_;
};

TEST_F(Cluster, EachSubscriberRunsOnceAcrossInstancesAndBroadcastOnesInEach) {
  bb::App& a = instance();
  bb::App& b = instance();
  constexpr int kEvents = 60;
  for (int n = 0; n < kEvents; ++n) {
    auto r = (n % 2 ? a : b).invoke("emitTick", {{"n", n}}, {.auth = bb::Auth::system()});
    ASSERT_TRUE(r.ok()) << r.error->message();
  }
  ASSERT_TRUE(eventually([&] { return runs_of("inEachInstance").size() == kEvents && runs_of("onceAcross").size() == kEvents; }, 20s));
  a.events().drain();
  b.events().drain();
  std::this_thread::sleep_for(300ms);  // time for a double delivery to show, if there were one
  for (const auto& [n, runs] : runs_of("onceAcross")) EXPECT_EQ(runs, 1) << "event " << n;
  for (const auto& [n, runs] : runs_of("inEachInstance")) EXPECT_EQ(runs, 2) << "event " << n;

  auto claims = a.db().query("SELECT instance, count(*) AS n FROM event_deliveries GROUP BY instance");
  std::int64_t total = 0;
  for (const auto& c : claims) total += c.at("n").as_int64();
  EXPECT_EQ(total, kEvents) << "one claim per event for the one shared subscriber";
}

TEST_F(Cluster, AnEventWhoseNotificationWasLostIsDeliveredByTheSweep) {
  bb::App& a = instance();
  bb::App& b = instance();
  // As if the emitting process died between writing the event and announcing it.
  a.db().exec("INSERT INTO events (id, name, payload, emitted_at) VALUES ($1, 'tick', '{\"n\":7}', $2)",
              {bb::new_id(), bb::iso_now()});
  ASSERT_TRUE(eventually([&] { return runs_of("onceAcross").size() == 1; }, 15s)) << "the sweep runs every 5 s";
  std::this_thread::sleep_for(6s);  // another sweep by each instance: still once
  EXPECT_EQ(runs_of("onceAcross")[7], 1);
  EXPECT_TRUE(runs_of("inEachInstance").empty()) << "broadcast subscribers only hear notifications";
  (void)b;
}

TEST_F(Cluster, ARunCommandThatEmitsAndStopsStillDelivers) {
  bb::App& a = instance();
  ASSERT_TRUE(a.invoke("emitTick", {{"n", 1}}, {.auth = bb::Auth::system()}).ok());
  a.shutdown();  // as `app run` does right after the run
  EXPECT_EQ(runs_of("onceAcross")[1], 1);
}

TEST_F(Cluster, ARateLimitHoldsAcrossInstances) {
  bb::App& a = instance();
  bb::App& b = instance();
  const bb::InvokeOptions as_user{.auth = bb::Auth::user("u1")};
  EXPECT_TRUE(a.invoke("limited", boost::json::object(), as_user).ok());
  EXPECT_TRUE(b.invoke("limited", boost::json::object(), as_user).ok());
  EXPECT_TRUE(a.invoke("limited", boost::json::object(), as_user).ok());
  for (bb::App* app : {&a, &b}) {
    auto r = app->invoke("limited", boost::json::object(), as_user);
    ASSERT_FALSE(r.ok()) << "the fourth hit in the window, whichever instance takes it";
    EXPECT_EQ(r.error->kind(), bb::ErrorCode::rate_limited);
  }
  auto row = a.db().query_one("SELECT hits FROM rate_limits");
  ASSERT_TRUE(row) << "the window is in the database, not in either process";
  EXPECT_EQ(row->at("hits").as_int64(), 5);
}

}  // namespace
