// cron-next: prints bb::cron's next run times, the counterpart of tests/js/cron_oracle.mjs.
// stdin: JSON lines {expr, zone, from (ISO 8601, UTC), count}; stdout, one line per input line:
// {"times": ["2026-01-01T09:15:00Z", ...]} or {"error": "..."}.
//
//   echo '{"expr":"@daily","zone":"Europe/Paris","from":"2026-01-01T00:00:00Z","count":3}' |
//   cron-next
#include <date/date.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>

#include "bunbase/runtime/cron.hpp"

namespace {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

// "2026-01-01T00:00:00Z" or "2026-01-01T00:00:00.250Z".
Clock::time_point parse_iso(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, n = 0;
  double s = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%lf%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
      text.substr(static_cast<std::size_t>(n)) != "Z")
    throw std::invalid_argument("bad ISO 8601 UTC time \"" + text + "\"");
  const date::sys_days day{date::year{y} / mo / d};
  return Clock::time_point{day + std::chrono::hours{h} + std::chrono::minutes{mi}} +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>{s});
}

std::string iso(Clock::time_point t) {
  return date::format("%FT%TZ", date::floor<std::chrono::seconds>(t));
}

json::object answer(const std::string& line) {
  const json::object in = json::parse(line).as_object();
  const bb::cron::Schedule s = bb::cron::parse(std::string(in.at("expr").as_string()));
  const std::string zone(in.at("zone").as_string());
  Clock::time_point from = parse_iso(std::string(in.at("from").as_string()));
  json::array times;
  for (auto n = in.at("count").to_number<int>(); n > 0; --n) {
    auto at = bb::cron::next(s, from, zone);
    if (!at) break;
    times.emplace_back(iso(*at));
    from = *at;
  }
  return {{"times", std::move(times)}};
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json::object out;
    try {
      out = answer(line);
    } catch (const std::exception& e) {
      out = {{"error", e.what()}};
    }
    std::cout << json::serialize(out) << '\n';
  }
  return 0;
}
