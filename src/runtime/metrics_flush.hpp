// Writes the run counters (metrics.hpp) to the action_metrics table: once a minute, a row per
// (action, trigger, status) that ran in that minute, with its count, total duration and latency
// buckets; rows older than the retention are deleted. stop() writes the minute in progress. With
// several instances (or a restart within a minute) a minute has several rows: readers add them.
//
//   bb::MetricsFlush flush(db, metrics, {.retention = 14 * 24h});
//   flush.start();   // a thread wakes at each minute's end
//   flush.stop();    // writes what is left
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "bunbase/db/database.hpp"
#include "src/runtime/metrics.hpp"

namespace bb {

class MetricsFlush {
 public:
  struct Options {
    std::chrono::seconds retention{14 * 24 * 3600};
    std::chrono::milliseconds interval{60000};  // flushes at multiples of it (tests: shorter)
    // Told when a write fails; the counts it held are written with the next flush.
    std::function<void(std::string_view)> on_error;
  };

  MetricsFlush(db::Database& db, const Metrics& metrics, Options options);
  ~MetricsFlush();
  MetricsFlush(const MetricsFlush&) = delete;
  MetricsFlush& operator=(const MetricsFlush&) = delete;

  // Starts the background thread. Idempotent.
  void start();
  // Writes what ran since the last flush, as rows of the minute that flush happened in, and
  // deletes rows past the retention. Returns the rows written. Throws db::DbError.
  std::size_t flush();
  // Stops the thread after a last flush (errors reported, not thrown). Idempotent.
  void stop();

 private:
  void loop();

  db::Database& db_;
  const Metrics& metrics_;
  Options options_;
  std::mutex flush_mutex_;                       // one flush at a time
  std::vector<Metrics::Series> written_;         // totals already written, in snapshot order
  std::chrono::system_clock::time_point since_;  // when the counts not yet written began
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false, stopped_ = false;
  std::thread thread_;
};

}  // namespace bb
