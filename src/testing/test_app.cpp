#include "bunbase/testing/test_app.hpp"

#include <cstdlib>
#include <stdexcept>

#include "bunbase/core/id.hpp"
#include "bunbase/db/database.hpp"
#include "src/app/features.hpp"

namespace bb::testing {

namespace {

// A fresh schema on the server, and the URL whose connections see only it (search_path).
std::string isolated_url(const std::string& server_url, std::string& schema) {
  std::string id = new_id();
  std::erase(id, '-');
  schema = "bb_test_" + id;
  db::open(server_url, {.pool_max = 1})->exec_script("CREATE SCHEMA " + schema);
  return db::with_search_path(server_url, schema);
}

Config with_isolated_schema(Config c, std::string& server_url, std::string& schema) {
  if (db::is_postgres_url(c.database.url)) {
    server_url = c.database.url;
    c.database.url = isolated_url(server_url, schema);
  }
  return c;
}

}  // namespace

Config TestApp::test_config() {
  Config c;
  const char* server = std::getenv("BUNBASE_TEST_DATABASE_URL");
  c.database.url = server && *server ? server : "sqlite://:memory:";
  c.log.level = LogLevel::warn;
  c.log.format = "human";
  // The cheapest argon2id libsodium accepts: tests sign up many users.
  c.auth.password_memory_kib = 8;
  c.auth.password_iterations = 1;
  return c;
}

TestApp::TestApp(const AppManifest& manifest, Config config) {
  config = with_isolated_schema(std::move(config), server_url_, schema_);
  auto features = builtin_features(config);
  app_ = std::make_unique<App>(manifest, std::move(config), std::move(features));
  app_->open();
  app_->migrate();
}

TestApp::~TestApp() {
  app_.reset();
  if (schema_.empty()) return;
  try {
    db::open(server_url_, {.pool_max = 1})->exec_script("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  } catch (const std::exception&) {
    // The server went away: nothing left to tidy.
  }
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
