#include "bunbase/runtime/cron.hpp"

#include <date/tz.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace bb::cron {
namespace {

using std::chrono::seconds;

// ---- parsing ----

struct FieldSpec {
  std::string_view name;
  int min;
  int max;       // largest value accepted (7 for day-of-week: 7 = Sunday)
  int star_max;  // upper end of `*` and of `a/n` (6 for day-of-week, so Sunday is not counted
                 // twice)
  const std::string_view* names = nullptr;  // three-letter names of min, min+1, ...
  int name_count = 0;
};

constexpr std::array<std::string_view, 12> kMonthNames{"jan", "feb", "mar", "apr", "may", "jun",
                                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames{"sun", "mon", "tue", "wed",
                                                    "thu", "fri", "sat"};

constexpr FieldSpec kSecond{"second", 0, 59, 59};
constexpr FieldSpec kMinute{"minute", 0, 59, 59};
constexpr FieldSpec kHour{"hour", 0, 23, 23};
constexpr FieldSpec kDayOfMonth{"day-of-month", 1, 31, 31};
constexpr FieldSpec kMonth{"month", 1, 12, 12, kMonthNames.data(), 12};
constexpr FieldSpec kDayOfWeek{"day-of-week", 0, 7, 6, kDayNames.data(), 7};

struct Macro {
  std::string_view name;
  std::string_view expansion;
};
constexpr std::array<Macro, 7> kMacros{{{"@yearly", "0 0 1 1 *"},
                                        {"@annually", "0 0 1 1 *"},
                                        {"@monthly", "0 0 1 * *"},
                                        {"@weekly", "0 0 * * 0"},
                                        {"@daily", "0 0 * * *"},
                                        {"@midnight", "0 0 * * *"},
                                        {"@hourly", "0 * * * *"}}};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

class Parser {
 public:
  explicit Parser(std::string_view expression) : expression_(expression) {}

  [[noreturn]] void fail(std::string_view what) const {
    throw std::invalid_argument("cron \"" + std::string(expression_) + "\": " + std::string(what));
  }

  // The set of one field as a mask (bit v = value v), checked against `f`.
  std::uint64_t field(std::string_view text, const FieldSpec& f) const {
    const std::string where(f.name);
    for (char c : text)
      if (!is_digit(c) && !is_alpha(c) && c != '*' && c != ',' && c != '-' && c != '/')
        fail(where + " \"" + std::string(text) + "\" contains '" + std::string(1, c) +
             "' (allowed: digits, names, * , - /)");
    std::uint64_t mask = 0;
    std::size_t pos = 0;
    while (true) {
      const std::size_t comma = text.find(',', pos);
      const std::string_view item =
          text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
      if (item.empty()) fail(where + " \"" + std::string(text) + "\" has an empty list element");
      mask |= element(item, f);
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
    }
    return mask;
  }

 private:
  // One list element: `*`, `v`, `a-b`, each optionally followed by `/step`.
  std::uint64_t element(std::string_view item, const FieldSpec& f) const {
    const std::string where(f.name);
    std::string_view base = item;
    int step = 0;  // 0: no step
    if (const std::size_t slash = item.find('/'); slash != std::string_view::npos) {
      base = item.substr(0, slash);
      const std::string_view s = item.substr(slash + 1);
      if (s.find('/') != std::string_view::npos)
        fail(where + " \"" + std::string(item) + "\" has more than one '/'");
      if (s.empty() || s.size() > 6 || !std::all_of(s.begin(), s.end(), is_digit))
        fail(where + " step \"" + std::string(s) + "\" is not a positive number");
      step = std::stoi(std::string(s));
      if (step == 0) fail(where + " step 0 is not allowed (in \"" + std::string(item) + "\")");
      if (step > f.star_max - f.min + 1)
        fail(where + " step " + std::to_string(step) + " is larger than the field's range " +
             std::to_string(f.min) + "-" + std::to_string(f.star_max));
      if (base.empty())
        fail(where + " step \"" + std::string(item) + "\" has nothing before '/' (write */n)");
    }
    int lo = 0;
    int hi = 0;
    if (base == "*") {
      lo = f.min;
      hi = f.star_max;
    } else if (const std::size_t dash = base.find('-'); dash != std::string_view::npos) {
      lo = value(base.substr(0, dash), f);
      hi = value(base.substr(dash + 1), f);
      if (f.name_count == 7 && hi == 0 && lower(base.substr(dash + 1)) == "sun")
        hi = 7;  // FRI-SUN, as croner
      if (lo > hi)
        fail(where + " range " + std::string(base) + " is reversed (" + std::to_string(lo) + " > " +
             std::to_string(hi) + ")");
    } else {
      lo = value(base, f);
      hi =
          step ? f.star_max : lo;  // `a/n` is `a-max/n` (as cron-parser, and croner's sloppyRanges)
      if (lo > hi) hi = lo;        // `7/2` in day-of-week: Sunday
    }
    std::uint64_t mask = 0;
    for (int v = lo; v <= hi; v += step ? step : 1) mask |= std::uint64_t{1} << v;
    return mask;
  }

  // A number or a three-letter name, in range.
  int value(std::string_view token, const FieldSpec& f) const {
    const std::string where(f.name);
    if (token.empty()) fail(where + " has a range with a missing end");
    int v = 0;
    if (std::all_of(token.begin(), token.end(), is_digit)) {
      if (token.size() > 6) fail(where + " " + std::string(token) + " is out of range " + range(f));
      v = std::stoi(std::string(token));
    } else if (std::all_of(token.begin(), token.end(), is_alpha)) {
      if (!f.names) fail(where + " \"" + std::string(token) + "\" is not a number");
      const std::string name = lower(token);
      int found = -1;
      for (int i = 0; i < f.name_count; ++i)
        if (f.names[i] == name) found = i;
      if (found < 0)
        fail(where + " \"" + std::string(token) + "\" is not a " +
             (f.name_count == 12 ? "month" : "day") + " name (" +
             (f.name_count == 12 ? "JAN-DEC" : "SUN-SAT") + ")");
      v = f.min + found;
    } else {
      fail(where + " \"" + std::string(token) + "\" is not a number or name");
    }
    if (v < f.min || v > f.max)
      fail(where + " " + std::to_string(v) + " is out of range " + range(f));
    return v;
  }

  static std::string range(const FieldSpec& f) {
    return std::to_string(f.min) + "-" + std::to_string(f.max);
  }

  std::string_view expression_;
};

// croner's "single-value" rule: no `*`, no `/`, and exactly one value.
bool single_value(std::string_view text, std::size_t count) {
  return text.find_first_of("*/") == std::string_view::npos && count == 1;
}

// ---- matching on the local calendar ----

bool day_matches(const Schedule& s, const date::year_month_day& ymd, date::weekday wd) {
  const bool dom = s.days_of_month[static_cast<unsigned>(ymd.day())];
  const bool dow = s.days_of_week[wd.c_encoding()];
  if (s.day_of_month_star || s.day_of_week_star) return dom && dow;
  return dom || dow;
}

// The first matching time of day at or after h:m:s, in seconds since midnight.
std::optional<seconds> next_time_of_day(const Schedule& s, int h0, int m0, int s0) {
  for (int h = h0; h < 24; ++h) {
    if (!s.hours[h]) continue;
    for (int m = (h == h0 ? m0 : 0); m < 60; ++m) {
      if (!s.minutes[m]) continue;
      for (int sec = (h == h0 && m == m0 ? s0 : 0); sec < 60; ++sec)
        if (s.seconds[sec]) return seconds{h * 3600 + m * 60 + sec};
    }
  }
  return std::nullopt;
}

// The first local wall time at or after `from` that matches, or nullopt past `limit`.
std::optional<date::local_seconds> next_local(const Schedule& s, date::local_seconds from,
                                              date::local_days limit) {
  date::local_days day = date::floor<date::days>(from);
  auto tod = static_cast<int>((from - day).count());
  int h = tod / 3600;
  int m = tod / 60 % 60;
  int sec = tod % 60;
  while (day <= limit) {
    const date::year_month_day ymd{day};
    if (!s.months[static_cast<unsigned>(ymd.month())]) {
      const date::year_month next_month =
          date::year_month{ymd.year(), ymd.month()} + date::months{1};
      day = date::local_days{next_month / 1};
      h = m = sec = 0;
      continue;
    }
    if (day_matches(s, ymd, date::weekday{day})) {
      if (auto t = next_time_of_day(s, h, m, sec)) return day + *t;
    }
    day += date::days{1};
    h = m = sec = 0;
  }
  return std::nullopt;
}

const date::time_zone* find_zone(std::string_view zone) {
  try {
    if (zone.empty()) throw std::runtime_error("empty");
    return date::locate_zone(zone);
  } catch (const std::runtime_error&) {
    throw std::invalid_argument("unknown time zone \"" + std::string(zone) +
                                "\" (expected an IANA name such as "
                                "\"UTC\" or \"Europe/Paris\")");
  }
}

date::local_seconds to_local(date::sys_seconds t, seconds offset) {
  return date::local_seconds{t.time_since_epoch() + offset};
}

bool same_day(date::local_seconds a, date::local_seconds b) {
  return date::floor<date::days>(a) == date::floor<date::days>(b);
}

}  // namespace

Schedule parse(std::string_view expression) {
  Parser p(expression);
  std::string_view text = expression;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) p.fail("the expression is empty");

  if (text.front() == '@') {
    const std::string name = lower(text);
    if (name == "@reboot") p.fail("@reboot has no next run time and is not supported");
    for (const Macro& m : kMacros)
      if (m.name == name) {
        Schedule s = parse(m.expansion);
        return s;
      }
    p.fail("unknown macro " + std::string(text) +
           " (known: @yearly @annually @monthly @weekly @daily @midnight @hourly)");
  }

  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = text.find_first_of(" \t", pos);
    const std::size_t stop = end == std::string_view::npos ? text.size() : end;
    if (stop > pos) fields.push_back(text.substr(pos, stop - pos));
    pos = stop + 1;
  }
  if (fields.size() != 5 && fields.size() != 6)
    p.fail(
        "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), "
        "got " +
        std::to_string(fields.size()));
  const bool with_seconds = fields.size() == 6;
  const std::size_t o = with_seconds ? 1 : 0;
  const std::string_view second_text = with_seconds ? fields[0] : "0";

  Schedule s;
  s.seconds = std::bitset<60>(p.field(second_text, kSecond));
  s.minutes = std::bitset<60>(p.field(fields[o], kMinute));
  s.hours = std::bitset<24>(p.field(fields[o + 1], kHour));
  s.days_of_month = std::bitset<32>(p.field(fields[o + 2], kDayOfMonth));
  s.months = std::bitset<13>(p.field(fields[o + 3], kMonth));
  std::uint64_t dow = p.field(fields[o + 4], kDayOfWeek);
  if (dow & (std::uint64_t{1} << 7)) dow = (dow | 1) & 0x7f;  // 7 is Sunday too
  s.days_of_week = std::bitset<7>(dow);
  s.day_of_month_star = fields[o + 2].front() == '*';
  s.day_of_week_star = fields[o + 4].front() == '*';
  s.fixed_time = single_value(second_text, s.seconds.count()) &&
                 single_value(fields[o], s.minutes.count()) &&
                 single_value(fields[o + 1], s.hours.count());
  return s;
}

void check_zone(std::string_view zone) { find_zone(zone); }

std::optional<std::chrono::system_clock::time_point> next(
    const Schedule& s, std::chrono::system_clock::time_point after, std::string_view zone) {
  const date::time_zone* tz = find_zone(zone);
  date::sys_seconds t = date::floor<seconds>(after) + seconds{1};
  const date::local_days limit =
      date::floor<date::days>(to_local(t, tz->get_info(t).offset)) + date::days{8 * 366};

  // Walk the zone's periods of constant offset, starting with the one holding t: within a
  // period, local time = instant + offset, so the first matching local time maps straight back.
  for (int periods = 0; periods < 1000; ++periods) {
    const date::sys_info info = tz->get_info(t);
    date::local_seconds start = to_local(t, info.offset);
    if (s.fixed_time) {
      const date::sys_info prev = tz->get_info(info.begin - seconds{1});
      if (prev.offset > info.offset) {
        // After a fall back: the wall times up to the previous period's end have already
        // occurred; a fixed-time job ran at their first occurrence.
        start = std::max(start, to_local(info.begin, prev.offset));
      } else if (prev.offset < info.offset && t == info.begin) {
        // t is the first instant after a gap: a fixed-time job whose wall time fell in the gap
        // runs now.
        if (auto in_gap = next_local(s, to_local(info.begin, prev.offset), limit);
            in_gap && *in_gap < start && same_day(*in_gap, start))
          return t;
      }
    }
    const auto local = next_local(s, start, limit);
    if (!local) return std::nullopt;
    const date::sys_seconds at{local->time_since_epoch() - info.offset};
    if (at < info.end) return at;
    if (s.fixed_time) {
      // The wall time lies past this period; if it falls in a gap that opens at its end, a
      // fixed-time job runs at the first instant after the gap.
      const date::sys_info following = tz->get_info(info.end);
      const date::local_seconds gap_end = to_local(info.end, following.offset);
      if (following.offset > info.offset && *local < gap_end && same_day(*local, gap_end))
        return info.end;
    }
    t = info.end;
  }
  return std::nullopt;
}

}  // namespace bb::cron
