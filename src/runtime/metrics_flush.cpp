#include "src/runtime/metrics_flush.hpp"

#include <array>
#include <string>

#include "bunbase/core/time.hpp"

namespace bb {

MetricsFlush::MetricsFlush(db::Database& db, const Metrics& metrics, Options options)
    : db_(db),
      metrics_(metrics),
      options_(std::move(options)),
      since_(std::chrono::system_clock::now()) {}

MetricsFlush::~MetricsFlush() { stop(); }

void MetricsFlush::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopped_) return;
  thread_ = std::thread([this] { loop(); });
}

std::size_t MetricsFlush::flush() {
  using namespace std::chrono;
  std::lock_guard lock(flush_mutex_);
  const auto now = system_clock::now();
  const std::string minute = iso_time(floor<minutes>(since_));
  std::vector<Metrics::Series> totals = metrics_.snapshot();  // the order of first use: append-only

  // The runs since the last write: totals minus what was written.
  std::vector<std::string> texts;  // bucket arrays, alive until the insert
  std::vector<db::Cell> cells;
  static constexpr std::array<std::string_view, 7> kColumns = {
      "minute", "action_name", "trigger_type", "status", "count", "duration_ms_sum", "buckets"};
  texts.reserve(totals.size());
  for (std::size_t i = 0; i < totals.size(); ++i) {
    Metrics::Series delta = totals[i];
    if (i < written_.size()) {
      for (std::size_t b = 0; b < Metrics::kBuckets; ++b)
        delta.buckets[b] -= written_[i].buckets[b];
      delta.sum_ns -= written_[i].sum_ns;
    }
    const std::uint64_t count = delta.count();
    if (count == 0) continue;
    std::string buckets = "[";
    for (std::size_t b = 0; b < Metrics::kBuckets; ++b) {
      if (b) buckets += ',';
      buckets += std::to_string(delta.buckets[b]);
    }
    buckets += ']';
    texts.push_back(std::move(buckets));
    cells.push_back(db::Cell::of(std::string_view(minute)));
    cells.push_back(db::Cell::of(delta.action));
    cells.push_back(db::Cell::of(delta.trigger));
    cells.push_back(db::Cell::of(delta.status));
    cells.push_back(db::Cell::of(static_cast<std::int64_t>(count)));
    cells.push_back(db::Cell::of(static_cast<double>(delta.sum_ns) / 1e6));
    cells.push_back(db::Cell::of(std::string_view(texts.back())));
  }
  const std::string cutoff = iso_time(now - options_.retention);
  db_.transaction([&](db::Database& tx) {
    if (!cells.empty()) tx.insert_rows("action_metrics", kColumns, cells);
    tx.exec("DELETE FROM action_metrics WHERE minute < $1", {cutoff});
  });
  written_ = std::move(totals);
  since_ = now;
  return cells.size() / kColumns.size();
}

void MetricsFlush::loop() {
  using namespace std::chrono;
  const auto interval = std::max(options_.interval, milliseconds(10));
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // The next multiple of the interval on the wall clock: at each minute's end by default.
    const auto start = floor<milliseconds>(system_clock::now());
    const auto next = start - start.time_since_epoch() % interval + interval;
    // Not a moment early: the rows are of the minute the last flush was in.
    for (auto now = system_clock::now(); !stopping_ && now < next; now = system_clock::now())
      wake_.wait_for(lock, next - now);
    if (stopping_) break;
    lock.unlock();
    try {
      flush();
    } catch (const std::exception& e) {
      if (options_.on_error) options_.on_error(e.what());
    }
    lock.lock();
  }
}

void MetricsFlush::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  try {
    flush();
  } catch (const std::exception& e) {
    if (options_.on_error) options_.on_error(e.what());
  }
}

}  // namespace bb
