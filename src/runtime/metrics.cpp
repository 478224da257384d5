#include "src/runtime/metrics.hpp"

#include <algorithm>

namespace bb {

namespace {

// The bounds in nanoseconds, so that a run's bucket is found with integer compares.
constexpr auto kBoundsNs = [] {
  std::array<std::int64_t, Metrics::kBounds.size()> ns{};
  for (std::size_t i = 0; i < ns.size(); ++i)
    ns[i] = static_cast<std::int64_t>(Metrics::kBounds[i] * 1e9 + 0.5);
  return ns;
}();

// Each thread writes to one shard, picked in turn the first time it records.
std::size_t my_shard() noexcept {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t shard =
      next.fetch_add(1, std::memory_order_relaxed) % Metrics::kShards;
  return shard;
}

}  // namespace

std::uint64_t Metrics::Series::count() const {
  std::uint64_t n = 0;
  for (auto b : buckets) n += b;
  return n;
}

Metrics::Metrics(const Registry& registry)
    : registry_(registry),
      actions_(registry.actions().size()),
      cells_(new std::atomic<Cell*>[std::max<std::size_t>(actions_, 1) * kTriggers * kStatuses]) {
  for (std::size_t i = 0; i < std::max<std::size_t>(actions_, 1) * kTriggers * kStatuses; ++i)
    cells_[i].store(nullptr, std::memory_order_relaxed);
  // The triggers the framework has, in a fixed order, so their lookup is a few compares; any
  // other (a test's, an app's own adapter) is added when first seen.
  std::size_t n = 0;
  for (std::string_view t :
       {"api", "queue", "event", "cron", "tool", "webhook", "cli", "admin", "test"})
    triggers_[n++] = std::string(t);
  trigger_count_.store(n, std::memory_order_release);
  triggers_[kTriggers - 1] = "other";
}

Metrics::~Metrics() = default;

std::size_t Metrics::bucket_of(std::chrono::nanoseconds duration) noexcept {
  const std::int64_t ns = duration.count();
  std::size_t i = 0;
  while (i < kBoundsNs.size() && ns > kBoundsNs[i]) ++i;
  return i;
}

std::string_view Metrics::status_name(std::size_t status) noexcept {
  return status == 0 ? std::string_view("success") : to_string(static_cast<ErrorCode>(status - 1));
}

std::size_t Metrics::trigger_index(std::string_view trigger) noexcept {
  const std::size_t n = trigger_count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i)
    if (triggers_[i] == trigger) return i;
  if (n >= kTriggers - 1) return kTriggers - 1;  // full: "other", without the lock
  std::lock_guard lock(mutex_);
  const std::size_t now = trigger_count_.load(std::memory_order_relaxed);
  for (std::size_t i = n; i < now; ++i)
    if (triggers_[i] == trigger) return i;
  if (now >= kTriggers - 1) return kTriggers - 1;  // "other"
  try {
    triggers_[now] = std::string(trigger);
  } catch (...) {
    return kTriggers - 1;
  }
  trigger_count_.store(now + 1, std::memory_order_release);
  return now;
}

Metrics::Cell* Metrics::cell_slow(std::size_t slot, std::uint32_t action, std::uint32_t trigger,
                                  std::uint32_t status) noexcept {
  std::lock_guard lock(mutex_);
  if (Cell* c = cells_[slot].load(std::memory_order_acquire)) return c;
  try {
    keys_.reserve(keys_.size() + 1);
    owned_.reserve(owned_.size() + 1);
    auto cell = std::make_unique<Cell>();  // value-initialised: every counter 0
    Cell* c = cell.get();
    owned_.push_back(std::move(cell));
    keys_.push_back({action, trigger, status, c});
    cells_[slot].store(c, std::memory_order_release);
    return c;
  } catch (...) {
    return nullptr;  // out of memory: this run goes uncounted rather than failing
  }
}

void Metrics::record(const RegisteredAction& action, std::string_view trigger,
                     std::optional<ErrorCode> error, std::chrono::nanoseconds duration) noexcept {
  const std::size_t a = action.index;
  if (a >= actions_ || registry_.actions()[a].get() != &action) return;
  const std::size_t t = trigger_index(trigger);
  const std::size_t s = error ? static_cast<std::size_t>(*error) + 1 : 0;
  const std::size_t slot = (a * kTriggers + t) * kStatuses + s;
  Cell* cell = cells_[slot].load(std::memory_order_acquire);
  if (!cell)
    cell = cell_slow(slot, static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(t),
                     static_cast<std::uint32_t>(s));
  if (!cell) return;
  Shard& shard = cell->shards[my_shard()];
  shard.buckets[bucket_of(duration)].fetch_add(1, std::memory_order_relaxed);
  shard.sum_ns.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(duration.count(), 0)),
                         std::memory_order_relaxed);
}

std::vector<Metrics::Series> Metrics::snapshot() const {
  std::vector<Key> keys;
  {
    std::lock_guard lock(mutex_);
    keys = keys_;
  }
  std::vector<Series> out;
  out.reserve(keys.size());
  for (const Key& k : keys) {
    Series s{.action = registry_.actions()[k.action]->name(),
             .trigger = triggers_[k.trigger],
             .status = status_name(k.status)};
    for (const Shard& shard : k.cell->shards) {
      for (std::size_t b = 0; b < kBuckets; ++b)
        s.buckets[b] += shard.buckets[b].load(std::memory_order_relaxed);
      s.sum_ns += shard.sum_ns.load(std::memory_order_relaxed);
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace bb
