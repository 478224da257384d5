// The app's command line: actions, migrate (and --status), run (trigger type cli), --help,
// and configuration errors that must stop the app with a message naming the problem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "tests/integration/support/demo_server.hpp"
#include "tests/integration/support/problem.hpp"

namespace bbit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class Cli : public ::testing::Test {
 protected:
  Cli() { write_demo_config(dir.path()); }
  ~Cli() override {
    if (HasFailure()) {
      dir.keep();
      database.keep();
      std::cerr << "[ cli dir kept: " << dir.path() << " ]\n";
    }
  }
  const std::string& db_url() const { return database.url(); }

  // Runs saas-demo in the scratch directory with this test's database (unless env says otherwise).
  Completed app(const std::vector<std::string>& args, std::map<std::string, std::string> env = {}) {
    env.try_emplace("DATABASE_URL", db_url());
    env.try_emplace("PORT", "0");
    return run_to_end(kSaasDemo, args, {.cwd = dir.path(), .env = env, .name = "cli"});
  }

  TempDir dir;
  TestDatabase database{dir.path()};
};

TEST_F(Cli, ActionsPrintsATableOfActionsModulesAndTriggers) {
  auto r = app({"actions"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ACTION"));
  EXPECT_THAT(r.out, HasSubstr("MODULE"));
  EXPECT_THAT(r.out, HasSubstr("TRIGGERS"));
  EXPECT_THAT(r.out, HasSubstr("GUARDS"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex(R"(createUser +users +api POST /users)"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex(R"(getUser +users +api GET /users/:id)"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex(R"(listUsers +users +api GET /users)"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex(R"(updateUser +users +api PATCH /users/:id)"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex(R"(deleteUser +users +api DELETE /users/:id)"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex(R"(ping +- +api GET /ping)"));
  // listing touches no database
  EXPECT_TRUE(database.untouched());
}

// The names of "<word>  <name>" lines, in order.
std::vector<std::string> listed(const std::string& out, const std::string& word) {
  std::vector<std::string> names;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(word + "  ")) names.push_back(line.substr(word.size() + 2));
  return names;
}

TEST_F(Cli, MigrateAppliesOnceAndStatusListsWhatIsApplied) {
  // These at least, in this order (the runtime's own list grows, and a PostgreSQL database has
  // one of its own besides): the runtime's, then the enabled auth and organizations features',
  // then the app's.
  const std::vector<std::string> known = {
      "bunbase/0001_action_runs.sql",   "bunbase/0002_events_jobs_schedules.sql", "bunbase/0003_webhooks_job_claims.sql",
      "bunbase/auth/0001_users_sessions_keys.sql", "bunbase/saas/0001_orgs_rbac.sql",
      "bunbase/saas/0002_plans.sql",    "bunbase/saas/0003_subscriptions.sql",       "app/001_init.sql",
      "app/002_billing.sql"};
  auto before = app({"migrate", "--status"});
  ASSERT_EQ(before.code, 0) << before.err;
  const std::vector<std::string> migrations = listed(before.out, "pending");
  auto group = [](const std::string& name) {
    return name.starts_with("app/") ? 3 : name.starts_with("bunbase/saas/") ? 2 : name.starts_with("bunbase/auth/") ? 1 : 0;
  };
  for (std::size_t i = 1; i < migrations.size(); ++i)
    EXPECT_LE(group(migrations[i - 1]), group(migrations[i])) << migrations[i - 1] << " before " << migrations[i];
  auto at = migrations.begin();
  for (const auto& m : known) {
    auto found = std::find(at, migrations.end(), m);
    EXPECT_NE(found, migrations.end()) << m << " is not listed (in order) in\n" << before.out;
    if (found != migrations.end()) at = found;
  }
  EXPECT_EQ(std::set<std::string>(migrations.begin(), migrations.end()).size(), migrations.size()) << before.out;

  auto first = app({"migrate"});
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_EQ(listed(first.out, "applied"), migrations) << first.out;
  EXPECT_THAT(first.out, HasSubstr(std::to_string(migrations.size()) + " migration(s) applied"));

  auto status = app({"migrate", "--status"});
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_EQ(listed(status.out, "applied"), migrations) << status.out;
  EXPECT_THAT(status.out, Not(HasSubstr("pending")));

  auto again = app({"migrate"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("0 migration(s) applied"));

  Db db(db_url());
  EXPECT_EQ(db.count("SELECT count(*) FROM bunbase_migrations"), static_cast<std::int64_t>(migrations.size()));
  for (const auto& m : migrations)
    EXPECT_EQ(db.count("SELECT count(*) FROM bunbase_migrations WHERE name = ?", {m}), 1) << m;
}

TEST_F(Cli, DatabaseUrlFlagOverridesTheEnvironment) {
  TestDatabase other(dir.path(), "other.db");
  auto r = app({"--database-url", other.url(), "migrate"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Db(other.url()).count("SELECT count(*) FROM bunbase_migrations WHERE name = 'app/002_billing.sql'"), 1);
  EXPECT_TRUE(database.untouched());
}

TEST_F(Cli, RunCreateUserPrintsTheOutputAndIsRecordedAsCli) {
  auto r = app({"run", "createUser", "--input", R"({"email":"a@b.co","name":"A"})"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto out = boost::json::parse(r.out);
  ASSERT_TRUE(out.is_object()) << r.out;
  EXPECT_EQ(out.at("email"), "a@b.co");
  const std::string id = str(out.at("id"));
  EXPECT_FALSE(id.empty());

  Db db(db_url());
  // createUser, then the subscriber of its user.created event (delivered before the CLI exits)
  auto runs = db.query("SELECT * FROM action_runs ORDER BY id");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1]["action_name"], "welcomeNewUser");
  EXPECT_EQ(runs[1]["trigger_type"], "event");
  EXPECT_EQ(runs[1]["parent_run_id"], runs[0]["id"]);
  EXPECT_EQ(runs[1]["trace_id"], runs[0]["trace_id"]);
  EXPECT_EQ(db.count("SELECT count(*) FROM jobs WHERE action = 'sendWelcomeEmail' AND status = 'pending'"), 1)
      << "the CLI's run enqueues; only serve runs the workers";
  EXPECT_EQ(runs[0]["action_name"], "createUser");
  EXPECT_EQ(runs[0]["module_name"], "users");
  EXPECT_EQ(runs[0]["trigger_type"], "cli");
  EXPECT_EQ(runs[0]["status"], "success");
  EXPECT_EQ(boost::json::parse(runs[0]["input"].value_or("null")), boost::json::parse(R"({"email":"a@b.co","name":"A"})"));
  EXPECT_EQ(db.count("SELECT count(*) FROM users WHERE id = ?", {id}), 1);
  EXPECT_EQ(db.count("SELECT count(*) FROM action_logs WHERE message = 'user created' AND run_id = ?",
                     {*runs[0]["id"]}), 1);

  // the same email again: the action's conflict, non-zero exit
  auto dup = app({"run", "createUser", "--input", R"({"email":"a@b.co","name":"A"})"});
  EXPECT_NE(dup.code, 0);
  EXPECT_THAT(dup.err, HasSubstr("already exists"));
  EXPECT_THAT(dup.err, HasSubstr("email_taken"));
}

TEST_F(Cli, RunAsAUserWorks) {
  auto r = app({"run", "ping", "--as-user", "user-42"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(boost::json::parse(r.out).at("message"), "pong");
}

TEST_F(Cli, RunWithInvalidInputFailsWithTheValidationErrors) {
  auto r = app({"run", "createUser", "--input", "{}"});
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("validation"));
  EXPECT_THAT(r.err, HasSubstr("/email"));
  EXPECT_THAT(r.err, HasSubstr("/name"));
  EXPECT_TRUE(r.out.empty()) << r.out;
  // and the failed run is recorded
  Db db(db_url());
  EXPECT_EQ(db.count("SELECT count(*) FROM action_runs WHERE status = 'error' AND trigger_type = 'cli'"), 1);
}

TEST_F(Cli, RunWithMalformedInputJsonFails) {
  auto r = app({"run", "createUser", "--input", "{"});
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("--input is not valid JSON"));
}

TEST_F(Cli, RunOfAnUnknownActionFailsClearly) {
  auto r = app({"run", "noSuchAction"});
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("noSuchAction"));
  EXPECT_THAT(r.err, HasSubstr("unknown action"));
}

TEST_F(Cli, HelpForTheAppAndForRun) {
  auto top = app({"--help"});
  EXPECT_EQ(top.code, 0) << top.err;
  for (const char* word : {"serve", "migrate", "actions", "run", "--config", "--port", "--database-url"})
    EXPECT_THAT(top.out, HasSubstr(word));
  auto run = app({"run", "--help"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("--input"));
  EXPECT_THAT(run.out, HasSubstr("--as-user"));
  auto migrate = app({"migrate", "--help"});
  EXPECT_EQ(migrate.code, 0) << migrate.err;
  EXPECT_THAT(migrate.out, HasSubstr("--status"));
  // help touches no database
  EXPECT_TRUE(database.untouched());
}

TEST_F(Cli, UnknownCommandOrOptionFails) {
  auto cmd = app({"bogus"});
  EXPECT_NE(cmd.code, 0);
  EXPECT_THAT(cmd.out + cmd.err, HasSubstr("bogus"));
  auto opt = app({"--no-such-flag"});
  EXPECT_NE(opt.code, 0);
  EXPECT_THAT(opt.out + opt.err, HasSubstr("--no-such-flag"));
  auto run = app({"run"});
  EXPECT_NE(run.code, 0);
  EXPECT_THAT(run.out + run.err, HasSubstr("action"));
}

TEST_F(Cli, AnEditedAppliedMigrationIsRefused) {
  ASSERT_EQ(app({"migrate"}).code, 0);
  {
    Db db(db_url());
    db.query("UPDATE bunbase_migrations SET checksum = 'x' WHERE name = 'app/001_init.sql'");
  }
  auto migrate = app({"migrate"});
  EXPECT_NE(migrate.code, 0);
  EXPECT_THAT(migrate.err, HasSubstr("app/001_init.sql"));
  EXPECT_THAT(migrate.err, HasSubstr("changed after it was applied"));

  auto serve = app({"serve"});  // must refuse to start, not hang serving
  EXPECT_NE(serve.code, 0);
  EXPECT_THAT(serve.err, HasSubstr("app/001_init.sql"));
  EXPECT_THAT(serve.err, Not(HasSubstr(R"("msg":"listening")")));

  auto status = app({"migrate", "--status"});
  EXPECT_NE(status.code, 0) << status.out;
  EXPECT_THAT(status.err, HasSubstr("app/001_init.sql"));
}

TEST_F(Cli, AnUnreachablePostgresServerFailsClearlyWithoutThePassword) {
  // Nothing listens on port 1: refused at once.
  for (std::vector<std::string> args : {std::vector<std::string>{"serve"}, {"migrate"}, {"run", "ping"}}) {
    SCOPED_TRACE(args[0]);
    auto r = app(args, {{"DATABASE_URL", "postgres://ada:s3cret-pw@127.0.0.1:1/app"}});
    EXPECT_NE(r.code, 0);
    EXPECT_THAT(r.err, HasSubstr("cannot connect to PostgreSQL at 127.0.0.1:1"));
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("s3cret-pw")));
    EXPECT_THAT(r.err, Not(HasSubstr(R"("msg":"listening")")));
  }
}

TEST_F(Cli, UnsupportedDatabaseSchemeFails) {
  auto r = app({"migrate"}, {{"DATABASE_URL", "mysql://x"}});
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("mysql://x"));
}

TEST_F(Cli, ConfigFileWithAnUnknownKeyFailsNamingTheKey) {
  write_file(dir / "bunbase.toml", "port = 0\n[http]\nbody_limitt = \"1KiB\"\n");
  auto r = app({"serve"});
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("http.body_limitt"));
  EXPECT_THAT(r.err, HasSubstr("unknown key"));
  EXPECT_THAT(r.err, HasSubstr("bunbase.toml"));

  write_file(dir / "bunbase.toml", "prot = 3000\n");
  auto top = app({"migrate"});
  EXPECT_NE(top.code, 0);
  EXPECT_THAT(top.err, HasSubstr("prot"));
}

TEST_F(Cli, ConfigFileWithABadValueOrSyntaxFails) {
  write_file(dir / "bunbase.toml", "[http]\nio_threads = \"many\"\n");
  auto type = app({"migrate"});
  EXPECT_NE(type.code, 0);
  EXPECT_THAT(type.err, HasSubstr("http.io_threads"));

  write_file(dir / "bunbase.toml", "[database\nurl = 1\n");
  auto syntax = app({"migrate"});
  EXPECT_NE(syntax.code, 0);
  EXPECT_THAT(syntax.err, HasSubstr("bunbase.toml:1"));
}

TEST_F(Cli, MissingConfigFileFails) {
  auto r = app({"--config", "missing.toml", "serve"});
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("missing.toml"));
  EXPECT_THAT(r.err, HasSubstr("not found"));
}

TEST_F(Cli, InvalidEnvironmentValuesFailNamingTheVariable) {
  for (auto [name, value] : {std::pair<std::string, std::string>{"PORT", "abc"}, {"PORT", "70000"},
                             {"BUNBASE_BODY_LIMIT", "lots"}, {"LOG_LEVEL", "loud"}, {"BUNBASE_PERSISTENCE_ENABLED", "maybe"}}) {
    SCOPED_TRACE(name + "=" + value);
    auto r = app({"migrate"}, {{name, value}});
    EXPECT_NE(r.code, 0);
    EXPECT_THAT(r.err, HasSubstr(name));
  }
}

TEST_F(Cli, PortFlagWinsOverTheEnvironment) {
  // a port that was free a moment ago
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  const std::string port = std::to_string(ntohs(addr.sin_port));

  Process p(kSaasDemo, {"--port", port, "serve"}, {.cwd = dir.path(), .env = {{"PORT", "1"}, {"DATABASE_URL", db_url()}}, .name = "port"});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (p.err().find("\"msg\":\"listening\"") == std::string::npos && p.running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  EXPECT_THAT(p.err(), HasSubstr("\"bind\":\"127.0.0.1:" + port + "\"")) << p.output_for_diagnostics();
  EXPECT_EQ(http(static_cast<unsigned short>(std::stoi(port)), "GET", "/healthz").status, 200);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(), 0);
}

TEST_F(Cli, ConfigFileFromTheWorkingDirectoryIsUsed) {
  // bunbase.toml sets the body limit and the database (a SQLite path relative to the working
  // directory); PORT from the environment wins over its port.
  TestDatabase from_toml(dir.path(), "from-toml.db");
  const std::string url = from_toml.postgres() ? from_toml.url() : "sqlite://from-toml.db";
  write_file(dir / "bunbase.toml", "port = 1\n[database]\nurl = \"" + url + "\"\n[http]\nbody_limit = \"1KiB\"\n"
                                   "[auth]\nenabled = true\n[saas]\norganizations = true\nenabled = true\n");
  Process p(kSaasDemo, {"serve"}, {.cwd = dir.path(), .env = {{"PORT", "0"}}, .name = "toml"});
  // wait for the listening line and read the port
  unsigned short port = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!port && p.running() && std::chrono::steady_clock::now() < deadline) {
    std::string err = p.err();
    auto at = err.find(R"("bind":"127.0.0.1:)");
    if (at != std::string::npos) port = static_cast<unsigned short>(std::stoi(err.substr(at + 18)));
    else std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  ASSERT_NE(port, 0) << p.output_for_diagnostics();
  EXPECT_NE(port, 1) << "PORT from the environment must win over the file's port";
  EXPECT_FALSE(from_toml.untouched()) << "the database of the file is used";
  EXPECT_TRUE(database.untouched());
  Response big = http(port, "POST", "/users", R"({"email":"a@b.co","name":")" + std::string(2000, 'x') + "\"}");
  EXPECT_EQ(big.status, 413) << big;
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(), 0);
}

}  // namespace
}  // namespace bbit

namespace bbit {
namespace {

// The text without the column comments ("  // TEXT"), which name the SQL type as the database
// reports it ("text" on PostgreSQL).
std::string without_type_comments(const std::string& header) {
  static const std::regex comment(R"(;  // [^\n]*)");
  return std::regex_replace(header, comment, ";");
}

// examples/saas-demo/src/tables.hpp is `gen db-types`'s output for the demo's migrations (made
// from SQLite): a migration that changes a table without regenerating it fails here. PostgreSQL
// must give the same structs.
TEST_F(Cli, GenDbTypesMatchesTheDemosCommittedHeader) {
  auto r = app({"gen", "db-types"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto committed = std::filesystem::path(kSaasDemoConfig).parent_path() / "src" / "tables.hpp";
  if (database.postgres())
    EXPECT_EQ(without_type_comments(r.out), without_type_comments(read_file(committed)));
  else
    EXPECT_EQ(r.out, read_file(committed)) << "regenerate it: cd examples/saas-demo && saas-demo gen db-types --out src/tables.hpp";
  EXPECT_THAT(r.out, HasSubstr("struct InvoicesRow {"));

  auto all = app({"gen", "db-types", "--all", "--namespace", "rows", "--out", (dir / "rows.hpp").string()});
  ASSERT_EQ(all.code, 0) << all.err;
  const std::string text = read_file(dir / "rows.hpp");
  EXPECT_THAT(text, HasSubstr("namespace rows {"));
  EXPECT_THAT(text, HasSubstr("struct JobsRow {"));
  EXPECT_THAT(text, HasSubstr("struct UsersRow {"));
}

}  // namespace
}  // namespace bbit
