#include "bunbase/runtime/app.hpp"

#include <filesystem>

#include "bunbase/db/database.hpp"
#include "src/runtime/framework_migrations.hpp"
#include "src/runtime/metrics.hpp"
#include "src/runtime/metrics_flush.hpp"

namespace bb {

App::App(const AppManifest& manifest, Config config, std::vector<Feature> features)
    : manifest_(manifest), config_(std::move(config)), features_(std::move(features)) {
  log_ = std::make_unique<ConsoleLog>(ConsoleLog::Options{.level = config_.log.level, .format = config_.log.format});
  for (const auto& f : features_)
    for (const auto& m : f.modules) registry_.add(m);
  for (auto make : manifest_.modules) registry_.add(make());
  for (auto make : manifest_.actions) registry_.add(make());
  registry_.seal();
  Scheduler::check(registry_);  // a bad cron expression or time zone stops the app here
  if (config_.metrics.enabled) metrics_ = std::make_unique<Metrics>(registry_);
  for (const auto& f : features_)
    if (f.attach) f.attach(*this);
}

App::~App() { shutdown(); }

void App::open() {
  if (db_) return;
  const std::string& url = config_.database.url;
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.starts_with(kSqlite)) {
    std::filesystem::path file(url.substr(kSqlite.size()));
    if (file != ":memory:" && file.has_parent_path()) {
      std::error_code ec;
      std::filesystem::create_directories(file.parent_path(), ec);
    }
  }
  db_ = db::open(url, {.readers = config_.database.readers,
                       .busy_timeout_ms = config_.database.busy_timeout_ms,
                       .pool_max = config_.database.pool.max,
                       .connect_timeout_ms = config_.database.pool.connect_timeout_ms,
                       .statement_timeout_ms = config_.database.pool.statement_timeout_ms});
  if (config_.persistence.enabled) {
    buffer_ = std::make_unique<WriteBuffer>(
        *db_, WriteBuffer::Options{.flush_interval = std::chrono::milliseconds(config_.persistence.flush_interval_ms),
                                   .max_batch = config_.persistence.max_batch,
                                   .capacity = config_.persistence.capacity,
                                   .on_error = [log = log_.get()](std::string_view message) {
                                     log->system(LogLevel::error, "run history", {{"error", message}});
                                   }});
    log_->set_buffer(buffer_.get());
  }
  executor_ = std::make_unique<Executor>(*db_, *log_, buffer_.get(), &config_);
  executor_->measure(metrics_.get());
  bus_ = std::make_unique<EventBus>(registry_, *executor_, *db_, *log_,
                                    EventBus::Options{.workers = config_.events.workers,
                                                      .capacity = config_.events.capacity,
                                                      .fail_when_full = config_.events.overflow == "fail",
                                                      // Other instances may share a PostgreSQL database.
                                                      .cluster_url = db_->dialect() == "postgres" ? config_.database.url : ""});
  queue_ = std::make_unique<JobQueue>(registry_, *executor_, *db_, *log_, config_.queue, config_.events.retention,
                                      db_->dialect() == "postgres" ? config_.database.url : "");
  scheduler_ = std::make_unique<Scheduler>(registry_, *executor_, *db_, *log_, config_.cron);
  executor_->connect(bus_.get(), queue_.get());
}

std::vector<db::Migration> App::all_migrations() const {
  auto all = framework_migrations();
  for (const auto& f : features_) all.insert(all.end(), f.migrations.begin(), f.migrations.end());
  // The framework's and the built-in features' SQL is written once, for SQLite.
  if (db_->dialect() == "postgres")
    for (auto& m : all)
      if (m.dialect.empty()) m.sql = db::framework_sql_for_postgres(m.sql);
  for (const auto& m : manifest_.migrations) all.push_back(m);
  return all;
}

std::vector<std::string> App::migrate() {
  open();
  auto all = all_migrations();
  auto applied = db::migrate(*db_, all);
  for (const auto& f : features_)
    if (f.after_migrate) f.after_migrate(*db_, *log_);
  ready_ = false;
  return applied;
}

db::MigrationStatus App::migration_status() {
  open();
  auto all = all_migrations();
  return db::migration_status(*db_, all);
}

bool App::ready() {
  if (!db_ || !db_->ping()) return false;
  if (ready_) return true;
  try {
    ready_ = migration_status().pending.empty();
  } catch (const std::exception&) {
    ready_ = false;
  }
  return ready_;
}

RunResult App::invoke(std::string_view action, boost::json::value input, const InvokeOptions& o) {
  open();
  const RegisteredAction* ra = registry_.find(action);
  if (!ra) {
    RunResult r;
    r.error = Error(ErrorCode::not_found, "unknown action \"" + std::string(action) + "\"").with_code("action_not_found");
    return r;
  }
  Invocation inv{.action = ra,
                 .input = std::move(input),
                 .trigger_type = o.trigger_type,
                 .trigger_detail = o.trigger_detail,
                 .auth = o.auth,
                 .trace_id = o.trace_id,
                 .parent_run_id = o.parent_run_id};
  return executor_->run(inv);
}

void App::start_background() {
  open();
  if (background_) return;
  background_ = true;
  queue_->start();
  scheduler_->start();
  if (metrics_) {
    metrics_flush_ = std::make_unique<MetricsFlush>(
        *db_, *metrics_,
        MetricsFlush::Options{.retention = config_.metrics.retention,
                              .on_error = [log = log_.get()](std::string_view message) {
                                log->system(LogLevel::error, "metrics", {{"error", message}});
                              }});
    metrics_flush_->start();
  }
  for (const auto& f : features_)
    if (f.start) stops_.push_back(f.start(*this));
}

void App::shutdown() {
  // No new ticks, then running jobs finish, then waiting events are delivered; the run history
  // is flushed last, with everything they recorded.
  if (scheduler_) scheduler_->stop();
  if (queue_) queue_->stop();
  for (auto it = stops_.rbegin(); it != stops_.rend(); ++it) (*it)();
  stops_.clear();
  if (bus_) bus_->stop();
  if (metrics_flush_) metrics_flush_->stop();  // the minute in progress, with what stopped above
  metrics_flush_.reset();
  background_ = false;
  if (buffer_) buffer_->stop();
}

}  // namespace bb
