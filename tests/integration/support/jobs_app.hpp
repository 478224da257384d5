// jobs-app (tests/apps/jobs-app) serving from a scratch directory (its bunbase.toml and
// database) as a child process, started and listening on the port it logged; killed when the
// object goes, its stderr shown when the test failed. background_test.cpp and
// queue_chaos_test.cpp start it, several at once for the tests with two instances.
//
//   JobsApp app(dir);                               // waits for its "listening" line
//   http(app.port(), "POST", "/enqueue", R"({"count":10,"sleepMs":50})");
//   app.process().signal(SIGKILL);
#pragma once

#include "tests/integration/support/demo_server.hpp"

namespace bbit {

// Set by CMake: $<TARGET_FILE:jobs-app>.
inline const std::string kJobsApp = BUNBASE_JOBS_APP_BIN;

class JobsApp {
 public:
  explicit JobsApp(const TempDir& dir, std::map<std::string, std::string> env = {})
      : process_(std::make_unique<Process>(
            kJobsApp, std::vector<std::string>{"serve"},
            ProcessOptions{.cwd = dir.path(), .env = std::move(env), .name = "jobs-app"})) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string err = process_->err();
      std::size_t start = 0;
      for (auto eol = err.find('\n'); eol != std::string::npos;
           start = eol + 1, eol = err.find('\n', start)) {
        boost::system::error_code ec;
        auto v = boost::json::parse(std::string_view(err).substr(start, eol - start), ec);
        if (ec || !v.is_object() || !v.get_object().contains("msg") || v.at("msg") != "listening")
          continue;
        std::string bind(v.at("meta").at("bind").as_string());
        port_ = static_cast<unsigned short>(std::stoi(bind.substr(bind.rfind(':') + 1)));
        return;
      }
      if (!process_->running())
        throw std::runtime_error("jobs-app exited before listening\n" +
                                 process_->output_for_diagnostics());
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
    throw std::runtime_error("jobs-app did not log \"listening\" in time\n" +
                             process_->output_for_diagnostics());
  }
  ~JobsApp() {
    if (::testing::Test::HasFailure())
      std::cerr << "[ jobs-app " << process_->pid() << " stderr ]\n"
                << DemoServer::tail(process_->err(), 3000) << "\n";
    process_->kill_and_reap();
  }
  JobsApp(const JobsApp&) = delete;
  JobsApp& operator=(const JobsApp&) = delete;

  unsigned short port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  Process& process() { return *process_; }

 private:
  std::unique_ptr<Process> process_;
  unsigned short port_ = 0;
};

}  // namespace bbit
