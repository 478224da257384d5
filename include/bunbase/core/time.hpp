// UTC timestamps as ISO 8601 text with milliseconds ("2026-11-24T14:30:00.123Z"): sortable as
// text, readable in the database. The framework stores every timestamp this way.
//
//   ctx.db.exec("UPDATE sessions SET expires_at = $1 WHERE id = $2", {bb::iso_in(24h), id});
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

namespace bb {

inline std::string iso_time(std::chrono::system_clock::time_point tp) {
  using namespace std::chrono;
  auto ms = floor<milliseconds>(tp);
  auto day = floor<days>(ms);
  year_month_day ymd{day};
  hh_mm_ss<milliseconds> t{ms - day};
  std::string out = "0000-00-00T00:00:00.000Z";  // filled in place: no printf on the hot path
  auto put = [&](std::size_t pos, unsigned v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) out[pos + i] = static_cast<char>('0' + v % 10);
  };
  put(0, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
  put(5, static_cast<unsigned>(ymd.month()), 2);
  put(8, static_cast<unsigned>(ymd.day()), 2);
  put(11, static_cast<unsigned>(t.hours().count()), 2);
  put(14, static_cast<unsigned>(t.minutes().count()), 2);
  put(17, static_cast<unsigned>(t.seconds().count()), 2);
  put(20, static_cast<unsigned>(t.subseconds().count()), 3);
  return out;
}

inline std::string iso_now() { return iso_time(std::chrono::system_clock::now()); }

// The time iso_time() wrote (milliseconds optional); nullopt for anything else.
inline std::optional<std::chrono::system_clock::time_point> parse_iso_time(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &y, &mo, &d, &h, &mi, &s, &ms) < 6) return std::nullopt;
  // system_clock counts nanoseconds in 64 bits: 1678-2262. Outside a safe margin the sum below
  // would overflow (undefined behaviour), so such text is no time.
  if (y < 1700 || y > 2200 || h < 0 || h > 24 || mi < 0 || mi > 59 || s < 0 || s > 60 || ms < 0 || ms > 999999999)
    return std::nullopt;
  using namespace std::chrono;
  const year_month_day day{year(y), month(static_cast<unsigned>(mo)), std::chrono::day(static_cast<unsigned>(d))};
  if (!day.ok()) return std::nullopt;
  return sys_days(day) + hours(h) + minutes(mi) + seconds(s) + milliseconds(ms);
}
inline std::string iso_in(std::chrono::seconds from_now) {
  return iso_time(std::chrono::system_clock::now() + from_now);
}

}  // namespace bb
