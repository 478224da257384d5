// Exact counters for every run, recorded or not: per action, trigger and status (success or
// the error's kind), a latency histogram with fixed bounds. The executor bumps them on every
// run without a lock or an allocation; /metrics and the per-minute flush read them.
//
//   bb::Metrics metrics(registry);
//   metrics.record(*registry.find("createUser"), "api", std::nullopt, 1200us);
//   for (const auto& s : metrics.snapshot()) ...  // s.action, s.trigger, s.status, s.count()
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bunbase/core/error.hpp"
#include "bunbase/core/registry.hpp"

namespace bb {

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds (Prometheus's `le`); one more bucket
  // above the last counts the rest (+Inf). Changing them changes action_metrics.buckets.
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  static constexpr std::size_t kBuckets = kBounds.size() + 1;
  // success, then one per ErrorCode.
  static constexpr std::size_t kStatuses = 9;
  // Distinct trigger types counted apart; past them a run counts under "other".
  static constexpr std::size_t kTriggers = 16;
  // Writers spread over this many copies of each counter (a thread always uses the same one).
  static constexpr std::size_t kShards = 16;

  explicit Metrics(const Registry& registry);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One run of `action` (of the registry given at construction; any other is ignored).
  // No lock and no allocation except the first time an (action, trigger, status) is seen.
  void record(const RegisteredAction& action, std::string_view trigger,
              std::optional<ErrorCode> error, std::chrono::nanoseconds duration) noexcept;

  // The counts of one (action, trigger, status) since start, summed over the shards.
  struct Series {
    std::string_view action, trigger, status;
    std::array<std::uint64_t, kBuckets> buckets{};  // runs per bucket (not cumulative)
    std::uint64_t sum_ns = 0;                       // their durations added up
    std::uint64_t count() const;
  };
  // Every series seen so far, in the order they were first seen. Takes a short lock.
  std::vector<Series> snapshot() const;

  // The bucket a duration falls in: the first whose bound is >= it (kBounds.size(): +Inf).
  static std::size_t bucket_of(std::chrono::nanoseconds duration) noexcept;
  // "success" or the error kind's name (invalid_argument, ..., internal).
  static std::string_view status_name(std::size_t status) noexcept;

 private:
  struct alignas(64) Shard {
    std::atomic<std::uint64_t> buckets[kBuckets];
    std::atomic<std::uint64_t> sum_ns;
  };
  struct Cell {
    Shard shards[kShards];
  };
  struct Key {
    std::uint32_t action, trigger, status;
    const Cell* cell;
  };

  std::size_t trigger_index(std::string_view trigger) noexcept;
  Cell* cell_slow(std::size_t slot, std::uint32_t action, std::uint32_t trigger,
                  std::uint32_t status) noexcept;

  const Registry& registry_;
  const std::size_t actions_;
  // Trigger names, appended under mutex_ and published by trigger_count_ (never moved).
  std::array<std::string, kTriggers> triggers_;
  std::atomic<std::size_t> trigger_count_{0};
  // (action, trigger, status) -> its cell, made on first use.
  std::unique_ptr<std::atomic<Cell*>[]> cells_;
  mutable std::mutex mutex_;
  std::vector<Key> keys_;
  std::vector<std::unique_ptr<Cell>> owned_;
};

}  // namespace bb
