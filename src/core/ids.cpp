#include "src/core/ids.hpp"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>

namespace bb::ids {

namespace {

// xoshiro256** (public domain, Blackman & Vigna), seeded per thread from libsodium.
struct Rng {
  std::uint64_t s[4];
  Rng() {
    if (sodium_init() < 0) std::abort();
    do randombytes_buf(s, sizeof s);
    while ((s[0] | s[1] | s[2] | s[3]) == 0);
  }
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t next() {
    std::uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3], s[2] ^= t, s[3] = rotl(s[3], 45);
    return result;
  }
};

Rng& rng() {
  thread_local Rng r;
  return r;
}

constexpr char kHex[] = "0123456789abcdef";

void hex64(std::uint64_t v, char* out) {
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kHex[v & 0xF];
}

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::string new_run_id() {
  std::uint64_t ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch()).count());
  // RFC 9562 method 1: the 12 rand_a bits are a counter, so ids made in the same millisecond
  // still sort in creation order across the whole process.
  static std::atomic<std::uint64_t> last{0};
  std::uint64_t prev = last.load(std::memory_order_relaxed), next;
  do next = std::max(ms << 12, prev + 1);
  while (!last.compare_exchange_weak(prev, next, std::memory_order_relaxed));
  std::uint64_t hi = ((next >> 12) << 16) | 0x7000 | (next & 0x0FFF);  // ts48 | ver 7 | counter12
  std::uint64_t lo = (rng().next() & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // variant 10
  char b[32];
  hex64(hi, b);
  hex64(lo, b + 16);
  std::string id(36, '-');
  int j = 0;
  for (int i = 0; i < 36; ++i)
    if (i != 8 && i != 13 && i != 18 && i != 23) id[i] = b[j++];
  return id;
}

void new_trace_id(char (&out)[33]) {
  // The first 48 bits are the time in milliseconds, the other 80 random (W3C Trace Context
  // level 2 asks randomness of the rightmost 56 bits only). Time-ordered ids keep the trace
  // index of the run history appending instead of touching a random page per run.
  std::uint64_t ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch()).count());
  std::uint64_t a = (ms << 16) | (rng().next() & 0xFFFF), b = rng().next();
  hex64(a, out);
  hex64(b, out + 16);
  out[32] = '\0';
}

void new_span_id(char (&out)[17]) {
  std::uint64_t a;
  do a = rng().next();
  while (a == 0);
  hex64(a, out);
  out[16] = '\0';
}

bool parse_traceparent(std::string_view h, TraceParent& out) {
  // version(2)-trace(32)-parent(16)-flags(2); future versions may append fields.
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return false;
  std::string_view version = h.substr(0, 2), trace = h.substr(3, 32), parent = h.substr(36, 16),
                   flags = h.substr(53, 2);
  if (!is_hex(version) || version == "ff" || !is_hex(trace) || !is_hex(parent) || !is_hex(flags))
    return false;
  // Version 00 is exactly 55 characters; a later version may append fields, each after a '-'
  // (Trace Context, "Versioning of traceparent"): "cc-<trace>-<parent>-01x" is not one.
  if (version == "00" ? h.size() != 55 : h.size() > 55 && h[55] != '-') return false;
  if (trace == std::string_view("00000000000000000000000000000000") ||
      parent == std::string_view("0000000000000000"))
    return false;
  out = {trace, parent};
  return true;
}

void continue_trace(std::string_view traceparent, char (&trace)[33], char (&span)[17]) {
  TraceParent incoming;
  if (parse_traceparent(traceparent, incoming)) {
    std::memcpy(trace, incoming.trace_id.data(), 32);
    trace[32] = '\0';
  } else {
    new_trace_id(trace);
  }
  new_span_id(span);
}

}  // namespace bb::ids

namespace bb {
std::string new_id() { return ids::new_run_id(); }
}  // namespace bb
