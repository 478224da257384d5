// Test an app's actions in-process: its modules (and the built-in features its config turns on:
// auth, organizations) on a fresh in-memory SQLite with every migration applied, actions invoked
// by name through the real executor, no socket.
//
//   bb::testing::TestApp app(bunbase_app());
//   auto r = app.run("createUser", {{"email", "ada@example.com"}, {"name", "Ada"}});
//   EXPECT_TRUE(r.ok());
//   auto out = app.call<CreateUserOutput>("createUser", {...});   // throws bb::Error
//
// On PostgreSQL (a postgres:// database.url, or BUNBASE_TEST_DATABASE_URL in the environment,
// which test_config() reads) each TestApp works in a schema of its own, created empty and
// dropped when the TestApp ends, so tests sharing one server never see each other's rows.
#pragma once

#include <boost/json/parse.hpp>

#include <memory>

#include "bunbase/runtime/app.hpp"

namespace bb::testing {

struct CallOptions {
  std::string_view trigger = "test";
  Auth auth;  // anonymous unless set: guards see what an unauthenticated caller would
  std::string_view trace_id;
};

class TestApp {
 public:
  explicit TestApp(const AppManifest& manifest, Config config = test_config());
  ~TestApp();
  TestApp(const TestApp&) = delete;
  TestApp& operator=(const TestApp&) = delete;

  RunResult run(std::string_view action, boost::json::value input = boost::json::object(),
                const CallOptions& options = {});
  // Input as JSON text; throws std::invalid_argument when it does not parse.
  RunResult run_json(std::string_view action, std::string_view input, const CallOptions& options = {});

  // Runs and decodes the output; throws the run's bb::Error on failure.
  template <class Out>
  Out call(std::string_view action, boost::json::value input = boost::json::object(),
           const CallOptions& options = {}) {
    RunResult r = run(action, std::move(input), options);
    if (!r.ok()) throw *r.error;
    return from_json<Out>(r.output);
  }

  // Writes buffered run records and logs now (they are written every 2 s otherwise).
  void flush();

  // Background work, on demand (no worker threads run in a TestApp): waits until every emitted
  // event has reached its subscribers; runs the jobs that are due (and the ones they enqueue,
  // when `until_empty`), returning how many ran; runs the cron ticks that are due.
  void drain_events();
  int run_jobs(bool until_empty = true);
  int run_schedules();

  App& app() { return *app_; }
  db::Database& db() { return app_->db(); }

  // In-memory SQLite (or $BUNBASE_TEST_DATABASE_URL), run history on, console logs at warn and
  // above, auth off (turn it on with c.auth.enabled; passwords are hashed with the cheapest
  // argon2id parameters).
  static Config test_config();

 private:
  std::string server_url_, schema_;  // PostgreSQL: the server and this TestApp's schema
  std::unique_ptr<App> app_;
};

}  // namespace bb::testing
