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

namespace {

// "INSERT INTO t (cols) VALUES ($1, ..., $n), (...)": one statement per chunk of rows, so a
// flush costs a few statement executions instead of one per record.
std::string multi_row_insert(std::string_view head, int columns, std::size_t rows) {
  std::string sql(head);
  int n = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r ? ", (" : " (";
    for (int c = 0; c < columns; ++c) sql += (c ? ", $" : "$") + std::to_string(++n);
    sql += ')';
  }
  return sql;
}

constexpr std::size_t kRowsPerStatement = 64;

db::Value text_or_null(std::string& s) { return s.empty() ? db::Value(nullptr) : db::Value(std::move(s)); }

}  // namespace

void WriteBuffer::write(std::vector<RunRecord>& runs, std::vector<LogRecord>& logs) {
  static constexpr std::string_view kRunsHead =
      "INSERT INTO action_runs (id, action_name, module_name, trace_id, parent_run_id, trigger_type, "
      "status, input, output, error, duration_ms, started_at) VALUES";
  static constexpr std::string_view kLogsHead =
      "INSERT INTO action_logs (run_id, level, message, meta, created_at) VALUES";
  std::vector<db::Value> params;
  try {
    db_.transaction([&](db::Database& tx) {
      static const std::string kRunsChunk = multi_row_insert(kRunsHead, 12, kRowsPerStatement);
      static const std::string kRunsOne = multi_row_insert(kRunsHead, 12, 1);
      static const std::string kLogsChunk = multi_row_insert(kLogsHead, 5, kRowsPerStatement);
      static const std::string kLogsOne = multi_row_insert(kLogsHead, 5, 1);
      // Full chunks share one prepared statement; the remainder goes a row at a time, so
      // only two statements per table are ever prepared.
      for (std::size_t start = 0; start < runs.size();) {
        std::size_t n = runs.size() - start >= kRowsPerStatement ? kRowsPerStatement : 1;
        params.clear();
        params.reserve(n * 12);
        for (std::size_t i = start; i < start + n; ++i) {
          RunRecord& r = runs[i];
          params.emplace_back(std::move(r.id));
          params.emplace_back(std::move(r.action));
          params.push_back(text_or_null(r.module));
          params.emplace_back(std::move(r.trace_id));
          params.push_back(text_or_null(r.parent_run_id));
          params.emplace_back(std::move(r.trigger_type));
          params.emplace_back(std::move(r.status));
          params.push_back(text_or_null(r.input));
          params.push_back(text_or_null(r.output));
          params.push_back(text_or_null(r.error));
          params.emplace_back(r.duration_ms);
          params.emplace_back(std::move(r.started_at));
        }
        tx.exec(n == 1 ? kRunsOne : kRunsChunk, db::Params(params));
        start += n;
      }
      for (std::size_t start = 0; start < logs.size();) {
        std::size_t n = logs.size() - start >= kRowsPerStatement ? kRowsPerStatement : 1;
        params.clear();
        for (std::size_t i = start; i < start + n; ++i) {
          LogRecord& l = logs[i];
          params.push_back(text_or_null(l.run_id));
          params.emplace_back(std::move(l.level));
          params.emplace_back(std::move(l.message));
          params.push_back(text_or_null(l.meta));
          params.emplace_back(std::move(l.created_at));
        }
        tx.exec(n == 1 ? kLogsOne : kLogsChunk, db::Params(params));
        start += n;
      }
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
