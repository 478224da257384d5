#include "src/cli/dev.hpp"

#include <signal.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include "src/cli/console.hpp"
#include "src/cli/subprocess.hpp"

namespace bb::cli {

namespace fs = std::filesystem;

namespace {

volatile std::sig_atomic_t g_stop = 0;
void request_stop(int) { g_stop = 1; }

// What is watched, by path relative to the app folder: last write time and size.
using Snapshot = std::map<std::string, std::pair<fs::file_time_type, std::uintmax_t>>;

Snapshot snapshot(const fs::path& root) {
  Snapshot s;
  std::error_code ec;
  auto add = [&](const fs::path& p) {
    auto t = fs::last_write_time(p, ec);
    if (ec) return;
    auto size = fs::file_size(p, ec);
    if (ec) return;
    s[p.lexically_relative(root).string()] = {t, size};
  };
  for (const char* dir : {"src", "db"}) {
    for (fs::recursive_directory_iterator it(root / dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec)) add(it->path());
    }
    ec.clear();
  }
  add(root / "bunbase.toml");
  add(root / "CMakeLists.txt");
  return s;
}

std::string describe_changes(const Snapshot& before, const Snapshot& after) {
  std::vector<std::string> changed;
  for (const auto& [path, stamp] : after) {
    auto it = before.find(path);
    if (it == before.end()) changed.push_back(path + " added");
    else if (it->second != stamp) changed.push_back(path + " changed");
  }
  for (const auto& [path, stamp] : before)
    if (!after.contains(path)) changed.push_back(path + " deleted");
  if (changed.empty()) return "files changed";
  std::string out = changed.front();
  if (changed.size() > 1) out += " (and " + std::to_string(changed.size() - 1) + " more)";
  return out;
}

void sleep_unless_stopped(std::chrono::milliseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!g_stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

class DevLoop {
 public:
  DevLoop(const Project& project, const DevOptions& options) : project_(project), options_(options) {}

  int run() {
    Snapshot seen = snapshot(project_.root());
    rebuild_and_restart("building " + project_.name());
    while (!g_stop) {
      sleep_unless_stopped(options_.poll);
      if (app_) {
        if (auto status = app_->try_wait()) {
          note(project_.name() + " exited with status " + std::to_string(*status) + "; waiting for a change");
          app_.reset();
        }
      }
      Snapshot now = snapshot(project_.root());
      if (now == seen) continue;
      // Let a burst of saves settle: editors write several files, or one file twice.
      for (Snapshot settled; !g_stop; now = std::move(settled)) {
        sleep_unless_stopped(std::chrono::milliseconds(150));
        settled = snapshot(project_.root());
        if (settled == now) break;
      }
      if (g_stop) break;
      std::string what = describe_changes(seen, now);
      seen = std::move(now);
      rebuild_and_restart(what + ": rebuilding");
    }
    stop_app();
    note("stopped");
    return 0;
  }

 private:
  void rebuild_and_restart(const std::string& why) {
    note(why);
    BuildResult r = project_.build({.target = project_.name()});
    if (g_stop) return;
    if (!r.ok) {
      print_build_failure(r);
      note(app_ ? "the previous build keeps serving; save a fix to rebuild" : "save a fix to rebuild");
      return;
    }
    stop_app();
    if (migrate()) start_app();
  }

  bool migrate() {
    Status status;
    status.show("migrating " + project_.name());
    std::vector<std::string> lines;
    Child c = Child::spawn({project_.binary().string(), "migrate"}, {.cwd = project_.root(), .capture = true});
    c.read_lines([&](std::string_view line) { lines.emplace_back(line); });
    int code = c.wait();
    status.clear();
    if (code != 0) {
      for (const auto& l : lines) std::fprintf(stderr, "%s\n", highlight_diagnostic(l).c_str());
      note("migrations failed (status " + std::to_string(code) + "); save a fix to retry");
      return false;
    }
    for (const auto& l : lines)
      if (l.starts_with("applied")) note(l);
    return true;
  }

  void start_app() {
    std::vector<std::string> argv = {project_.binary().string(), "serve"};
    argv.insert(argv.end(), options_.serve_args.begin(), options_.serve_args.end());
    app_.emplace(Child::spawn(argv, {.cwd = project_.root(), .own_group = true}));
  }

  void stop_app() {
    if (!app_) return;
    app_->stop(std::chrono::seconds(10));
    app_.reset();
  }

  const Project& project_;
  const DevOptions& options_;
  std::optional<Child> app_;
};

}  // namespace

int run_dev(const Project& project, const DevOptions& options) {
  struct sigaction sa {};
  sa.sa_handler = request_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return DevLoop(project, options).run();
}

}  // namespace bb::cli
