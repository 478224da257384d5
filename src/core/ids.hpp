// Identifiers for runs and traces. Run ids are UUIDv7 (time-ordered, so the newest runs sort
// last by id too); trace and span ids follow W3C Trace Context. Not secrets: a fast
// per-thread generator seeded from the OS is enough.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace bb::ids {

std::string new_run_id();
void new_trace_id(char (&out)[33]);  // 32 lowercase hex digits, never all zero
void new_span_id(char (&out)[17]);   // 16 lowercase hex digits, never all zero

struct TraceParent {
  std::string_view trace_id;  // 32 hex
  std::string_view parent_id; // 16 hex
};
// Parses "00-<trace-id>-<parent-id>-<flags>"; false when malformed or all-zero.
bool parse_traceparent(std::string_view header, TraceParent& out);

// The trace of a new span: the caller's trace id when `traceparent` is valid, a new one
// otherwise, and always a new span id.
void continue_trace(std::string_view traceparent, char (&trace)[33], char (&span)[17]);

}  // namespace bb::ids
