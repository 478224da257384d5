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
    return true;
  }
  void release(std::size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }

  std::size_t in_use() const { return used_.load(std::memory_order_relaxed); }
  std::size_t limit() const { return limit_; }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
};

}  // namespace bb::http
