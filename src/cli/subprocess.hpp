// Child processes for the `bunbase` command: the build (its output read line by line for the
// progress line and the compiler's diagnostics) and the app under `bunbase dev` (its output
// left on the terminal, in its own process group so that stopping it stops all of it).
//
//   Child build = Child::spawn({"cmake", "--build", "build"}, {.cwd = root, .capture = true});
//   build.read_lines([](std::string_view line) { ... });
//   int status = build.wait();
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bb::cli {

struct SpawnOptions {
  std::filesystem::path cwd;
  bool capture = false;  // stdout and stderr into one pipe, read with read_lines()
  std::vector<std::pair<std::string, std::string>> env;  // added to this process's environment
  // In a process group of its own: a Ctrl-C on the terminal does not reach it, stop() ends the
  // whole group. Otherwise it shares ours and is interrupted with us.
  bool own_group = false;
};

class Child {
 public:
  // Throws std::runtime_error when the program cannot be started (not found, not executable).
  static Child spawn(const std::vector<std::string>& argv, const SpawnOptions& options = {});

  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();  // kills a child still running

  // Calls on_line for each line of captured output until the child closes it.
  void read_lines(const std::function<void(std::string_view)>& on_line);
  // The exit code, or 128 + the signal that ended it.
  int wait();
  std::optional<int> try_wait();
  // SIGTERM (to its group when it has its own), SIGKILL after `grace`; returns the exit status.
  int stop(std::chrono::milliseconds grace);
  bool running() { return !try_wait().has_value(); }
  pid_t pid() const { return pid_; }

 private:
  Child() = default;
  pid_t pid_ = -1;
  int out_ = -1;
  bool own_group_ = false;
  std::optional<int> status_;
};

// Runs argv to completion with the terminal's stdio; returns its exit status.
int run(const std::vector<std::string>& argv, const SpawnOptions& options = {});

// Replaces this process with argv run in `cwd` (for commands handed to the app, e.g. `mcp`,
// whose stdin and stdout must be the app's own). Returns only on failure, with errno's text.
std::string exec_in(const std::filesystem::path& cwd, const std::vector<std::string>& argv);

// The full path of a program found on PATH, or empty.
std::string find_program(std::string_view name);

}  // namespace bb::cli
