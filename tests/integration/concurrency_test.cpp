// Many clients at once: distinct creates all succeed, and racing creates of one email end
// with exactly one 201 and 409 for the rest, never a 500.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <mutex>
#include <set>
#include <thread>

#include "tests/integration/support/demo_server.hpp"
#include "tests/integration/support/problem.hpp"

namespace bbit {
namespace {

constexpr int kThreads = 8;

// GET /users's total (DemoServer's signed-in owner is there from the start).
std::int64_t users_total(unsigned short port) {
  Response r = http(port, "GET", "/users?limit=1");
  EXPECT_EQ(r.status, 200) << r;
  auto v = r.json();
  if (!v.is_object() || !v.get_object().contains("total") || !v.at("total").is_int64()) {
    ADD_FAILURE() << "GET /users has no integer total\n" << r;
    return -1;
  }
  return v.at("total").as_int64();
}

TEST(Concurrency, EightClientsCreatingFiftyUsersEachAllSucceed) {
  DemoServer server;
  const std::int64_t before = users_total(server.port());
  constexpr int kPerThread = 50;
  std::mutex mutex;
  std::vector<std::string> ids, failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        // half the clients reuse one keep-alive connection, half open one per request
        std::optional<Connection> shared;
        if (t % 2 == 0) shared.emplace(server.port());
        for (int i = 0; i < kPerThread; ++i) {
          std::string body = R"({"email":"c)" + std::to_string(t) + "-" + std::to_string(i) + R"(@example.com","name":"C"})";
          Response r = shared ? shared->request("POST", "/users", body) : http(server.port(), "POST", "/users", body);
          std::lock_guard lock(mutex);
          if (r.status == 201) ids.push_back(str(r.json().at("id")));
          else failures.push_back(std::to_string(r.status) + " " + r.body);
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        failures.push_back(std::string("exception: ") + e.what());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_THAT(failures, ::testing::IsEmpty());
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << "ids must be unique";

  EXPECT_EQ(users_total(server.port()), before + kThreads * kPerThread);

  // every run is in the history after a clean stop
  ASSERT_EQ(server.stop(SIGTERM), 0);
  Db db(server.db_url());
  EXPECT_EQ(db.count("SELECT count(*) FROM action_runs WHERE action_name = 'createUser' AND status = 'success'"),
            kThreads * kPerThread);
  EXPECT_EQ(db.count("SELECT count(*) FROM action_logs WHERE message = 'user created'"), kThreads * kPerThread);
}

TEST(Concurrency, RacingCreatesOfOneEmailGiveOne201AndOnly409s) {
  DemoServer server;
  const std::int64_t before = users_total(server.port());
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string body = R"({"email":"same)" + std::to_string(round) + R"(@example.com","name":"S"})";
    // connect first, then release every request at once
    std::vector<std::unique_ptr<Connection>> conns;
    for (int t = 0; t < kThreads; ++t) conns.push_back(std::make_unique<Connection>(server.port()));
    std::barrier start(kThreads);
    std::mutex mutex;
    std::map<int, int> statuses;
    std::vector<std::string> bodies;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        int status = -1;
        std::string text;
        try {
          Response r = conns[t]->request("POST", "/users", body);
          status = r.status;
          text = r.body;
        } catch (const std::exception& e) {
          text = e.what();
        }
        std::lock_guard lock(mutex);
        ++statuses[status];
        if (status != 201) bodies.push_back(text);
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(statuses[201], 1) << ::testing::PrintToString(bodies);
    EXPECT_EQ(statuses[409], kThreads - 1) << ::testing::PrintToString(bodies);
    EXPECT_EQ(statuses[500], 0) << ::testing::PrintToString(bodies);
    for (const auto& b : bodies) {
      auto v = boost::json::parse(b);
      EXPECT_EQ(v.at("status"), 409) << b;
    }
  }
  EXPECT_EQ(users_total(server.port()), before + kRounds);
  EXPECT_TRUE(server.healthy());
}

TEST(Concurrency, ManyConnectionsOpenAtOnceAreAllServed) {
  DemoServer server;
  std::vector<std::unique_ptr<Connection>> conns;
  for (int i = 0; i < 200; ++i) conns.push_back(std::make_unique<Connection>(server.port()));
  for (auto& c : conns) ASSERT_TRUE(c->send_raw(Connection::build_request("GET", "/ping")));
  int ok = 0;
  for (auto& c : conns) {
    auto r = c->read_response();
    ok += r && r->status == 200;
  }
  EXPECT_EQ(ok, 200);
}

}  // namespace
}  // namespace bbit
