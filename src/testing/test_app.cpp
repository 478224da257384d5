#include "bunbase/testing/test_app.hpp"

#include <stdexcept>

#include "src/app/features.hpp"

namespace bb::testing {

Config TestApp::test_config() {
  Config c;
  c.database.url = "sqlite://:memory:";
  c.log.level = LogLevel::warn;
  c.log.format = "human";
  // The cheapest argon2id libsodium accepts: tests sign up many users.
  c.auth.password_memory_kib = 8;
  c.auth.password_iterations = 1;
  return c;
}

TestApp::TestApp(const AppManifest& manifest, Config config)
    : app_(std::make_unique<App>(manifest, config, builtin_features(config))) {
  app_->open();
  app_->migrate();
}

RunResult TestApp::run(std::string_view action, boost::json::value input, const CallOptions& o) {
  return app_->invoke(action, std::move(input),
                      {.trigger_type = o.trigger, .auth = o.auth, .trace_id = o.trace_id});
}

RunResult TestApp::run_json(std::string_view action, std::string_view input, const CallOptions& o) {
  boost::system::error_code ec;
  auto v = boost::json::parse(input, ec);
  if (ec) throw std::invalid_argument("input is not valid JSON: " + ec.message());
  return run(action, std::move(v), o);
}

void TestApp::flush() {
  if (auto* b = app_->write_buffer()) b->flush();
}

void TestApp::drain_events() { app_->events().drain(); }

int TestApp::run_jobs(bool until_empty) {
  int total = 0;
  while (true) {
    app_->events().drain();
    int ran = app_->jobs().run_due();
    total += ran;
    if (!until_empty || ran == 0) return total;
  }
}

int TestApp::run_schedules() {
  app_->scheduler().sync();
  return app_->scheduler().run_due();
}

}  // namespace bb::testing
