#include "src/auth/counter_table.hpp"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

namespace bb::auth {

void CounterTable::FreeSlots::operator()(Slot* p) const { std::free(p); }

CounterTable::CounterTable(std::size_t slots)
    : sets_(std::bit_ceil(std::max<std::size_t>(slots, kWays) / kWays)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  randombytes_buf(seed_, sizeof seed_);
  // calloc: the pages of a large table are the kernel's zero pages until a key lands in them.
  auto* p = static_cast<Slot*>(std::calloc(capacity(), sizeof(Slot)));
  if (!p) throw std::bad_alloc();
  slots_.reset(p);
}

CounterTable::~CounterTable() = default;

std::uint64_t CounterTable::hash(std::string_view key) const {
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, reinterpret_cast<const unsigned char*>(key.data()), key.size(), seed_);
  std::uint64_t h;
  std::memcpy(&h, out, sizeof h);
  return h ? h : 1;  // 0 marks an empty slot
}

CounterTable::Slot* CounterTable::find(std::uint64_t h, std::int64_t now_ms, bool create) {
  Slot* set = slots_.get() + (h & (sets_ - 1)) * kWays;
  Slot* victim = set;
  for (std::size_t w = 0; w < kWays; ++w) {
    Slot& s = set[w];
    if (s.key == h) {
      if (s.expires_ms > now_ms) return &s;
      victim = &s;  // its own expired slot: reused below
      break;
    }
    if (s.expires_ms < victim->expires_ms) victim = &s;  // empty (0) or the first to expire
  }
  if (!create) return nullptr;
  *victim = Slot{.key = h, .expires_ms = 0, .count = 0, .unused = 0};
  return victim;
}

CounterTable::Admit CounterTable::add(std::string_view key, std::int64_t now_ms, const Rule& rule) {
  const std::uint64_t h = hash(key);
  std::lock_guard lock(stripes_[(h & (sets_ - 1)) % kStripes]);
  Slot& s = *find(h, now_ms, true);
  if (s.count == 0) s.expires_ms = now_ms + rule.window_ms;
  auto admit = [&] {
    ++s.count;
    if (rule.sliding) s.expires_ms = now_ms + rule.window_ms;
    return Admit{.allowed = true, .count = s.count, .wait_ms = 0, .reset_ms = s.expires_ms - now_ms};
  };
  if (s.count < rule.limit) return admit();
  if (rule.sliding && rule.delay_ms > 0) {
    const std::int64_t last = s.expires_ms - rule.window_ms;
    const int shift = std::min(s.count - rule.limit, 40);
    const std::int64_t delay = std::min(rule.max_delay_ms, rule.delay_ms << shift);
    if (now_ms >= last + delay) return admit();
    return {.allowed = false, .count = s.count, .wait_ms = last + delay - now_ms, .reset_ms = s.expires_ms - now_ms};
  }
  return {.allowed = false, .count = s.count, .wait_ms = s.expires_ms - now_ms, .reset_ms = s.expires_ms - now_ms};
}

int CounterTable::take(std::string_view key, std::int64_t now_ms) {
  const std::uint64_t h = hash(key);
  std::lock_guard lock(stripes_[(h & (sets_ - 1)) % kStripes]);
  Slot* s = find(h, now_ms, false);
  if (!s) return 0;
  const int n = s->count;
  *s = Slot{};
  return n;
}

void CounterTable::subtract(std::string_view key, int n, std::int64_t now_ms) {
  const std::uint64_t h = hash(key);
  std::lock_guard lock(stripes_[(h & (sets_ - 1)) % kStripes]);
  if (Slot* s = find(h, now_ms, false)) s->count = std::max(0, s->count - n);
}

std::size_t CounterTable::live(std::int64_t now_ms) {
  std::size_t n = 0;
  for (std::size_t set = 0; set < sets_; ++set) {
    std::lock_guard lock(stripes_[set % kStripes]);
    for (std::size_t w = 0; w < kWays; ++w) {
      const Slot& s = slots_[set * kWays + w];
      if (s.key && s.expires_ms > now_ms && s.count > 0) ++n;
    }
  }
  return n;
}

}  // namespace bb::auth
