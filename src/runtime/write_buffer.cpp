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
  while (!stopping_) {
    wake_.wait_for(lock, options_.flush_interval, [&] {
      return stopping_ || runs_.size() + logs_.size() >= options_.max_batch;
    });
    if (stopping_) break;
    lock.unlock();
    flush();
    lock.lock();
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
  static constexpr std::string_view kInsertRun =
      "INSERT INTO action_runs (id, action_name, module_name, trace_id, parent_run_id, trigger_type, "
      "status, input, output, error, duration_ms, started_at, trigger_detail) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
  static constexpr std::string_view kInsertLog =
      "INSERT INTO action_logs (run_id, level, message, meta, created_at) VALUES ($1, $2, $3, $4, $5)";
  using db::Cell;
  // The cells borrow the records' strings: nothing is copied before SQLite reads it.
  std::vector<Cell> cells;
  try {
    db_.transaction([&](db::Database& tx) {
      cells.reserve(runs.size() * 13);
      for (const RunRecord& r : runs) {
        cells.insert(cells.end(), {Cell::of(r.id), Cell::of(r.action), Cell::text_or_null(r.module),
                                   Cell::of(r.trace_id), Cell::text_or_null(r.parent_run_id),
                                   Cell::of(r.trigger_type), Cell::of(r.status), Cell::text_or_null(r.input),
                                   Cell::text_or_null(r.output), Cell::text_or_null(r.error),
                                   Cell::of(r.duration_ms), Cell::of(r.started_at),
                                   Cell::text_or_null(r.trigger_detail)});
      }
      if (!cells.empty()) tx.exec_batch(kInsertRun, 13, cells);
      cells.clear();
      for (const LogRecord& l : logs) {
        cells.insert(cells.end(), {Cell::text_or_null(l.run_id), Cell::of(l.level), Cell::of(l.message),
                                   Cell::text_or_null(l.meta), Cell::of(l.created_at)});
      }
      if (!cells.empty()) tx.exec_batch(kInsertLog, 5, cells);
    });
    std::lock_guard lock(mutex_);
    stats_.written += runs.size() + logs.size();
    ++stats_.flushes;
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    ++stats_.failed_flushes;
    stats_.dropped += runs.size() + logs.size();
    std::string message = "could not write " + std::to_string(runs.size()) + " run records and " +
                          std::to_string(logs.size()) + " log records: " + e.what();
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
