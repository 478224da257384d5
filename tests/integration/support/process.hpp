// Child processes for the integration suites: a scratch directory per test and the real app
// binary started in it, with its output captured to files we can read while it runs.
//
//   TempDir dir;
//   Process p(kSaasDemo, {"migrate"}, {.cwd = dir.path(), .env = {{"DATABASE_URL", url}}});
//   int code = p.wait(5s);   // -1 on timeout; the destructor kills what is still running
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace bbit {

using namespace std::chrono_literals;

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::filesystem::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// A process's resident memory now (VmRSS) and at its peak (VmHWM), in KiB; -1 if unknown.
inline long memory_kib(pid_t pid, std::string_view field = "VmRSS:") {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(field)) return std::stol(line.substr(field.size()));
  return -1;
}

// A fresh directory, removed on destruction (kept when keep() was called, for post-mortems).
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/bunbase-it-XXXXXX";
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
    path_ = tmpl;
  }
  ~TempDir() {
    if (keep_) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }
  void keep() { keep_ = true; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

struct ProcessOptions {
  std::filesystem::path cwd;                 // also where stdout/stderr files go
  std::map<std::string, std::string> env;    // added to (and overriding) a cleaned environment
  std::string name = "proc";                 // prefix of the capture files
};

// The app reads these; none of the test runner's own may leak into a child.
inline bool is_app_variable(std::string_view entry) {
  static constexpr std::string_view kNames[] = {"HOST=", "PORT=", "DATABASE_URL=", "LOG_LEVEL=", "LOG_FORMAT="};
  for (auto n : kNames)
    if (entry.starts_with(n)) return true;
  return entry.starts_with("BUNBASE_");
}

class Process {
 public:
  Process(const std::string& binary, const std::vector<std::string>& args, ProcessOptions o)
      : options_(std::move(o)) {
    static int counter = 0;
    const std::string stem = options_.name + "-" + std::to_string(++counter);
    out_path_ = options_.cwd / (stem + ".stdout");
    err_path_ = options_.cwd / (stem + ".stderr");

    // Everything the child needs is prepared before fork: after it only system calls run.
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
      // A variable given in options.env replaces the inherited one (getenv takes the first).
      const std::string_view entry(*e);
      const std::string name(entry.substr(0, entry.find('=')));
      if (!is_app_variable(entry) && !options_.env.count(name)) env_strings.emplace_back(entry);
    }
    for (const auto& [k, v] : options_.env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_strings{binary};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    const std::string cwd = options_.cwd.string(), out = out_path_.string(), err = err_path_.string();

    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
    if (pid_ == 0) {
      // Dies with the test process (ctest timeout, crash): no server is ever left behind.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(125);
      int in_fd = open("/dev/null", O_RDONLY);
      int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in_fd < 0 || out_fd < 0 || err_fd < 0 || chdir(cwd.c_str()) != 0) _exit(126);
      dup2(in_fd, 0);
      dup2(out_fd, 1);
      dup2(err_fd, 2);
      // The stop signals may be blocked in the test's threads; the child starts clean.
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
  }

  ~Process() { kill_and_reap(); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running() {
    poll();
    return !exit_code_;
  }
  void signal(int sig) {
    if (running()) ::kill(pid_, sig);
  }

  // The exit code (128 + signal when killed by one), or -1 if still running after `timeout`.
  int wait(std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!poll() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(2ms);
    return exit_code_ ? *exit_code_ : -1;
  }

  void kill_and_reap() {
    if (pid_ <= 0 || poll()) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_code_ = 128 + SIGKILL;
  }

  std::string out() const { return read_file(out_path_); }
  std::string err() const { return read_file(err_path_); }
  std::string output_for_diagnostics() const {
    return "--- stdout ---\n" + out() + "--- stderr ---\n" + err();
  }

 private:
  bool poll() {
    if (exit_code_) return true;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r != pid_) return false;
    if (WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) exit_code_ = 128 + WTERMSIG(status);
    else exit_code_ = 255;
    return true;
  }

  ProcessOptions options_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path out_path_, err_path_;
};

// Polls `done` every 20 ms until it holds (true) or `timeout` passes (false, after a last look).
template <class F>
bool eventually(F done, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

struct Completed {
  int code = -1;  // -1: did not finish in time (and was killed)
  std::string out, err;
};

// Runs a command to completion (the CLI tests): exit code and everything it printed.
inline Completed run_to_end(const std::string& binary, const std::vector<std::string>& args,
                            ProcessOptions o, std::chrono::milliseconds timeout = 15s) {
  Process p(binary, args, std::move(o));
  Completed c;
  c.code = p.wait(timeout);
  p.kill_and_reap();
  c.out = p.out();
  c.err = p.err();
  return c;
}

}  // namespace bbit
