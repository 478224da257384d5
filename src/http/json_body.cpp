#include "src/http/json_body.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>

#include <algorithm>
#include <cstddef>
#include <new>

#include "src/http/memory_budget.hpp"

namespace bb::http {

namespace json = boost::json;

namespace {

// Thrown out of an allocation inside the parser (bad_alloc: what code between expects there).
struct OverRequestBound : std::bad_alloc {};
struct OverSharedBudget : std::bad_alloc {};

// Where the arena's blocks and the parser's stack come from: the global heap, counted.
class CountedUpstream final : public json::memory_resource {
 public:
  CountedUpstream(std::size_t bound, MemoryBudget* budget) : bound_(bound), budget_(budget) {}

  // After the parse, the value may still grow (a handler adds a member): counted, not refused.
  void stop_refusing() { refusing_ = false; }

 private:
  // Each block carries its size in front: Boost 1.81's monotonic_resource returns its blocks
  // with a smaller size than it asked for, and the budget must get back what it gave.
  static constexpr std::size_t kHeader = alignof(std::max_align_t);

  void* do_allocate(std::size_t n, std::size_t align) override {
    const std::size_t header = std::max(align, kHeader);
    const std::size_t total = n + header;
    if (refusing_) {
      if (total > bound_ - used_) throw OverRequestBound{};
      if (budget_ && !budget_->try_reserve(total)) throw OverSharedBudget{};
    } else if (budget_) {
      budget_->take(total);
    }
    used_ += total;
    auto* block = static_cast<unsigned char*>(::operator new(total, std::align_val_t(header)));
    *reinterpret_cast<std::size_t*>(block) = total;
    return block + header;
  }
  void do_deallocate(void* p, std::size_t, std::size_t align) override {
    const std::size_t header = std::max(align, kHeader);
    auto* block = static_cast<unsigned char*>(p) - header;
    const std::size_t total = *reinterpret_cast<std::size_t*>(block);
    ::operator delete(block, std::align_val_t(header));
    used_ -= total;
    if (budget_) budget_->release(total);
  }
  bool do_is_equal(const json::memory_resource& other) const noexcept override { return this == &other; }

  const std::size_t bound_;
  MemoryBudget* const budget_;
  std::size_t used_ = 0;  // one thread at a time: the request's
  bool refusing_ = true;
};

// The value's storage. Members in order: the upstream outlives the arena that returns to it.
class BodyArena final : public json::memory_resource {
 public:
  // make_shared_resource wraps the arena (storage_ptr::get() is not a BodyArena): `upstream`
  // receives where the counting happens, for the parser's stack.
  BodyArena(std::size_t bound, MemoryBudget* budget, CountedUpstream** upstream)
      : upstream_(bound, budget), arena_(inline_, sizeof inline_, json::storage_ptr(&upstream_)) {
    *upstream = &upstream_;
  }

 private:
  void* do_allocate(std::size_t n, std::size_t align) override { return arena_.allocate(n, align); }
  void do_deallocate(void*, std::size_t, std::size_t) override {}
  bool do_is_equal(const json::memory_resource& other) const noexcept override { return this == &other; }

  CountedUpstream upstream_;
  unsigned char inline_[4096];  // a small body's whole value: no block, no budget
  json::monotonic_resource arena_;
};

}  // namespace

ParsedBody parse_json_body(std::string_view body, std::size_t body_limit, MemoryBudget* budget) {
  ParsedBody out;
  if (body.empty()) return out;
  // Never more than half the shared budget: a body that could not fit even on an idle server
  // is too complex (413), not a reason to come back later (503).
  std::size_t bound = body_limit * kParseExpansion;
  if (budget) bound = std::min(bound, budget->limit() / 2);
  try {
    CountedUpstream* upstream = nullptr;
    json::storage_ptr storage = json::make_shared_resource<BodyArena>(bound, budget, &upstream);
    alignas(json::value) unsigned char stack[1024];  // the parser's working stack for a small body
    json::parser parser(json::storage_ptr(upstream), {}, stack, sizeof stack);
    parser.reset(storage);
    boost::system::error_code ec;
    parser.write(body.data(), body.size(), ec);
    if (ec) {
      out.error = Error(ErrorCode::invalid_argument, "malformed JSON body: " + ec.message()).with_code("malformed_json");
      out.status = 400;
      return out;
    }
    adopt(out.value, parser.release());
    upstream->stop_refusing();
  } catch (const OverRequestBound&) {
    out.error = Error(ErrorCode::invalid_argument,
                      "the JSON body is too complex: parsing it would take more than " + std::to_string(kParseExpansion) +
                          " times the body limit of " + std::to_string(body_limit) + " bytes")
                    .with_code("body_too_complex");
    out.status = 413;
  } catch (const OverSharedBudget&) {
    out.error = Error(ErrorCode::unavailable, "the server is busy with other large requests; try again shortly",
                      boost::json::object{{"retry_after", 1}})
                    .with_code("busy");
    out.status = 503;
  }
  return out;
}

}  // namespace bb::http
