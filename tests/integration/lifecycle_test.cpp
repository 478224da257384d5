// The server's life: readiness, run history written to the database (read back after the
// process is gone), and SIGTERM / SIGINT shutdowns that exit 0 and close the port.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "tests/integration/support/demo_server.hpp"
#include "tests/integration/support/problem.hpp"

namespace bbit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kTrace = "0af7651916cd43dd8448eb211c80319c";
const std::string kTraceparent = "00-" + std::string(kTrace) + "-b7ad6b7169203331-01";
constexpr std::string_view kOtherTrace = "11111111111111111111111111111111";
const std::string kOtherTraceparent = "00-" + std::string(kOtherTrace) + "-2222222222222222-00";

boost::json::value parse(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  boost::system::error_code ec;
  auto v = boost::json::parse(*text, ec);
  return ec ? boost::json::value("<invalid JSON: " + *text + ">") : v;
}

TEST(Lifecycle, SigtermFlushesTheRunHistory) {
  DemoServer server;
  const auto port = server.port();
  Response created = http(port, "POST", "/users", R"({"email":"run@example.com","name":"Run"})",
                          {{"traceparent", kTraceparent}});
  ASSERT_EQ(created.status, 201) << created;
  const std::string id = str(created.json().at("id"));
  ASSERT_EQ(http(port, "GET", "/users/" + id, "", {{"traceparent", kOtherTraceparent}}).status, 200);
  ASSERT_EQ(http(port, "GET", "/users?limit=abc", "", {{"traceparent", kTraceparent}}).status, 400);
  ASSERT_EQ(http(port, "GET", "/ping").status, 200);
  ASSERT_EQ(http(port, "GET", "/no/such/route").status, 404);  // no action ran: nothing recorded

  ASSERT_EQ(server.stop(SIGTERM), 0) << server.process().err();
  EXPECT_THAT(server.process().err(), HasSubstr(R"("msg":"stopped")"));

  Db db(server.db_url());
  // DemoServer's own sign-up and sign-in of the owner are the runs besides this test's four
  EXPECT_EQ(db.count("SELECT count(*) FROM action_runs WHERE action_name = 'signUp'"), 1);
  EXPECT_EQ(db.count("SELECT count(*) FROM action_runs WHERE action_name = 'signIn'"), 1);
  // (createUser's user.created also runs the onboarding module in the background: not counted here)
  auto runs = db.query(
      "SELECT * FROM action_runs WHERE action_name NOT IN ('signUp', 'signIn') AND module_name IS DISTINCT FROM 'onboarding' "
      "ORDER BY id");
  ASSERT_EQ(runs.size(), 4u);
  std::map<std::string, Db::Row> by_action;
  for (auto& r : runs) by_action[*r["action_name"]] = r;

  auto& create = by_action["createUser"];
  EXPECT_EQ(create["module_name"], "users");
  EXPECT_EQ(create["trigger_type"], "api");
  EXPECT_EQ(create["status"], "success");
  EXPECT_EQ(create["trace_id"], std::string(kTrace));
  EXPECT_EQ(create["parent_run_id"], std::nullopt);
  EXPECT_EQ(parse(create["input"]), boost::json::parse(R"({"email":"run@example.com","name":"Run"})"));
  EXPECT_EQ(parse(create["output"]), (boost::json::object{{"id", id}, {"email", "run@example.com"}}));
  EXPECT_EQ(create["error"], std::nullopt);
  EXPECT_GE(std::stod(create["duration_ms"].value_or("-1")), 0.0);
  EXPECT_THAT(create["started_at"].value_or(""), ::testing::MatchesRegex(R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}.*Z)"));
  EXPECT_THAT(create["id"].value_or(""), ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));

  auto& get = by_action["getUser"];
  EXPECT_EQ(get["module_name"], "users");
  EXPECT_EQ(get["status"], "success");
  EXPECT_EQ(get["trace_id"], std::string(kOtherTrace));
  EXPECT_EQ(parse(get["input"]), (boost::json::object{{"id", id}}));

  auto& list = by_action["listUsers"];
  EXPECT_EQ(list["status"], "error");
  EXPECT_EQ(list["trace_id"], std::string(kTrace));
  EXPECT_EQ(parse(list["input"]), boost::json::parse(R"({"limit":"abc"})"));
  EXPECT_EQ(list["output"], std::nullopt);
  auto error = parse(list["error"]);
  ASSERT_TRUE(error.is_object()) << list["error"].value_or("NULL");
  EXPECT_EQ(error.at("code"), "validation_failed");

  auto& ping = by_action["ping"];
  EXPECT_EQ(ping["module_name"].value_or(""), "") << "a standalone action has no module";
  EXPECT_EQ(ping["trigger_type"], "api");
  EXPECT_EQ(ping["status"], "success");
  EXPECT_TRUE(is_lower_hex(ping["trace_id"].value_or(""), 32));

  auto logs = db.query("SELECT * FROM action_logs WHERE message = 'user created'");
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0]["run_id"], create["id"]);
  EXPECT_EQ(logs[0]["level"], "info");
  EXPECT_EQ(parse(logs[0]["meta"]), (boost::json::object{{"userId", id}}));
}

TEST(Lifecycle, RunsAreFlushedWhileServingWithinTheFlushInterval) {
  DemoServer server;
  ASSERT_EQ(http(server.port(), "GET", "/ping").status, 200);
  Db db(server.db_url());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(6);
  std::int64_t n = 0;
  // this test's run (DemoServer's sign-up is recorded too, under its own action name)
  while ((n = db.count("SELECT count(*) FROM action_runs WHERE action_name = 'ping'")) == 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(n, 1) << "the run was not written within the 2 s flush interval";
}

TEST(Lifecycle, PersistenceCanBeTurnedOff) {
  DemoServer server({.env = {{"BUNBASE_PERSISTENCE_ENABLED", "false"}}});
  Db db(server.db_url());
  const std::int64_t users_before = db.count("SELECT count(*) FROM users");  // DemoServer's owner
  ASSERT_EQ(http(server.port(), "POST", "/users", R"({"email":"np@example.com","name":"N"})").status, 201);
  ASSERT_EQ(server.stop(SIGTERM), 0);
  // neither the owner's sign-up nor the create left a run or a log
  EXPECT_EQ(db.count("SELECT count(*) FROM action_runs"), 0);
  EXPECT_EQ(db.count("SELECT count(*) FROM action_logs"), 0);
  EXPECT_EQ(db.count("SELECT count(*) FROM users"), users_before + 1);
  EXPECT_EQ(db.count("SELECT count(*) FROM users WHERE email = 'np@example.com'"), 1);
}

TEST(Lifecycle, SigintExitsZeroAndClosesThePort) {
  DemoServer server;
  const auto port = server.port();
  ASSERT_TRUE(server.healthy());
  EXPECT_EQ(server.stop(SIGINT), 0) << server.process().err();
  EXPECT_TRUE(port_closed(port));
  EXPECT_THAT(server.process().err(), HasSubstr("SIGINT"));
}

TEST(Lifecycle, SigtermDoesNotWaitForIdleKeepAliveConnections) {
  DemoServer server;
  const auto port = server.port();
  Connection idle(port);
  ASSERT_EQ(idle.request("GET", "/healthz").status, 200);  // kept open, idle
  Connection half(port);
  ASSERT_TRUE(half.send_raw("GET /heal"));  // a request that never completes
  Connection silent(port);                  // connected, nothing sent

  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(server.stop(SIGTERM, std::chrono::seconds(8)), 0) << server.process().err();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3))
      << "idle connections held the shutdown up";
  EXPECT_TRUE(idle.closed_by_peer(std::chrono::seconds(1)));
  EXPECT_TRUE(half.closed_by_peer(std::chrono::seconds(1)));
  EXPECT_TRUE(port_closed(port));
}

TEST(Lifecycle, SigtermUnderLoadExitsZeroAndKeepsEveryAnsweredRun) {
  DemoServer server;
  const auto port = server.port();
  std::mutex mutex;
  std::vector<std::string> created;  // ids the clients were told about
  std::atomic<int> answered{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      try {
        Connection c(port);
        for (int i = 0; !stop; ++i) {
          Response r = c.request("POST", "/users",
                                 R"({"email":"load)" + std::to_string(t) + "-" + std::to_string(i) + R"(@example.com","name":"L"})");
          if (r.status != 201) break;
          std::lock_guard lock(mutex);
          created.push_back(str(r.json().at("id")));
          ++answered;
          if (r.closes()) break;
        }
      } catch (const std::exception&) {
        // the server went away mid-request: expected once it stops
      }
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (answered < 200 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const int code = server.stop(SIGTERM);
  stop = true;
  for (auto& c : clients) c.join();
  ASSERT_EQ(code, 0) << server.process().err();
  ASSERT_GE(created.size(), 200u);

  Db db(server.db_url());
  std::set<std::string> users, recorded;  // ids in users; ids in the outputs of createUser's runs
  for (auto& row : db.query("SELECT id FROM users")) users.insert(row["id"].value_or(""));
  for (auto& row : db.query("SELECT output FROM action_runs WHERE action_name = 'createUser' AND status = 'success'"))
    recorded.insert(str(parse(row["output"]).at("id")));
  for (const auto& id : created) {
    ASSERT_EQ(users.count(id), 1u) << id;
    ASSERT_EQ(recorded.count(id), 1u) << "the run that created " << id << " was answered but not recorded";
  }
  // every user the database holds was created by a recorded run: DemoServer's owner by its
  // sign-up, every other one by a createUser run
  auto signed_up = db.query("SELECT l.meta FROM action_logs l JOIN action_runs r ON r.id = l.run_id "
                            "WHERE r.action_name = 'signUp' AND r.status = 'success' AND l.message = 'user signed up'");
  ASSERT_EQ(signed_up.size(), 1u);
  EXPECT_EQ(str(parse(signed_up[0]["meta"]).at("userId")), server.user_id());
  EXPECT_EQ(db.count("SELECT count(*) FROM users WHERE id != ?", {server.user_id()}),
            db.count("SELECT count(*) FROM action_runs WHERE action_name = 'createUser' AND status = 'success'"));
  EXPECT_EQ(db.count("SELECT count(*) FROM users WHERE id != ?", {server.user_id()}),
            db.count("SELECT count(*) FROM action_logs WHERE message = 'user created'"));
}

TEST(Lifecycle, SigtermLetsAnInFlightRequestFinish) {
  DemoServer server({.binary = kSlowApp, .demo_config = false});
  const auto port = server.port();
  Connection busy(port);
  ASSERT_TRUE(busy.send_raw(Connection::build_request("POST", "/slow", R"({"ms":1200})")));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the handler is sleeping now
  const auto start = std::chrono::steady_clock::now();
  server.process().signal(SIGTERM);
  auto r = busy.read_response();
  ASSERT_TRUE(r) << "the in-flight request was cut off";
  EXPECT_EQ(r->status, 200) << *r;
  EXPECT_EQ(r->body, R"({"slept":1200})");
  EXPECT_TRUE(r->closes()) << "the last response before stopping says Connection: close";
  EXPECT_EQ(server.process().wait(std::chrono::seconds(10)), 0) << server.process().err();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500))
      << "exited before the handler finished";
  EXPECT_TRUE(port_closed(port));
  Db db(server.db_url());
  EXPECT_EQ(db.count("SELECT count(*) FROM action_runs WHERE action_name = 'slow' AND status = 'success'"), 1);
  EXPECT_EQ(db.count("SELECT count(*) FROM action_logs WHERE message = 'woke up'"), 1);
}

TEST(Lifecycle, ServeIsTheDefaultCommand) {
  DemoServer server({.args = {}});
  EXPECT_TRUE(server.healthy());
}

TEST(Lifecycle, ReadyzIs503UntilMigrationsAreApplied) {
  // no sign-up yet: without migrations there is no users table to sign up into
  DemoServer server({.env = {{"BUNBASE_MIGRATE_ON_START", "false"}}, .sign_in = false});
  EXPECT_THAT(server.process().err(), HasSubstr("migrations pending"));
  EXPECT_EQ(http(server.port(), "GET", "/healthz").status, 200);
  Response not_ready = http(server.port(), "GET", "/readyz");
  EXPECT_EQ(not_ready.status, 503) << not_ready;

  // Another process migrates the same database: the server notices.
  auto migrate = run_to_end(kSaasDemo, {"migrate"},
                            {.cwd = server.dir().path(), .env = {{"DATABASE_URL", server.db_url()}}, .name = "migrate"});
  ASSERT_EQ(migrate.code, 0) << migrate.err;
  Response ready = http(server.port(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready;
  // the migrated tables serve: a sign-up, then the guarded create as that user, refused while it
  // is a plain user and accepted once the demo's migrated role column makes it an admin
  Response up = http(server.port(), "POST", "/auth/sign-up",
                     R"({"email":"owner@example.com","password":"correct horse","name":"Owner"})");
  ASSERT_EQ(up.status, 202) << up;
  Response signed_up = http(server.port(), "POST", "/auth/sign-in", R"({"email":"owner@example.com","password":"correct horse"})");
  ASSERT_EQ(signed_up.status, 200) << signed_up;
  const std::string token = str(signed_up.json().at("token"));
  const std::string body = R"({"email":"m@example.com","name":"M"})";
  expect_problem(http(server.port(), "POST", "/users", body, {{"Authorization", "Bearer " + token}}), 403,
                 "permission_denied");
  server.promote_to_admin(str(signed_up.json().at("user").at("id")));
  Response created = http(server.port(), "POST", "/users", body, {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(created.status, 201) << created;
}

TEST(Lifecycle, AnInternalErrorIsAGeneric500AndTheCauseStaysInTheLog) {
  // Without migrations the users table is missing: the handler's SQL fails. POST /users needs a
  // signed-in caller, which needs that table too, so the failing handler is the public sign-up's.
  DemoServer server({.env = {{"BUNBASE_MIGRATE_ON_START", "false"}}, .sign_in = false});
  Response r = http(server.port(), "POST", "/auth/sign-up",
                    R"({"email":"i@example.com","password":"correct horse","name":"I"})",
                    {{"traceparent", kTraceparent}});
  expect_problem(r, 500, "internal");
  EXPECT_EQ(str(r.json().at("detail")), "internal error") << r;
  EXPECT_THAT(r.body, Not(HasSubstr("no such table"))) << "SQL details leaked: " << r;
  EXPECT_THAT(r.body, Not(HasSubstr("SQL"))) << r;
  EXPECT_EQ(response_trace(r).trace_id, kTrace);
  EXPECT_EQ(str(r.json().at("traceId")), kTrace);
  // the cause is logged with the run's trace id
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (server.process().err().find("action failed") == std::string::npos && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string err = server.process().err();
  // (On PostgreSQL the sign-in limit's shared window is the first table it misses.)
  EXPECT_THAT(err, HasSubstr(server.database().postgres() ? R"(relation \"rate_limits\" does not exist)" : "no such table: users"));
  EXPECT_THAT(err, HasSubstr(std::string(kTrace)));
  // the run history cannot be written (no tables): the server still serves and stops cleanly
  EXPECT_EQ(http(server.port(), "GET", "/ping").status, 200);
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

TEST(Lifecycle, APortInUseFailsClearly) {
  DemoServer first;
  TempDir dir;
  write_demo_config(dir.path());  // the demo's config (its migrations need the auth module's)
  TestDatabase second_db(dir.path(), "b.db");
  auto second = run_to_end(kSaasDemo, {"serve"},
                           {.cwd = dir.path(),
                            .env = {{"PORT", std::to_string(first.port())}, {"DATABASE_URL", second_db.url()}},
                            .name = "second"});
  EXPECT_NE(second.code, 0);
  EXPECT_THAT(second.err, HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(first.port())));
  EXPECT_TRUE(first.healthy());
}

TEST(Lifecycle, StartupPrintsTheUrlsItServes) {
  DemoServer server;
  // stdout is written just after the "listening" log line
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while ((out = server.process().out()).find("/readyz") == std::string::npos && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string base = "http://localhost:" + std::to_string(server.port());
  EXPECT_THAT(out, HasSubstr(base + "/users"));
  EXPECT_THAT(out, HasSubstr(base + "/healthz"));
  EXPECT_THAT(out, HasSubstr(base + "/readyz"));
}

}  // namespace
}  // namespace bbit
