// Counters of events per key in a fixed amount of memory: what the in-memory rate limits count
// with. The table never grows: keys are hashed (SipHash, a key drawn per table, so a client
// cannot aim at one place) into sets of 8 slots, and a new key takes its set's empty or expired
// slot, else the one that expires first. A million distinct keys cost what one does.
//
//   CounterTable table(1 << 16);
//   auto a = table.add("203.0.113.7", now_ms, {.limit = 10, .window_ms = 60'000});
//   if (!a.allowed) refuse(a.wait_ms);
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>

namespace bb::auth {

class CounterTable {
 public:
  // How add() admits events for one key.
  struct Rule {
    int limit = 1;                // events admitted in a window before the rule refuses
    std::int64_t window_ms = 0;   // how long a key's count is kept
    // The window starts again at every admitted event (failures: forgotten `window` after the
    // last one) instead of at the first (fixed windows).
    bool sliding = false;
    // Past the limit (sliding only): 0 refuses until the window ends; otherwise one more event
    // is admitted once delay_ms << (count - limit) has passed since the last, at most max_delay_ms.
    std::int64_t delay_ms = 0;
    std::int64_t max_delay_ms = 0;
  };
  struct Admit {
    bool allowed = false;
    int count = 0;               // events in the window, this one included when allowed
    std::int64_t wait_ms = 0;    // refused: until the key admits an event again
    std::int64_t reset_ms = 0;   // until the window ends
  };

  // `slots` is rounded up to a power of two, at least one set.
  explicit CounterTable(std::size_t slots);
  ~CounterTable();
  CounterTable(const CounterTable&) = delete;
  CounterTable& operator=(const CounterTable&) = delete;

  // One more event for `key` at `now_ms` unless the rule refuses it.
  Admit add(std::string_view key, std::int64_t now_ms, const Rule& rule);
  // Forgets `key`; returns the count it had (0 when absent or expired).
  int take(std::string_view key, std::int64_t now_ms);
  // Lowers the count of `key` by n (not below 0); its window is kept.
  void subtract(std::string_view key, int n, std::int64_t now_ms);

  std::size_t capacity() const { return sets_ * kWays; }
  // The table's own memory: fixed at construction.
  std::size_t bytes() const { return sizeof(*this) + capacity() * sizeof(Slot); }
  // Slots holding a live (unexpired) count.
  std::size_t live(std::int64_t now_ms);

  static constexpr std::size_t kWays = 8;

 private:
  struct Slot {
    std::uint64_t key;        // SipHash of the key; 0: empty
    std::int64_t expires_ms;  // the count is forgotten from then on
    std::int32_t count;
    std::int32_t unused;
  };
  static constexpr std::size_t kStripes = 64;

  std::uint64_t hash(std::string_view key) const;
  // The key's live slot, or null; `create` makes one (evicting) when there is none.
  Slot* find(std::uint64_t h, std::int64_t now_ms, bool create);

  std::size_t sets_;
  unsigned char seed_[16];
  struct FreeSlots {
    void operator()(Slot* p) const;
  };
  std::unique_ptr<Slot[], FreeSlots> slots_;
  std::mutex stripes_[kStripes];  // a set's lock is stripes_[set % kStripes]
};

}  // namespace bb::auth
