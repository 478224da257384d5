// The request fields that make a GET conditional or partial (RFC 9110 §13, §14): HTTP dates,
// If-None-Match and If-Range against an entity tag, and one byte range of a representation.
//
//   if (if_none_match_hits(*ex.header("If-None-Match"), etag)) ex.status = 304;
//   ByteRange r = parse_range("bytes=0-99", size);  // satisfiable, first 0, last 99
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bb::http {

// An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") and back; nullopt for any other text (the
// obsolete RFC 850 and asctime forms too: a conditional request with one is answered in full).
std::string http_date(std::int64_t unix_seconds);
std::optional<std::int64_t> parse_http_date(std::string_view text);

// If-None-Match: "*", or a list of entity tags one of which equals `etag` (quoted) in the weak
// comparison (W/ ignored on both sides). A malformed list matches nothing: the full answer.
bool if_none_match_hits(std::string_view field, std::string_view etag);

// If-Range: `etag` itself (strong comparison: a weak tag never holds) or exactly the date of
// Last-Modified (`mtime`). When it does not hold, Range is ignored and the whole is sent.
bool if_range_holds(std::string_view field, std::string_view etag, std::int64_t mtime);

// Range for a representation of `size` bytes. `ignore`: not one well-formed "bytes=" range (a
// multiple range, another unit, last < first): the whole representation is sent (200).
// `unsatisfiable`: 416 with "Content-Range: bytes */size".
struct ByteRange {
  enum Kind { ignore, satisfiable, unsatisfiable } kind = ignore;
  std::uint64_t first = 0, last = 0;  // inclusive, last < size
};
ByteRange parse_range(std::string_view field, std::uint64_t size);

}  // namespace bb::http
