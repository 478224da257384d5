// A request body parsed as JSON within a memory budget. The value lives in an arena of its own
// (one block list, freed at once when the last value referring to it goes); the arena's blocks
// and the parser's working stack count against the request's bound (kParseExpansion x the
// body limit, at most half the shared budget) and against the server's MemoryBudget shared by all requests in flight. Past the
// first: 413 body_too_complex; past the second: 503 busy. A small body parses into a buffer
// inside the arena and touches neither.
//
//   ParsedBody b = parse_json_body(ex.body(), ex.body_limit(), ex.memory_budget());
//   if (b.error) return fail(*b.error, b.status);
//   use(b.value);   // null for an empty body
#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "bunbase/core/error.hpp"

namespace bb::http {

class MemoryBudget;

// Parsed JSON may take at most this many times the body limit: every well-formed 1 MiB body
// measured takes less (an array of a million zeros, the densest, takes 28 MiB with the parser's
// stack), and most take 2 to 6 times their size.
inline constexpr std::size_t kParseExpansion = 32;

struct ParsedBody {
  boost::json::value value;  // null when the body is empty or refused
  std::optional<Error> error;
  int status = 0;  // of the error: 400 malformed, 413 too complex, 503 busy
  // Not assignable: assigning a json::value copies it out of its arena (see adopt below).
  ParsedBody() = default;
  ParsedBody(ParsedBody&&) = default;
  ParsedBody& operator=(ParsedBody&&) = delete;
};

// `budget` may be null (no shared budget: only the per-request bound applies).
ParsedBody parse_json_body(std::string_view body, std::size_t body_limit, MemoryBudget* budget);

// Moves `source` into `target` keeping source's storage (the arena). Boost.JSON's assignment
// keeps the target's storage instead, copying every element onto the heap.
inline void adopt(boost::json::value& target, boost::json::value&& source) {
  std::destroy_at(&target);
  std::construct_at(&target, std::move(source));
}

}  // namespace bb::http
