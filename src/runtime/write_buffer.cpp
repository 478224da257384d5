#include "bunbase/runtime/write_buffer.hpp"

#include <cstdio>

namespace bb {

WriteBuffer::WriteBuffer(db::Database& db, Options options) : db_(db), options_(options) {
  runs_.reserve(options_.max_batch);
  logs_.reserve(options_.max_batch);
  thread_ = std::thread([this] { loop(); });
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
  auto text_or_null = [](std::string& s) -> db::Value {
    return s.empty() ? db::Value(nullptr) : db::Value(std::move(s));
  };
  try {
    db_.transaction([&](db::Database& tx) {
      for (auto& r : runs) {
        db::Value params[] = {
            db::Value(r.id), db::Value(r.action), text_or_null(r.module), db::Value(r.trace_id),
            text_or_null(r.parent_run_id), db::Value(r.trigger_type), db::Value(r.status),
            text_or_null(r.input), text_or_null(r.output), text_or_null(r.error),
            db::Value(r.duration_ms), db::Value(r.started_at)};
        tx.exec(
            "INSERT INTO action_runs (id, action_name, module_name, trace_id, parent_run_id, "
            "trigger_type, status, input, output, error, duration_ms, started_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            db::Params(params));
      }
      for (auto& l : logs) {
        db::Value params[] = {text_or_null(l.run_id), db::Value(l.level), db::Value(l.message),
                              text_or_null(l.meta), db::Value(l.created_at)};
        tx.exec(
            "INSERT INTO action_logs (run_id, level, message, meta, created_at) "
            "VALUES ($1, $2, $3, $4, $5)",
            db::Params(params));
      }
    });
    std::lock_guard lock(mutex_);
    stats_.written += runs.size() + logs.size();
    ++stats_.flushes;
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    ++stats_.failed_flushes;
    stats_.dropped += runs.size() + logs.size();
    std::fprintf(stderr, "bunbase: could not write %zu run records and %zu log records: %s\n",
                 runs.size(), logs.size(), e.what());
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
