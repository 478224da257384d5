#include "bunbase/runtime/write_buffer.hpp"

#include <pthread.h>

#include <algorithm>
#include <cstdio>

namespace bb {

WriteBuffer::WriteBuffer(db::Database& db, Options options) : db_(db), options_(options) {
  runs_.reserve(options_.max_batch);
  logs_.reserve(options_.max_batch);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "bb-flush");
    loop();
  });
}

WriteBuffer::~WriteBuffer() { stop(); }

bool WriteBuffer::admit() {
  if (stopping_ || runs_.size() + logs_.size() >= options_.capacity) {
    ++stats_.dropped;
    return false;
  }
  ++stats_.accepted;
  return true;
}

bool WriteBuffer::push(RunRecord&& run) {
  if (Observer* o = observer_.load(std::memory_order_acquire)) o->on_run(run);
  bool wake;
  {
    std::lock_guard lock(mutex_);
    if (!admit()) return false;
    runs_.push_back(std::move(run));
    wake = runs_.size() + logs_.size() == options_.max_batch;
  }
  if (wake) wake_.notify_one();
  return true;
}

bool WriteBuffer::push(LogRecord&& log) {
  if (Observer* o = observer_.load(std::memory_order_acquire)) o->on_log(log);
  bool wake;
  {
    std::lock_guard lock(mutex_);
    if (!admit()) return false;
    logs_.push_back(std::move(log));
    wake = runs_.size() + logs_.size() == options_.max_batch;
  }
  if (wake) wake_.notify_one();
  return true;
}

void WriteBuffer::loop() {
  std::unique_lock lock(mutex_);
  bool failed = false;
  while (!stopping_) {
    // After a failed flush, the full interval: the records kept would otherwise fill a batch
    // at once and the thread would spin against a database that is away.
    wake_.wait_for(lock, options_.flush_interval, [&] {
      return stopping_ || (!failed && runs_.size() + logs_.size() >= options_.max_batch);
    });
    if (stopping_) break;
    const auto failures = stats_.failed_flushes;
    lock.unlock();
    flush();
    lock.lock();
    failed = stats_.failed_flushes != failures;
  }
}

void WriteBuffer::flush() {
  std::lock_guard flushing(flush_mutex_);
  std::vector<RunRecord> runs;
  std::vector<LogRecord> logs;
  {
    std::lock_guard lock(mutex_);
    if (runs_.empty() && logs_.empty()) return;
    runs.swap(runs_);
    logs.swap(logs_);
    runs_.reserve(options_.max_batch);
    logs_.reserve(options_.max_batch);
  }
  write(runs, logs);
}

void WriteBuffer::write(std::vector<RunRecord>& runs, std::vector<LogRecord>& logs) {
  static constexpr std::string_view kRunColumns[] = {"id", "action_name", "module_name", "trace_id", "parent_run_id",
                                                      "trigger_type", "status", "input", "output", "error",
                                                      "duration_ms", "started_at", "trigger_detail"};
  static constexpr std::string_view kLogColumns[] = {"run_id", "level", "message", "meta", "created_at"};
  using db::Cell;
  // The cells borrow the records' strings: nothing is copied before the driver reads it.
  std::vector<Cell> cells;
  try {
    db_.transaction([&](db::Database& tx) {
      cells.reserve(runs.size() * std::size(kRunColumns));
      for (const RunRecord& r : runs) {
        cells.insert(cells.end(), {Cell::of(r.id), Cell::of(r.action), Cell::text_or_null(r.module),
                                   Cell::of(r.trace_id), Cell::text_or_null(r.parent_run_id),
                                   Cell::of(r.trigger_type), Cell::of(r.status), Cell::text_or_null(r.input),
                                   Cell::text_or_null(r.output), Cell::text_or_null(r.error),
                                   Cell::of(r.duration_ms), Cell::of(r.started_at),
                                   Cell::text_or_null(r.trigger_detail)});
      }
      if (!cells.empty()) tx.insert_rows("action_runs", kRunColumns, cells);
      cells.clear();
      for (const LogRecord& l : logs) {
        cells.insert(cells.end(), {Cell::text_or_null(l.run_id), Cell::of(l.level), Cell::of(l.message),
                                   Cell::text_or_null(l.meta), Cell::of(l.created_at)});
      }
      if (!cells.empty()) tx.insert_rows("action_logs", kLogColumns, cells);
    });
    std::lock_guard lock(mutex_);
    stats_.written += runs.size() + logs.size();
    ++stats_.flushes;
  } catch (const std::exception& e) {
    // The database is away (a restart, a network cut): keep the records, in order, for the next
    // flush while there is room. Anything else (a record the database refuses) would fail again.
    const auto* db_error = dynamic_cast<const db::DbError*>(&e);
    const bool transient = db_error && (db_error->kind() == db::DbError::Kind::connection ||
                                        db_error->kind() == db::DbError::Kind::busy);
    std::lock_guard lock(mutex_);
    ++stats_.failed_flushes;
    std::string message;
    if (transient && !stopping_ && runs.size() + logs.size() + runs_.size() + logs_.size() <= options_.capacity) {
      runs_.insert(runs_.begin(), std::make_move_iterator(runs.begin()), std::make_move_iterator(runs.end()));
      logs_.insert(logs_.begin(), std::make_move_iterator(logs.begin()), std::make_move_iterator(logs.end()));
      message = "could not write " + std::to_string(runs.size()) + " run records and " + std::to_string(logs.size()) +
                " log records, kept for the next flush: " + e.what();
    } else {
      stats_.dropped += runs.size() + logs.size();
      message = "could not write " + std::to_string(runs.size()) + " run records and " + std::to_string(logs.size()) +
                " log records: " + e.what();
    }
    if (options_.on_error) options_.on_error(message);
    else std::fprintf(stderr, "bunbase: %s\n", message.c_str());
  }
}

void WriteBuffer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  flush();
}

WriteBuffer::Stats WriteBuffer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace bb
