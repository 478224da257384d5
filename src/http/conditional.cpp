#include "src/http/conditional.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "src/http/text.hpp"

namespace bb::http {

namespace {

constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Digits only; a number past 2^64 - 1 is taken as that (past the end of any file).
bool parse_u64(std::string_view digits, std::uint64_t& out) {
  if (digits.empty()) return false;
  for (char c : digits)
    if (c < '0' || c > '9') return false;
  if (std::from_chars(digits.data(), digits.data() + digits.size(), out).ec != std::errc())
    out = UINT64_MAX;
  return true;
}

}  // namespace

std::string http_date(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                        tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                        tm.tm_sec);
  return std::string(buf, static_cast<std::size_t>(n));
}

std::optional<std::int64_t> parse_http_date(std::string_view s) {
  s = trim(s);
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT")
    return std::nullopt;
  auto num = [&](std::size_t at, std::size_t len, int& out) {
    auto r = std::from_chars(s.data() + at, s.data() + at + len, out);
    return r.ec == std::errc() && r.ptr == s.data() + at + len;
  };
  std::tm tm{};
  int month = -1;
  for (int i = 0; i < 12; ++i)
    if (s.substr(8, 3) == kMonths[i]) month = i;
  if (month < 0 || !num(5, 2, tm.tm_mday) || !num(12, 4, tm.tm_year) || !num(17, 2, tm.tm_hour) ||
      !num(20, 2, tm.tm_min) || !num(23, 2, tm.tm_sec))
    return std::nullopt;
  if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  tm.tm_mon = month;
  tm.tm_year -= 1900;
  return static_cast<std::int64_t>(::timegm(&tm));
}

bool if_none_match_hits(std::string_view field, std::string_view etag) {
  if (etag.size() < 2) return false;
  std::string_view ours = etag.substr(1, etag.size() - 2);
  std::string_view s = field;
  while (true) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == ','))
      s.remove_prefix(1);
    if (s.empty()) return false;
    if (s.front() == '*') return true;
    if (s.starts_with("W/")) s.remove_prefix(2);
    if (s.empty() || s.front() != '"') return false;  // malformed: no match, the full answer
    auto close = s.find('"', 1);
    if (close == std::string_view::npos) return false;
    if (s.substr(1, close - 1) == ours) return true;
    s.remove_prefix(close + 1);
  }
}

bool if_range_holds(std::string_view field, std::string_view etag, std::int64_t mtime) {
  field = trim(field);
  if (field.starts_with("W/")) return false;
  if (field.starts_with('"')) return field == etag;
  auto date = parse_http_date(field);
  return date && *date == mtime;
}

ByteRange parse_range(std::string_view field, std::uint64_t size) {
  ByteRange r;
  field = trim(field);
  if (field.size() < 6 || !iequals(field.substr(0, 6), "bytes=")) return r;
  std::string_view spec = trim(field.substr(6));
  // Several ranges would need a multipart/byteranges body; RFC 9110 §14.2 lets a server ignore
  // Range, and so they get the whole (200).
  if (spec.find(',') != std::string_view::npos) return r;
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return r;
  if (dash == 0) {  // bytes=-n: the last n bytes
    std::uint64_t n = 0;
    if (!parse_u64(spec.substr(1), n)) return r;
    if (n == 0 || size == 0) return {ByteRange::unsatisfiable};
    return {ByteRange::satisfiable, size > n ? size - n : 0, size - 1};
  }
  std::uint64_t first = 0, last = UINT64_MAX;
  if (!parse_u64(spec.substr(0, dash), first)) return r;
  if (dash + 1 < spec.size() && !parse_u64(spec.substr(dash + 1), last)) return r;
  if (last < first) return r;
  if (first >= size) return {ByteRange::unsatisfiable};
  return {ByteRange::satisfiable, first, std::min(last, size - 1)};
}

}  // namespace bb::http
