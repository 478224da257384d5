// A throwaway PostgreSQL 15 server for tests (unit and integration): a data directory in a
// temporary directory, postgres on a free 127.0.0.1 port with trust authentication and a
// "bunbase" database, stopped and the directory deleted when the object dies. One per test
// process, started on first use.
//
//   bb::testing::PgCluster& pg = bb::testing::PgCluster::shared();  // started once
//   std::string schema = pg.create_schema("orders");  // a fresh schema for one test (~3 ms)
//   auto db = bb::db::open(pg.schema_url(schema));    // sees only that schema
//   pg.drop_schema(schema);
//   std::string url = pg.create_database("big");       // or a whole database (~50-250 ms)
//   pg.stop();  pg.start();                            // the server down and back, same port
//
// PostgreSQL refuses to run as root (tests run as root in CI): then initdb, pg_ctl and the
// copy of the data directory run as the `postgres` system user that Debian's package creates
// (else `nobody`) through `runuser -u USER --`, in a directory chowned to that user.
// Binaries come from /usr/lib/postgresql/15/bin (BUNBASE_PG_BIN overrides); scripts/setup
// installs them.
//
// Start-up: ctest runs every test case in its own process, so the data directory is a copy
// of a template made once per machine and user (/tmp/bunbase-pg-template-*: initdb and
// CREATE DATABASE cost ~1 s, a copy ~0.1 s; the whole start ~0.3 s). A template that fails
// to copy or start is deleted and made again.
//
// A watchdog process (sh reading a pipe that only this process holds) stops the server and
// deletes the directory when the test process dies without running destructors (a crash,
// a ctest timeout), so no orphaned postgres outlives a run.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bb::testing {

class PgCluster {
 public:
  // The process's cluster, started by the first caller and stopped at exit.
  static PgCluster& shared() {
    static PgCluster cluster;
    return cluster;
  }

  PgCluster() {
    const char* bin = std::getenv("BUNBASE_PG_BIN");
    bin_ = bin && *bin ? bin : "/usr/lib/postgresql/15/bin";
    if (!std::filesystem::exists(bin_ / "initdb"))
      throw std::runtime_error("PostgreSQL not found at " + bin_.string() + " (run scripts/setup)");
    char tmpl[] = "/tmp/bb_pg_XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      if (!pw) pw = ::getpwnam("nobody");
      if (!pw)
        throw std::runtime_error("running as root and neither a postgres nor a nobody user exists");
      user_ = pw->pw_name;
      if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
        throw std::runtime_error("chown " + dir_.string());
    }
    start_watchdog();
    port_ = free_port();
    std::error_code ec;
    const std::filesystem::path tpl = template_path();
    if (std::filesystem::exists(tpl / "PG_VERSION", ec)) {
      try {
        run({"cp", "-a", tpl.string(), data()});
        start();
        return;
      } catch (const std::exception&) {  // damaged (a /tmp cleaner?): made again below
        std::filesystem::remove_all(tpl, ec);
        std::filesystem::remove_all(data(), ec);
      }
    }
    // Made here, stopped cleanly, copied for this process and published for the next ones
    // (rename is atomic: of two processes making it at once, one wins, the other's is dropped).
    const std::string fresh = (dir_ / "template").string();
    run({(bin_ / "initdb").string(), "-D", fresh, "-U", "postgres", "-A", "trust", "-E", "UTF8",
         "--locale=C", "--no-sync", "--no-instructions", "--wal-segsize=1"});
    start(fresh);
    admin("CREATE DATABASE bunbase");
    stop("fast", fresh);
    run({"cp", "-a", fresh, data()});
    if (::rename(fresh.c_str(), tpl.c_str()) != 0) std::filesystem::remove_all(fresh, ec);
    start();
  }

  ~PgCluster() {
    try {
      if (running_) stop("immediate");
    } catch (...) {
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    if (watchdog_pipe_ >= 0) ::close(watchdog_pipe_);  // the watchdog finds nothing left to do
    if (watchdog_ > 0) ::waitpid(watchdog_, nullptr, 0);
  }
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  int port() const { return port_; }
  // postgres://postgres@127.0.0.1:PORT/DBNAME (trust authentication: no password).
  std::string url(const std::string& dbname = "bunbase") const {
    return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/" + dbname;
  }
  // A new empty schema in the "bunbase" database, named after `hint`; returns its name.
  std::string create_schema(const std::string& hint = "t") {
    std::string name = unique_name(hint);
    admin("CREATE SCHEMA \"" + name + "\"", "bunbase");
    return name;
  }
  // A URL whose connections see only that schema (search_path) and carry its name as their
  // application_name, so that a test finds its own backends in pg_stat_activity.
  std::string schema_url(const std::string& schema) const {
    return url("bunbase") + "?options=-c%20search_path%3D" + schema + "&application_name=" + schema;
  }
  void drop_schema(const std::string& schema) const {
    admin("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE", "bunbase");
  }
  // A new empty database named after `hint`; returns its URL. Slower than a schema: CREATE
  // DATABASE copies template1 and checkpoints.
  std::string create_database(const std::string& hint = "t") {
    std::string name = unique_name(hint);
    admin("CREATE DATABASE \"" + name + "\" STRATEGY FILE_COPY");
    return url(name);
  }
  // Drops a database made by create_database (its URL), closing what is still connected.
  void drop_database(const std::string& url) const {
    admin("DROP DATABASE IF EXISTS \"" + url.substr(url.rfind('/') + 1) + "\" WITH (FORCE)");
  }
  // Runs SQL in the "postgres" database as the superuser; throws with the server's message.
  void admin(const std::string& sql, const std::string& dbname = "postgres") const {
    PGconn* c = PQconnectdb(url(dbname).c_str());
    std::string error;
    if (PQstatus(c) != CONNECTION_OK) {
      error = PQerrorMessage(c);
    } else {
      PGresult* r = PQexec(c, sql.c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        error = PQresultErrorMessage(r);
      PQclear(r);
    }
    PQfinish(c);
    if (!error.empty()) throw std::runtime_error("PgCluster: " + sql + ": " + error);
  }

  // mode: fast (clients are told, like a restart by an operator) or immediate (a crash).
  void stop(const std::string& mode = "fast") { stop(mode, data()); }
  // Starts the server on its port; returns once it accepts connections.
  void start() { start(data()); }
  bool running() const { return running_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::string data() const { return (dir_ / "data").string(); }

  void stop(const std::string& mode, const std::string& datadir) {
    run({(bin_ / "pg_ctl").string(), "stop", "-D", datadir, "-m", mode, "-w", "-t", "30"});
    running_ = false;
  }
  void start(const std::string& datadir) {
    std::string options = "-p " + std::to_string(port_) + " -k " + dir_.string() +
                          " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                          " -c full_page_writes=off -c max_connections=200";
    run({(bin_ / "pg_ctl").string(), "start", "-D", datadir, "-l", (dir_ / "server.log").string(),
         "-w", "-t", "30", "-o", options});
    running_ = true;
  }

  // Per machine, user and PostgreSQL build (its path and the binary's time), and per version
  // of this helper's initdb options (v2).
  std::filesystem::path template_path() const {
    std::error_code ec;
    auto stamp = std::filesystem::last_write_time(bin_ / "postgres", ec).time_since_epoch().count();
    std::size_t key = std::hash<std::string>{}(bin_.string() + "@" + std::to_string(stamp));
    return "/tmp/bunbase-pg-template-v2-" + std::to_string(key % 1000000007) + "-" +
           std::to_string(::geteuid());
  }

  std::string unique_name(const std::string& hint) {
    std::string name = "t_";
    for (char c : hint.substr(0, 40))
      name += std::isalnum(static_cast<unsigned char>(c))
                  ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
                  : '_';
    std::lock_guard lock(mutex_);
    return name + "_" + std::to_string(++names_);
  }

  static int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("cannot pick a free port");
    ::close(fd);  // a small race with other processes, acceptable for tests
    return ntohs(addr.sin_port);
  }

  // argv, as the unprivileged user when root; output appended to DIR/commands.log.
  std::vector<std::string> as_user(std::vector<std::string> argv) const {
    if (!user_.empty()) argv.insert(argv.begin(), {"runuser", "-u", user_, "--"});
    return argv;
  }
  void run(std::vector<std::string> argv) const {
    argv = as_user(std::move(argv));
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const std::string log = (dir_ / "commands.log").string();
    pid_t pid = ::fork();
    if (pid == 0) {  // only async-signal-safe calls until exec
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
      if (::chdir(dir_.c_str()) != 0) ::_exit(126);  // the user may not enter our cwd
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
      std::ifstream in(log);
      std::stringstream text;
      text << in.rdbuf();
      std::string out = text.str();
      if (out.size() > 2000) out = out.substr(out.size() - 2000);
      std::string command;
      for (const auto& a : argv) command += a + " ";
      throw std::runtime_error("PgCluster: " + command + "failed:\n" + out);
    }
  }

  // sh reads its stdin, a pipe whose only writer is this process (close-on-exec, so no child
  // holds it): end-of-file means this process is gone, and sh cleans up after it.
  void start_watchdog() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    std::string script = "read _; ";
    for (const std::string& d :
         {data(), (dir_ / "template").string()}) {  // the second while one is made
      for (const auto& a :
           as_user({(bin_ / "pg_ctl").string(), "stop", "-D", d, "-m", "immediate"}))
        script += "'" + a + "' ";
      script += ">/dev/null 2>&1; ";
    }
    script += "rm -rf '" + dir_.string() + "'";
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setsid();  // a ^C to the test's process group does not kill the cleanup
      ::dup2(fds[0], 0);
      int null = ::open("/dev/null", O_WRONLY);
      if (null >= 0) ::dup2(null, 1), ::dup2(null, 2);
      ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[0]);
    watchdog_pipe_ = fds[1];
    watchdog_ = pid;
  }

  std::filesystem::path bin_;
  std::filesystem::path dir_;
  std::string user_;  // empty: run as ourselves
  int port_ = 0;
  bool running_ = false;
  int watchdog_pipe_ = -1;
  pid_t watchdog_ = -1;
  std::mutex mutex_;
  int names_ = 0;
};

}  // namespace bb::testing
