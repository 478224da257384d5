// UTC timestamps as ISO 8601 text with milliseconds ("2026-11-24T14:30:00.123Z"): sortable as
// text, readable in the database.
#pragma once

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace bb::util {

inline std::string iso_time(std::chrono::system_clock::time_point tp) {
  auto ms = std::chrono::floor<std::chrono::milliseconds>(tp);
  auto secs = std::chrono::floor<std::chrono::seconds>(ms);
  std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>((ms - secs).count()));
  return buf;
}

inline std::string iso_now() { return iso_time(std::chrono::system_clock::now()); }

}  // namespace bb::util
