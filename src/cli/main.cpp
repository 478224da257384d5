// The `bunbase` command: makes an app (`new`), builds, serves and rebuilds it on change
// (`dev`), builds it (`build`), runs its tests (`test`), and hands the app's own commands
// (`routes`, `actions`, `migrate`, `run`, `openapi`, `sdk`, `mcp`, `gen`, `serve`) to the
// freshly built binary, run in the app's folder.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <set>

#include "src/cli/console.hpp"
#include "src/cli/dev.hpp"
#include "src/cli/project.hpp"
#include "src/cli/scaffold.hpp"
#include "src/cli/subprocess.hpp"

namespace fs = std::filesystem;
using namespace bb::cli;

namespace {

const std::set<std::string, std::less<>> kAppCommands = {"routes", "actions", "migrate", "run", "openapi",
                                                         "sdk",    "mcp",     "gen",     "serve"};

// How to write this command in the hints: "bunbase" when PATH finds this very file.
std::string self_command() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  std::string on_path = find_program("bunbase");
  if (!on_path.empty() && fs::equivalent(on_path, self, ec)) return "bunbase";
  return self.string();
}

int new_app(const std::string& name, std::string dir) {
  fs::path target = dir.empty() ? fs::path(name) : fs::path(dir);
  auto files = write_new_app(name, target);
  std::printf("created %s (%zu files)\n", target.string().c_str(), files.size());
  for (const auto& f : files) std::printf("  %s\n", f.c_str());
  const std::string self = self_command();
  std::printf("\nnext:\n  cd %s\n  %s dev     # builds, migrates and serves at http://localhost:3000, "
              "rebuilding on change\n  %s test    # builds and runs tests/\n",
              target.string().c_str(), self.c_str(), self.c_str());
  return 0;
}

Project here() { return Project::find(fs::current_path()); }

bool build_or_report(const Project& p, const BuildOptions& options) {
  BuildResult r = p.build(options);
  if (!r.ok) print_build_failure(r);
  return r.ok;
}

// Builds the app, then becomes `<app> <args...>` in the app's folder.
int hand_to_app(int argc, char** argv) {
  Project p = here();
  if (!build_or_report(p, {.target = p.name()})) return 1;
  std::vector<std::string> args = {p.binary().string()};
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  std::string error = exec_in(p.root(), args);
  std::fprintf(stderr, "bunbase: %s\n", error.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && kAppCommands.contains(std::string_view(argv[1]))) {
    try {
      return hand_to_app(argc, argv);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bunbase: %s\n", e.what());
      return 1;
    }
  }

  CLI::App cli("bunbase: make, build, serve and test Bunbase apps", "bunbase");
  cli.require_subcommand(1);
  cli.footer(
      "The app's own commands, run in its folder after building it:\n"
      "  routes    the HTTP routes and the actions behind them\n"
      "  actions   every action with its triggers and guards\n"
      "  migrate   apply pending migrations (--status to list them)\n"
      "  run       run one action: bunbase run createTodo -i '{\"title\":\"x\"}'\n"
      "  openapi   print the OpenAPI 3.1 document\n"
      "  sdk       write a typed client: bunbase sdk --lang ts --out client/\n"
      "  mcp       serve the app's tools to an agent over stdio\n"
      "  gen       generate code: bunbase gen db-types --out src/tables.hpp\n"
      "  serve     build and serve once, without watching");

  std::string new_name, new_dir;
  auto* new_cmd = cli.add_subcommand("new", "Make a new app in a new folder");
  new_cmd->add_option("name", new_name, "The app's name: lower-case letters, digits and '-' (e.g. my-app)")
      ->required();
  new_cmd->add_option("--dir", new_dir, "The folder to write it to (default: ./<name>)");

  std::optional<int> dev_port;
  std::vector<std::string> dev_extra;
  auto* dev_cmd = cli.add_subcommand("dev", "Build, migrate and serve the app here; rebuild and restart on change");
  dev_cmd->add_option("--port", dev_port, "Port to serve on (default: bunbase.toml's)");
  dev_cmd->add_option("serve_args", dev_extra, "More arguments for `<app> serve`, after --");

  bool release = false;
  auto* build_cmd = cli.add_subcommand("build", "Build the app and its tests (build/, or build/release)");
  build_cmd->add_flag("--release", release, "Optimised build in build/release");

  std::vector<std::string> test_args;
  auto* test_cmd = cli.add_subcommand("test", "Build the app and run its tests (ctest)");
  test_cmd->add_option("ctest_args", test_args, "Arguments for ctest, after -- (e.g. -- -R Todos)");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  try {
    if (*new_cmd) return new_app(new_name, new_dir);
    Project p = here();
    if (*dev_cmd) {
      DevOptions o;
      if (dev_port) o.serve_args = {"--port", std::to_string(*dev_port)};
      o.serve_args.insert(o.serve_args.end(), dev_extra.begin(), dev_extra.end());
      return run_dev(p, o);
    }
    if (*build_cmd) {
      if (!build_or_report(p, {.release = release})) return 1;
      note("built " + p.binary(release).string());
      return 0;
    }
    if (*test_cmd) {
      if (!build_or_report(p, {})) return 1;
      std::vector<std::string> args = {"ctest", "--test-dir", p.build_dir().string(), "--output-on-failure"};
      args.insert(args.end(), test_args.begin(), test_args.end());
      return run(args, {.cwd = p.root()});
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bunbase: %s\n", e.what());
    return 1;
  }
  return 0;
}
