// Cron expressions (src/runtime/cron.cpp): parse, then the next run after a time, in a zone with
// daylight saving or without. What must hold: parse either throws std::invalid_argument or gives
// a schedule with a value in every field; a next run is strictly later, on a whole second,
// within 8 years and a day; in UTC (no gaps, no overlaps) its wall clock matches every field.
//
// Input: byte 0 picks the zone, bytes 1-4 the start time (seconds from 2000 on, up to ~2136),
// the rest is the expression.
#include "bunbase/runtime/cron.hpp"

#include <date/date.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "fuzz/check.hpp"

namespace {

constexpr std::array<std::string_view, 8> kZones{"UTC",
                                                 "Europe/Paris",
                                                 "America/New_York",
                                                 "Asia/Kathmandu",
                                                 "Australia/Lord_Howe",
                                                 "Pacific/Chatham",
                                                 "America/Sao_Paulo",
                                                 "Antarctica/Troll"};

// The wall clock of `t` in UTC against every field, with Vixie's day rule.
bool matches_utc(const bb::cron::Schedule& s, std::chrono::sys_seconds t) {
  const auto day = std::chrono::floor<date::days>(t);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<std::chrono::seconds> tod{t - day};
  const bool dom = s.days_of_month[static_cast<unsigned>(ymd.day())];
  const bool dow = s.days_of_week[date::weekday{day}.c_encoding()];
  return s.seconds[tod.seconds().count()] && s.minutes[tod.minutes().count()] &&
         s.hours[tod.hours().count()] && s.months[static_cast<unsigned>(ymd.month())] &&
         ((s.day_of_month_star || s.day_of_week_star) ? dom && dow : dom || dow);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const std::string_view zone = kZones[data[0] % kZones.size()];
  const std::uint32_t offset = std::uint32_t{data[1]} | std::uint32_t{data[2]} << 8 |
                               std::uint32_t{data[3]} << 16 | std::uint32_t{data[4]} << 24;
  const std::string_view expression(reinterpret_cast<const char*>(data) + 5, size - 5);

  bb::cron::Schedule s;
  try {
    s = bb::cron::parse(expression);
  } catch (const std::invalid_argument&) {
    return 0;
  }
  FUZZ_CHECK(s.seconds.any() && s.minutes.any() && s.hours.any() && s.days_of_month.any() &&
                 s.months.any() && s.days_of_week.any(),
             "a field with no value");
  FUZZ_CHECK(!s.days_of_month[0] && !s.months[0], "day 0 or month 0");

  using namespace std::chrono;
  const system_clock::time_point after =
      system_clock::time_point(seconds(946684800 + static_cast<std::int64_t>(offset))) +
      milliseconds(offset % 1000);
  const auto at = bb::cron::next(s, after, zone);
  if (!at) return 0;
  FUZZ_CHECK(*at > after, "the next run is not after the start");
  FUZZ_CHECK(time_point_cast<seconds>(*at) == *at, "the next run is not on a whole second");
  FUZZ_CHECK(*at - after <= hours(24 * (8 * 366 + 1)), "the next run is more than 8 years away");
  if (zone == "UTC") {
    FUZZ_CHECK(matches_utc(s, time_point_cast<seconds>(*at)),
               "the next run does not match the expression");
    // Nor did any second before it, as far as a short walk goes.
    for (auto t = floor<seconds>(after) + seconds(1); t < *at && t < after + minutes(5);
         t += seconds(1))
      FUZZ_CHECK(!matches_utc(s, t), "an earlier second matches");
  }
  return 0;
}
