// The real saas-demo server for a test: its own scratch directory and database (a SQLite file
// there, or a schema of its own on the PostgreSQL server the suite runs on: test_database.hpp),
// any free port (PORT=0, read back from the "listening" log line), stopped by a signal or killed.
//
//   DemoServer server;                               // started and listening
//   auto r = http(server.port(), "GET", "/healthz");
//   EXPECT_EQ(server.stop(SIGTERM), 0);
//   Db db(server.db_url());
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/support/http_client.hpp"
#include "tests/integration/support/process.hpp"
#include "tests/integration/support/test_database.hpp"

namespace bbit {

// Set by CMake: $<TARGET_FILE:saas-demo>.
inline const std::string kSaasDemo = BUNBASE_SAAS_DEMO_BIN;
// Set by CMake: $<TARGET_FILE:slow-app> (tests/apps/slow-app: POST /slow {"ms": N}).
inline const std::string kSlowApp = BUNBASE_SLOW_APP_BIN;
// Set by CMake: examples/saas-demo/bunbase.toml.
inline const std::string kSaasDemoConfig = BUNBASE_SAAS_DEMO_CONFIG;

// Writes the demo's own bunbase.toml into `dir`, with the cheapest argon2id parameters so that
// suites signing up many users stay fast (the shipped parameters are tested by the unit tests).
// `edit`, when given, changes the text before it is written (a test's own settings).
inline void write_demo_config(const std::filesystem::path& dir,
                              const std::function<void(std::string&)>& edit = nullptr) {
  std::ifstream in(kSaasDemoConfig);
  std::stringstream text;
  text << in.rdbuf();
  std::string config = text.str();
  const std::string header = "[auth]\n";
  auto at = config.find(header);
  if (at == std::string::npos) throw std::runtime_error(kSaasDemoConfig + " has no [auth] table");
  config.insert(at + header.size(), "password_memory_kib = 8\npassword_iterations = 1\n");
  if (edit) edit(config);
  std::ofstream(dir / "bunbase.toml") << config;
}

struct ServerOptions {
  std::map<std::string, std::string> env;  // on top of PORT=0 and DATABASE_URL
  std::vector<std::string> args = {"serve"};
  std::string binary = kSaasDemo;
  bool demo_config = true;  // run with the demo's bunbase.toml (auth and organizations on)
  std::function<void(std::string&)> edit_config;  // changes to the demo's bunbase.toml text
  // Sign up a user, sign it in and send its bearer token with every request (default_headers()).
  bool sign_in = true;
};

class DemoServer {
 public:
  explicit DemoServer(ServerOptions o = {}) {
    auto env = o.env;
    env.try_emplace("PORT", "0");
    env.try_emplace("DATABASE_URL", db_url());
    if (o.demo_config) write_demo_config(dir_.path(), o.edit_config);
    process_ = std::make_unique<Process>(o.binary, o.args, ProcessOptions{.cwd = dir_.path(), .env = env, .name = "server"});
    port_ = wait_for_listening(std::chrono::seconds(15));
    if (o.demo_config && o.sign_in) {
      // Sign-up answers 202 whether or not the email was free, and signs nobody in.
      Response up = http(port_, "POST", "/auth/sign-up",
                         R"({"email":"owner@example.com","password":"correct horse","name":"Owner"})");
      if (up.status != 202) throw std::runtime_error("sign-up failed: " + std::to_string(up.status) + " " + up.body);
      Response r = http(port_, "POST", "/auth/sign-in", R"({"email":"owner@example.com","password":"correct horse"})");
      if (r.status != 200) throw std::runtime_error("sign-in failed: " + std::to_string(r.status) + " " + r.body);
      token_ = std::string(boost::json::parse(r.body).at("token").as_string());
      user_id_ = std::string(boost::json::parse(r.body).at("user").at("id").as_string());
      default_headers() = {{"Authorization", "Bearer " + token_}};
      promote_to_admin(user_id_);
    }
  }
  ~DemoServer() {
    if (::testing::Test::HasFailure()) {
      dir_.keep();
      database_.keep();
      std::cerr << "[ server dir kept: " << dir_.path() << " ]\n" << tail(process_->err(), 4000) << "\n";
    }
    process_->kill_and_reap();
    if (!token_.empty()) default_headers().clear();
  }

  // Makes the user one of the demo's admins (users.role), who manage other accounts under /users.
  void promote_to_admin(const std::string& user_id);

  // The signed-in user's bearer token and id (empty with sign_in = false).
  const std::string& token() const { return token_; }
  const std::string& user_id() const { return user_id_; }

  unsigned short port() const { return port_; }
  const TempDir& dir() const { return dir_; }
  // The app's database: DATABASE_URL, and what Db opens to read it back.
  const std::string& db_url() const { return database_.url(); }
  const TestDatabase& database() const { return database_; }
  Process& process() { return *process_; }

  // Sends the signal and waits for the exit code (-1 if it did not exit in time).
  int stop(int sig = SIGTERM, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    process_->signal(sig);
    return process_->wait(timeout);
  }

  // GET /healthz on a fresh connection answers 200.
  bool healthy() const {
    try {
      return http(port_, "GET", "/healthz").status == 200;
    } catch (const std::exception&) {
      return false;
    }
  }

  static std::string tail(const std::string& s, std::size_t n) { return s.size() > n ? s.substr(s.size() - n) : s; }

 private:
  unsigned short wait_for_listening(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::string err = process_->err();
      std::size_t start = 0;
      while (start < err.size()) {
        auto eol = err.find('\n', start);
        if (eol == std::string::npos) break;  // a line still being written
        std::string_view line(err.data() + start, eol - start);
        start = eol + 1;
        boost::system::error_code ec;
        auto v = boost::json::parse(line, ec);
        if (ec || !v.is_object()) continue;
        const auto& o = v.get_object();
        if (!o.contains("msg") || o.at("msg") != "listening") continue;
        std::string bind(o.at("meta").at("bind").as_string());
        return static_cast<unsigned short>(std::stoi(bind.substr(bind.rfind(':') + 1)));
      }
      if (!process_->running())
        throw std::runtime_error("saas-demo exited before listening\n" + process_->output_for_diagnostics());
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
    throw std::runtime_error("saas-demo did not log \"listening\" in time\n" + process_->output_for_diagnostics());
  }

  TempDir dir_;
  TestDatabase database_{dir_.path()};  // outlives the process: the schema is dropped after it
  std::unique_ptr<Process> process_;
  unsigned short port_ = 0;
  std::string token_, user_id_;
};

inline void DemoServer::promote_to_admin(const std::string& user_id) {
  Db db(db_url());
  db.query("UPDATE users SET role = 'admin' WHERE id = ?", {user_id});
}

}  // namespace bbit
