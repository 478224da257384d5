// Buffered persistence of runs and logs: pushes never block on the database; a background
// thread flushes every interval or when max_batch items wait, in one transaction (COPY on
// PostgreSQL). Bounded: when full, new items are dropped and counted. A flush that fails
// because the database is away keeps its records for the next one while they fit; any other
// failure drops them (counted, reported). stop() flushes what is left.
//
//   bb::WriteBuffer buf(db, {.flush_interval = 2s, .max_batch = 500, .capacity = 10000});
//   buf.push(bb::RunRecord{...});
//   buf.stop();
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bunbase/db/database.hpp"

namespace bb {

struct RunRecord {
  std::string id, action, module, trace_id, parent_run_id, trigger_type, trigger_detail, status;
  std::string input, output, error;  // JSON text ("" stores NULL)
  double duration_ms = 0;
  std::string started_at;  // ISO 8601 UTC
};

struct LogRecord {
  std::string run_id, level, message, meta;  // meta: JSON text
  std::string created_at;
};

class WriteBuffer {
 public:
  struct Options {
    std::chrono::milliseconds flush_interval{2000};
    std::size_t max_batch = 500;
    std::size_t capacity = 10000;
    // Told when a flush fails (its records kept for the next flush, or dropped and counted).
    std::function<void(std::string_view)> on_error;
  };
  struct Stats {
    std::uint64_t accepted = 0, written = 0, dropped = 0, flushes = 0, failed_flushes = 0;
  };

  // Sees every record as it is pushed, on the pushing thread (the dashboard's live view).
  // Must be quick; it is not told about records refused because the buffer is full.
  struct Observer {
    virtual ~Observer() = default;
    virtual void on_run(const RunRecord& run) = 0;
    virtual void on_log(const LogRecord& log) = 0;
  };

  WriteBuffer(db::Database& db, Options options);
  ~WriteBuffer();
  WriteBuffer(const WriteBuffer&) = delete;
  WriteBuffer& operator=(const WriteBuffer&) = delete;

  // Returns false (and counts a drop) when the buffer is full or stopped.
  bool push(RunRecord&& run);
  bool push(LogRecord&& log);
  // Writes everything buffered now, on the calling thread.
  void flush();
  // Stops the background thread after a final flush. Idempotent.
  void stop();
  Stats stats() const;
  // One observer at a time (nullptr: none); it must outlive the buffer or be removed first.
  void observe(Observer* observer) { observer_.store(observer, std::memory_order_release); }

 private:
  bool admit();  // under mutex_
  void loop();
  void write(std::vector<RunRecord>& runs, std::vector<LogRecord>& logs);

  db::Database& db_;
  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<RunRecord> runs_;
  std::vector<LogRecord> logs_;
  Stats stats_;
  bool stopping_ = false;
  std::mutex flush_mutex_;  // one flush at a time, so records keep their order
  std::thread thread_;
  std::atomic<Observer*> observer_{nullptr};
};

}  // namespace bb
