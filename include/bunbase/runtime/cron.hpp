// Cron expressions: parse "m h dom mon dow" (or six fields, seconds first) once, then ask for the
// next matching instant after a time point, read on the wall clock of an IANA time zone.
//
//   bb::cron::Schedule s = bb::cron::parse("30 2 * * MON-FRI");
//   auto at = bb::cron::next(s, std::chrono::system_clock::now(), "Europe/Paris");  // optional
//
// Syntax: `*`, numbers, ranges `a-b`, lists `a,b-c`, steps `*/n`, `a-b/n` and `a/n` (= a-max/n),
// month names JAN-DEC and day names SUN-SAT (three letters, any case, also inside ranges:
// MON-FRI), day-of-week 0-7 with 0 and 7 both Sunday, and the macros @yearly @annually
// @monthly @weekly @daily @midnight @hourly. Quartz/croner extensions (L, W, #, ?, a year
// field) and @reboot are rejected.
//
// Day-of-month vs day-of-week (Vixie cron): if either field's text starts with `*` the two are
// ANDed (so `*` simply defers to the other field, and `*/2` counts as `*`); if both are
// restricted, a day matches when EITHER matches: `30 4 1,15 * FRI` runs on the 1st, the 15th and
// every Friday. (croner treats `*/n` in a day field as restricted; we follow Vixie.)
//
// Time zones and daylight saving, as croner 11 (its default fixedTimeRule "single-value"):
// - A *fixed-time* job has a single value, without `*` or `/`, in each of second, minute and
//   hour (`30 2 * * *`, `0 30 2 * * *`); every other job is an *interval* job (`*/15 * * * *`,
//   `30 * * * *`, `30 1,2 * * *`).
// - Gap (spring forward, e.g. 02:00-03:00 on 2026-03-29 in Europe/Paris): a fixed-time job
//   whose wall time falls in the gap runs once, at the first instant after the gap (`30 2 * * *`
//   runs at 03:00 CEST); if the gap ends on the next calendar day, that day's run is skipped.
//   Interval jobs skip the wall times that do not exist.
// - Overlap (fall back, e.g. 02:00-03:00 twice on 2026-10-25 in Europe/Paris): a fixed-time job
//   whose wall time occurs twice runs once, at the first occurrence (the earlier offset).
//   Interval jobs run at every instant whose wall time matches, so `30 * * * *` runs at both
//   02:30s: it stays "every hour" in elapsed time.
// Offsets come from the system tz database (/usr/share/zoneinfo via Howard Hinnant's date
// library), whose files list transitions up to 2037 only: later years keep the offset in force
// at the end of 2037, without daylight saving.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string_view>

namespace bb::cron {

// A parsed expression: one bit per allowed value of each field. Cheap to copy.
struct Schedule {
  std::bitset<60> seconds;
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;   // bits 1-31
  std::bitset<13> months;          // bits 1-12
  std::bitset<7> days_of_week;     // 0 = Sunday
  bool day_of_month_star = false;  // the field's text starts with '*' (Vixie's rule)
  bool day_of_week_star = false;
  bool fixed_time = false;  // single second, minute and hour: see the DST rules above

  friend bool operator==(const Schedule&, const Schedule&) = default;
};

// Throws std::invalid_argument naming the expression, the field and the problem:
// `cron "0 0 32 * *": day-of-month 32 is out of range 1-31`.
Schedule parse(std::string_view expression);

// The first matching instant strictly after `after` (whole seconds), on the wall clock of `zone`;
// std::nullopt if there is none within 8 years (`0 0 30 2 *`; 8 years covers every Feb 29).
// Throws std::invalid_argument for an unknown zone.
std::optional<std::chrono::system_clock::time_point> next(
    const Schedule& schedule, std::chrono::system_clock::time_point after,
    std::string_view zone = "UTC");

// Throws std::invalid_argument naming the zone unless it is in the tz database.
void check_zone(std::string_view zone);

}  // namespace bb::cron
