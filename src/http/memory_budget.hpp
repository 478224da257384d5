// The memory requests in flight may hold between them: their bodies as received and what is
// parsed from them (json_body.hpp). One per server, shared by its network and worker threads.
// A request that would go past it is refused (503, come back later) instead of growing the
// process: what an attacker sends is bounded by configuration, not by their patience.
#pragma once

#include <atomic>
#include <cstddef>

namespace bb::http {

class MemoryBudget {
 public:
  explicit MemoryBudget(std::size_t limit) : limit_(limit) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Takes `n` bytes if they fit; false (nothing taken) if not.
  bool try_reserve(std::size_t n) {
    std::size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (n > limit_ - used || used > limit_) return false;
    } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    note(n);
    return true;
  }
  // Takes `n` bytes even past the limit (memory already committed to a request).
  void take(std::size_t n) {
    used_.fetch_add(n, std::memory_order_relaxed);
    note(n);
  }
  void release(std::size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }

  std::size_t in_use() const { return used_.load(std::memory_order_relaxed); }
  std::size_t limit() const { return limit_; }
  // Whether a large piece (kLarge or more) was taken since the last call: the heap may hold
  // freed memory worth giving back (heap.hpp).
  bool large_taken_since_last_asked() { return large_.exchange(false, std::memory_order_relaxed); }

  static constexpr std::size_t kLarge = 64 * 1024;

 private:
  void note(std::size_t n) {
    if (n >= kLarge && !large_.load(std::memory_order_relaxed)) large_.store(true, std::memory_order_relaxed);
  }

  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
  std::atomic<bool> large_{false};
};

}  // namespace bb::http
