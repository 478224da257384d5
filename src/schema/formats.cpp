#include "src/schema/formats.hpp"

#include <boost/url/parse.hpp>

#include <cctype>
#include <cstring>

namespace bb {

const char* format_name(StringFormat f) {
  switch (f) {
    case StringFormat::email: return "email";
    case StringFormat::uuid: return "uuid";
    case StringFormat::date_time: return "date-time";
    case StringFormat::uri: return "uri";
    case StringFormat::none: break;
  }
  return "";
}

bool check_format(StringFormat f, std::string_view s) {
  switch (f) {
    case StringFormat::email: return is_email(s);
    case StringFormat::uuid: return is_uuid(s);
    case StringFormat::date_time: return is_date_time(s);
    case StringFormat::uri: return is_uri(s);
    case StringFormat::none: break;
  }
  return true;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

namespace {
bool is_atext(unsigned char c) {
  return std::isalnum(c) || std::strchr("!#$%&'*+/=?^_`{|}~-", c) != nullptr;
}
bool is_digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return false;
  for (std::size_t i = pos; i < pos + n; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}
int num(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}
}  // namespace

// The practical subset most validators accept (ajv-formats' "email"): dot-atom local part,
// a domain of at least two DNS labels.
bool is_email(std::string_view s) {
  auto at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || s.size() > 254) return false;
  std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return false;
  for (unsigned char c : local)
    if (c != '.' && !is_atext(c)) return false;
  int labels = 0;
  std::size_t start = 0;
  while (start <= domain.size()) {
    auto dot = domain.find('.', start);
    std::string_view label = domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (unsigned char c : label)
      if (!std::isalnum(c) && c != '-') return false;
    ++labels;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return labels >= 2;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool is_date_time(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  if (s.size() < 20 || !is_digits(s, 0, 4) || s[4] != '-' || !is_digits(s, 5, 2) ||
      s[7] != '-' || !is_digits(s, 8, 2) || (s[10] != 'T' && s[10] != 't') ||
      !is_digits(s, 11, 2) || s[13] != ':' || !is_digits(s, 14, 2) || s[16] != ':' ||
      !is_digits(s, 17, 2))
    return false;
  int year = num(s, 0, 4), month = num(s, 5, 2), day = num(s, 8, 2);
  int hour = num(s, 11, 2), minute = num(s, 14, 2), second = num(s, 17, 2);
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int days = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  if (day < 1 || day > days || hour > 23 || minute > 59 || second > 60) return false;
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    std::size_t start = ++pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    if (pos == start) return false;
  }
  if (pos == s.size()) return false;
  int offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    if (pos + 1 != s.size()) return false;
  } else {
    if ((s[pos] != '+' && s[pos] != '-') || s.size() != pos + 6 || !is_digits(s, pos + 1, 2) ||
        s[pos + 3] != ':' || !is_digits(s, pos + 4, 2))
      return false;
    int oh = num(s, pos + 1, 2), om = num(s, pos + 4, 2);
    if (oh > 23 || om > 59) return false;
    offset_minutes = (s[pos] == '+' ? 1 : -1) * (oh * 60 + om);
  }
  // A leap second exists only as the last second of a UTC day (RFC 3339 5.7).
  if (second == 60) {
    int utc = ((hour * 60 + minute - offset_minutes) % 1440 + 1440) % 1440;
    if (utc != 23 * 60 + 59) return false;
  }
  return true;
}

bool is_uri(std::string_view s) { return boost::urls::parse_uri(s).has_value(); }

}  // namespace bb
