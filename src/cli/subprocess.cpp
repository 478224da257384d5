#include "src/cli/subprocess.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace bb::cli {

namespace {

int decode_status(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return 1;
}

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

Child Child::spawn(const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) throw std::runtime_error("spawn: no program");
  // The child reports an exec failure's errno through this pipe (closed on a successful exec).
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  int out[2] = {-1, -1};
  if (options.capture && pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  auto args = c_argv(argv);

  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    if (options.own_group) setpgid(0, 0);
    // Ends with us even when we are killed outright (no orphaned server holding the port).
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    if (options.capture) {
      dup2(out[1], STDOUT_FILENO);
      dup2(out[1], STDERR_FILENO);
    }
    for (const auto& [k, v] : options.env) setenv(k.c_str(), v.c_str(), 1);
    int err = 0;
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) err = errno;
    if (err == 0) {
      execvp(args[0], args.data());
      err = errno;
    }
    (void)!write(report[1], &err, sizeof err);
    _exit(127);
  }
  close(report[1]);
  if (options.capture) close(out[1]);
  int err = 0;
  ssize_t n;
  while ((n = read(report[0], &err, sizeof err)) < 0 && errno == EINTR) {
  }
  close(report[0]);
  if (n == sizeof err) {
    waitpid(pid, nullptr, 0);
    if (options.capture) close(out[0]);
    throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(err));
  }
  Child c;
  c.pid_ = pid;
  c.out_ = options.capture ? out[0] : -1;
  c.own_group_ = options.own_group;
  return c;
}

Child::Child(Child&& other) noexcept { *this = std::move(other); }

Child& Child::operator=(Child&& other) noexcept {
  std::swap(pid_, other.pid_);
  std::swap(out_, other.out_);
  std::swap(own_group_, other.own_group_);
  std::swap(status_, other.status_);
  return *this;
}

Child::~Child() {
  if (pid_ > 0 && !status_) stop(std::chrono::seconds(2));
  if (out_ >= 0) close(out_);
}

void Child::read_lines(const std::function<void(std::string_view)>& on_line) {
  if (out_ < 0) return;
  std::string pending;
  char buf[8192];
  for (;;) {
    ssize_t n = read(out_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t start = 0, nl;
    while ((nl = pending.find('\n', start)) != std::string::npos) {
      on_line(std::string_view(pending).substr(start, nl - start));
      start = nl + 1;
    }
    pending.erase(0, start);
  }
  if (!pending.empty()) on_line(pending);
  close(out_);
  out_ = -1;
}

int Child::wait() {
  if (status_) return *status_;
  int raw = 0;
  while (waitpid(pid_, &raw, 0) < 0) {
    if (errno != EINTR) return *(status_ = 1);
  }
  return *(status_ = decode_status(raw));
}

std::optional<int> Child::try_wait() {
  if (status_ || pid_ <= 0) return status_;
  int raw = 0;
  pid_t r = waitpid(pid_, &raw, WNOHANG);
  if (r == pid_) status_ = decode_status(raw);
  return status_;
}

int Child::stop(std::chrono::milliseconds grace) {
  if (auto s = try_wait()) return *s;
  kill(own_group_ ? -pid_ : pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto s = try_wait()) return *s;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(own_group_ ? -pid_ : pid_, SIGKILL);
  return wait();
}

int run(const std::vector<std::string>& argv, const SpawnOptions& options) {
  return Child::spawn(argv, options).wait();
}

std::string exec_in(const std::filesystem::path& cwd, const std::vector<std::string>& argv) {
  if (chdir(cwd.c_str()) != 0) return "cannot enter " + cwd.string() + ": " + std::strerror(errno);
  auto args = c_argv(argv);
  execv(args[0], args.data());
  return "cannot run " + argv[0] + ": " + std::strerror(errno);
}

std::string find_program(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!rest.empty()) {
    auto colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    if (dir.empty()) continue;
    std::string candidate = std::string(dir) + "/" + std::string(name);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

}  // namespace bb::cli
