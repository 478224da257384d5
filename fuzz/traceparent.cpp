// The W3C traceparent header (src/core/ids.cpp): every HTTP request may carry one and the
// executor continues its trace. Checked against the rules of Trace Context level 1 as an
// independent reading: version 00 is exactly 55 characters; a later version (not ff) may be
// longer only after a '-'; lowercase hex fields; neither id all zeros.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "fuzz/check.hpp"
#include "src/core/ids.hpp"

namespace {

bool lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool valid(std::string_view h) {
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return false;
  const std::string_view version = h.substr(0, 2), trace = h.substr(3, 32),
                         parent = h.substr(36, 16);
  if (!lower_hex(version) || version == "ff" || !lower_hex(trace) || !lower_hex(parent) ||
      !lower_hex(h.substr(53, 2)))
    return false;
  if (version == "00" ? h.size() != 55 : h.size() > 55 && h[55] != '-') return false;
  return trace.find_first_not_of('0') != std::string_view::npos &&
         parent.find_first_not_of('0') != std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  bb::ids::TraceParent parsed;
  const bool ok = bb::ids::parse_traceparent(header, parsed);
  FUZZ_CHECK(ok == valid(header), "parse_traceparent says %s, the specification %s",
             ok ? "valid" : "invalid", ok ? "invalid" : "valid");
  if (ok) {
    FUZZ_CHECK(parsed.trace_id == header.substr(3, 32) && parsed.parent_id == header.substr(36, 16),
               "the ids are not the header's fields");
  }
  char trace[33], span[17];
  bb::ids::continue_trace(header, trace, span);
  FUZZ_CHECK(
      std::strlen(trace) == 32 && lower_hex(trace) && std::strlen(span) == 16 && lower_hex(span),
      "continue_trace made \"%s\" / \"%s\"", trace, span);
  FUZZ_CHECK(std::string_view(span).find_first_not_of('0') != std::string_view::npos,
             "an all-zero span id");
  if (ok) FUZZ_CHECK(parsed.trace_id == trace, "the caller's trace was not continued");
  return 0;
}
