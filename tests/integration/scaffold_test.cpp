// The `bunbase` command end to end, as a user meets it: `new` writes an app into a scratch
// folder; `test` builds it against this build's library (through the build tree's CMake
// package) and runs the app's own tests; `routes` and `run` hand over to the built app; `dev`
// serves it, shows a compile error while the previous build keeps serving, and rebuilds,
// migrates and restarts when a file changes.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <csignal>
#include <regex>

#include "tests/integration/support/http_client.hpp"
#include "tests/integration/support/process.hpp"

namespace {

using namespace bbit;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kBunbase = BUNBASE_CLI_BIN;
const std::string kCmake = BUNBASE_CMAKE_COMMAND;
const std::string kBuildDir = BUNBASE_BUILD_DIR;

Completed bunbase(const fs::path& cwd, std::vector<std::string> args, std::chrono::milliseconds timeout = 20s) {
  return run_to_end(kBunbase, args, {.cwd = cwd, .name = "bunbase"}, timeout);
}

// Every port the app logged "listening" on, in order (one per start).
std::vector<unsigned short> listening_ports(const std::string& log) {
  std::vector<unsigned short> ports;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    if (ec || !v.is_object() || !v.as_object().contains("msg") || v.at("msg") != "listening") continue;
    std::string bind(v.at("meta").at("bind").as_string());
    ports.push_back(static_cast<unsigned short>(std::stoi(bind.substr(bind.rfind(':') + 1))));
  }
  return ports;
}

TEST(BunbaseCommand, NewRefusesBadNamesAndFoldersInTheWay) {
  TempDir dir;
  for (std::string bad : {"MyApp", "1app", "my_app", "app-", "my app", ""}) {
    auto r = bunbase(dir.path(), {"new", bad});
    EXPECT_NE(r.code, 0) << bad;
    if (!bad.empty()) {
      EXPECT_NE(r.err.find("invalid app name"), std::string::npos) << bad << ": " << r.err;
    }
  }
  fs::create_directories(dir / "taken");
  write_file(dir / "taken" / "notes.txt", "mine");
  auto r = bunbase(dir.path(), {"new", "taken"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("already exists and is not empty"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(dir / "taken" / "notes.txt"), "mine");

  auto outside = bunbase(dir.path(), {"routes"});
  EXPECT_NE(outside.code, 0);
  EXPECT_NE(outside.err.find("no Bunbase app here"), std::string::npos) << outside.err;
}

TEST(BunbaseCommand, NewAppBuildsTestsServesAndReloads) {
  TempDir dir;
  auto made = bunbase(dir.path(), {"new", "shop-app"});
  ASSERT_EQ(made.code, 0) << made.out << made.err;
  const fs::path app = dir / "shop-app";
  for (auto f : {"CMakeLists.txt", "bunbase.toml", "db/migrations/001_todos.sql", "src/modules/todos/_module.cpp",
                 "src/modules/todos/create_todo.cpp", "src/modules/todos/list_todos.cpp", "tests/todos_test.cpp"})
    EXPECT_TRUE(fs::exists(app / f)) << f;
  EXPECT_NE(read_file(app / "CMakeLists.txt").find("bunbase_add_app(shop-app)"), std::string::npos);
  EXPECT_EQ(read_file(app / "CMakeLists.txt").find("{{"), std::string::npos);

  // Builds the app and its tests against this build's library, then runs them.
  auto tested = bunbase(app / "src", {"test"}, 600s);  // from a subfolder: the app is found above
  ASSERT_EQ(tested.code, 0) << tested.out << tested.err;
  EXPECT_NE(tested.out.find("100% tests passed"), std::string::npos) << tested.out;
  EXPECT_NE(tested.err.find("building shop-app"), std::string::npos) << "progress is shown: " << tested.err;

  auto routes = bunbase(app, {"routes"}, 120s);
  ASSERT_EQ(routes.code, 0) << routes.err;
  EXPECT_TRUE(std::regex_search(routes.out, std::regex(R"(POST\s+/todos\s+createTodo)"))) << routes.out;
  EXPECT_TRUE(std::regex_search(routes.out, std::regex(R"(GET\s+/todos\s+listTodos)"))) << routes.out;

  auto ran = bunbase(app, {"run", "createTodo", "-i", R"({"title":"from the CLI"})"}, 120s);
  ASSERT_EQ(ran.code, 0) << ran.err;
  EXPECT_EQ(boost::json::parse(ran.out).at("title"), "from the CLI");
  EXPECT_TRUE(fs::exists(app / "data" / "app.db")) << "bunbase.toml's database, in the app's folder";

  // dev: builds (nothing to do), migrates and serves on a port of its own choosing.
  Process dev(kBunbase, {"dev", "--port", "0"}, {.cwd = app, .name = "dev"});
  auto ports = [&] { return listening_ports(dev.err()); };
  ASSERT_TRUE(eventually([&] { return ports().size() == 1; }, 120s)) << dev.output_for_diagnostics();
  unsigned short port = ports().back();
  auto created = http(port, "POST", "/todos", R"({"title":"Ship it"})", {{"Content-Type", "application/json"}});
  ASSERT_EQ(created.status, 201) << created.body;
  auto listed = boost::json::parse(http(port, "GET", "/todos").body);
  ASSERT_EQ(listed.at("todos").as_array().size(), 2u) << "the CLI's item and this one";
  EXPECT_EQ(http(port, "GET", "/stats").status, 404);

  // A compile error: shown with its file and line; the previous build keeps serving.
  write_file(app / "src" / "actions" / "stats.cpp",
             "#include <bunbase/bunbase.hpp>\nBUNBASE_ACTION(stats) { return not_declared_anywhere; }\n");
  ASSERT_TRUE(eventually([&] { return dev.err().find("build failed") != std::string::npos; }, 240s))
      << dev.output_for_diagnostics();
  std::string err = dev.err();
  EXPECT_NE(err.find("src/actions/stats.cpp:2"), std::string::npos) << err;
  EXPECT_NE(err.find("not_declared_anywhere"), std::string::npos) << err;
  EXPECT_NE(err.find("previous build keeps serving"), std::string::npos) << err;
  EXPECT_EQ(http(port, "GET", "/todos").status, 200) << "still serving";

  // The fix, with a new migration: rebuilt, migrated, restarted.
  write_file(app / "db" / "migrations" / "002_tags.sql", "CREATE TABLE tags (name TEXT PRIMARY KEY);\n");
  write_file(app / "src" / "actions" / "stats.cpp", R"(#include <bunbase/bunbase.hpp>

namespace {
struct Stats {
  std::int64_t todos;
  std::int64_t tags;
};
BOOST_DESCRIBE_STRUCT(Stats, (), (todos, tags))
}  // namespace

BUNBASE_ACTION(stats) {
  return bb::action<bb::Empty, Stats>({.name = "stats", .triggers = {bb::triggers::api("GET", "/stats")}},
                                      [](const bb::Empty&, bb::Context& ctx) {
                                        return *ctx.db.query_one_as<Stats>(
                                            "SELECT (SELECT count(*) FROM todos) AS todos, "
                                            "(SELECT count(*) FROM tags) AS tags");
                                      });
}
)");
  ASSERT_TRUE(eventually([&] { return ports().size() == 2; }, 240s)) << dev.output_for_diagnostics();
  port = ports().back();
  auto stats = http(port, "GET", "/stats");
  ASSERT_EQ(stats.status, 200) << stats.body;
  EXPECT_EQ(boost::json::parse(stats.body), boost::json::parse(R"({"todos":2,"tags":0})")) << "data kept across restarts";
  EXPECT_NE(dev.err().find("applied  app/002_tags.sql"), std::string::npos) << dev.err();

  // A config change restarts without compiling anything.
  std::string toml = read_file(app / "bunbase.toml");
  write_file(app / "bunbase.toml", toml + "\n[http]\nbody_limit = \"64KiB\"\n");
  ASSERT_TRUE(eventually([&] { return ports().size() == 3; }, 120s)) << dev.output_for_diagnostics();
  port = ports().back();
  EXPECT_EQ(http(port, "POST", "/todos", "{\"title\":\"" + std::string(70000, 'x') + "\"}",
                 {{"Content-Type", "application/json"}})
                .status,
            413);

  // Ctrl-C (SIGINT) stops the app and the watcher.
  dev.signal(SIGINT);
  EXPECT_EQ(dev.wait(20s), 0) << dev.output_for_diagnostics();
  EXPECT_TRUE(port_closed(port));
}

// `cmake --install` gives a prefix whose own `bunbase` builds apps with no reference to this
// checkout: the headers, libraries, CMake package and helpers are all copied.
TEST(BunbaseCommand, InstalledPackageBuildsAnApp) {
  TempDir dir;
  const fs::path prefix = dir / "prefix";
  auto installed = run_to_end(kCmake, {"--install", kBuildDir, "--prefix", prefix.string()},
                              {.cwd = dir.path(), .name = "install"}, 120s);
  ASSERT_EQ(installed.code, 0) << installed.out << installed.err;
  const std::string bin = (prefix / "bin" / "bunbase").string();
  ASSERT_TRUE(fs::exists(bin));
  ASSERT_TRUE(fs::exists(prefix / "include" / "bunbase" / "bunbase.hpp"));

  auto made = run_to_end(bin, {"new", "inst-app", "--dir", (dir / "inst-app").string()}, {.cwd = dir.path()});
  ASSERT_EQ(made.code, 0) << made.err;
  auto built = run_to_end(bin, {"build"}, {.cwd = dir / "inst-app", .name = "build"}, 600s);
  ASSERT_EQ(built.code, 0) << built.out << built.err;
  std::string cache = read_file(dir / "inst-app" / "build" / "CMakeCache.txt");
  EXPECT_NE(cache.find("=" + (prefix / "lib" / "cmake" / "bunbase").string() + "\n"), std::string::npos) << cache;
  EXPECT_EQ(cache.find(BUNBASE_SOURCE_DIR), std::string::npos) << "nothing from the checkout";

  auto actions = run_to_end((dir / "inst-app" / "build" / "inst-app").string(), {"actions"},
                            {.cwd = dir / "inst-app", .name = "actions"});
  ASSERT_EQ(actions.code, 0) << actions.err;
  EXPECT_TRUE(std::regex_search(actions.out, std::regex(R"(createTodo\s+todos\s+api POST /todos)"))) << actions.out;
}

}  // namespace
