// bb::cron against an independent oracle: croner (tests/js, pinned in package.json) and our
// tests/apps/cron-next read the same JSON lines {expr, zone, from, count} and print the next
// `count` run times; every line must agree. The cases are a deterministic pseudo-random mix of
// fields (values, ranges, steps, lists, names, seconds) over zones with and without daylight
// saving, plus fixed-time and interval jobs started just before each 2026 transition.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <ctime>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/support/process.hpp"

namespace bbit {
namespace {

namespace json = boost::json;

const std::string kNode = BUNBASE_NODE_BIN;
const std::string kJs = BUNBASE_JS_DIR;
const std::string kCronNext = BUNBASE_CRON_NEXT_BIN;
constexpr int kCount = 5;

struct Case {
  std::string expr;
  std::string zone;
  std::string from;  // ISO 8601, UTC
};

std::string iso(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::int64_t unix_time(int y, int mo, int d, int h = 0, int mi = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return static_cast<std::int64_t>(timegm(&tm));
}

// A small deterministic generator (splitmix64): the same cases on every machine.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int between(int lo, int hi) {
    return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool chance(int percent) { return between(1, 100) <= percent; }

 private:
  std::uint64_t state_;
};

const std::vector<std::string> kMonths{"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
const std::vector<std::string> kDays{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

// One field: *, */n, a, a-b, a-b/n, a/n, or a list; names for months and days half the time.
std::string field(Rng& r, int lo, int hi, const std::vector<std::string>* names = nullptr) {
  auto value = [&](int v) {
    if (names && r.chance(50)) return (*names)[static_cast<std::size_t>(v - lo) % names->size()];
    return std::to_string(v);
  };
  const int span = hi - lo;
  switch (r.between(0, 7)) {
    case 0:
      return "*";
    case 1:
      return "*/" + std::to_string(r.between(1, std::max(1, span / 2)));
    case 2: {
      const int a = r.between(lo, hi);
      return value(a) + "-" + value(r.between(a, hi));
    }
    case 3: {
      const int a = r.between(lo, hi);
      return std::to_string(a) + "-" + std::to_string(r.between(a, hi)) + "/" +
             std::to_string(r.between(1, std::max(1, span / 3)));
    }
    case 4: {
      std::string list;
      for (int i = r.between(2, 4); i > 0; --i)
        list += (list.empty() ? "" : ",") + value(r.between(lo, hi));
      return list;
    }
    case 5:
      return std::to_string(r.between(lo, hi)) + "/" +
             std::to_string(r.between(1, std::max(1, span / 2)));
    default:
      return value(r.between(lo, hi));
  }
}

const std::vector<std::string> kZones{"UTC",
                                      "Europe/Paris",
                                      "America/New_York",
                                      "Australia/Lord_Howe",
                                      "Asia/Kolkata",
                                      "America/Santiago",
                                      "Pacific/Chatham",
                                      "Europe/London",
                                      "America/St_Johns",
                                      "Asia/Kathmandu",
                                      "Africa/Cairo",
                                      "America/Havana"};

// 2026's transitions (UTC) of the zones with daylight saving, from the tz database.
const std::map<std::string, std::vector<std::int64_t>> kTransitions{
    {"Europe/Paris", {unix_time(2026, 3, 29, 1), unix_time(2026, 10, 25, 1)}},
    {"Europe/London", {unix_time(2026, 3, 29, 1), unix_time(2026, 10, 25, 1)}},
    {"America/New_York", {unix_time(2026, 3, 8, 7), unix_time(2026, 11, 1, 6)}},
    {"Australia/Lord_Howe", {unix_time(2026, 4, 4, 15), unix_time(2026, 10, 3, 15, 30)}},
    {"America/Santiago", {unix_time(2026, 4, 5, 3), unix_time(2026, 9, 6, 4)}},
    {"Pacific/Chatham", {unix_time(2026, 4, 4, 14), unix_time(2026, 9, 26, 14)}},
    {"America/St_Johns", {unix_time(2026, 3, 8, 5, 30), unix_time(2026, 11, 1, 4, 30)}},
    {"Africa/Cairo", {unix_time(2026, 4, 23, 22), unix_time(2026, 10, 29, 21)}},
    {"America/Havana", {unix_time(2026, 3, 8, 5), unix_time(2026, 11, 1, 5)}},
};

std::vector<Case> random_cases(int n) {
  Rng r(20260101);
  std::vector<Case> out;
  for (int i = 0; i < n; ++i) {
    std::string expr = field(r, 0, 59) + " " + field(r, 0, 23) + " " + field(r, 1, 31) + " " +
                       field(r, 1, 12, &kMonths) + " " + field(r, 0, 7, &kDays);
    if (r.chance(30)) expr = field(r, 0, 59) + " " + expr;
    const std::string& zone =
        kZones[static_cast<std::size_t>(r.between(0, static_cast<int>(kZones.size()) - 1))];
    std::int64_t from = unix_time(2026, 1, 1) +
                        static_cast<std::int64_t>(r.between(0, 730 * 24)) * 3600 +
                        r.between(0, 3599);
    // A third start a few hours before one of the zone's transitions.
    if (auto t = kTransitions.find(zone); t != kTransitions.end() && r.chance(33))
      from = t->second[static_cast<std::size_t>(r.between(0, 1))] - r.between(0, 6 * 3600);
    out.push_back({expr, zone, iso(from)});
  }
  return out;
}

std::vector<Case> dst_cases() {
  // Fixed-time jobs inside and around the gaps and overlaps (Lord Howe's shift is 30 minutes,
  // Chatham's is at 02:45/03:45, Santiago's, Cairo's and Havana's at midnight), started the day
  // before a transition; interval jobs started a few hours before it.
  const std::vector<std::string> daily{
      "30 2 * * *",   "0 2 * * *",    "15 2 * * *",    "45 2 * * *",
      "30 1 * * *",   "0 1 * * *",    "45 1 * * *",    "0 0 * * *",
      "30 0 * * *",   "0 3 * * *",    "0 30 2 * * *",  "10 15 1 * * *",
      "0 45 2 * * *", "30 2 * * SUN", "30 2 1-31 * *", "@daily"};
  const std::vector<std::string> interval{"30 * * * *",     "*/15 * * * *", "0 * * * *",
                                          "30 2,14 * * *",  "45 1-2 * * *", "15,45 2 * * *",
                                          "*/20 * * * * *", "@hourly"};
  std::vector<Case> out;
  for (const auto& [zone, transitions] : kTransitions)
    for (std::int64_t t : transitions) {
      for (const auto& e : daily) out.push_back({e, zone, iso(t - 26 * 3600 + 17)});
      for (const auto& e : interval) out.push_back({e, zone, iso(t - 3 * 3600 + 17)});
    }
  return out;
}

// croner ORs the day fields whenever neither is exactly `*`; Vixie (and bb::cron, see cron.hpp)
// ANDs them when either starts with `*`, so `*/2` in a day field is a documented difference.
// croner's `7/n` in day-of-week is empty (its a/n stops at 6) where ours is Sunday onwards.
std::string excluded(const std::string& expr) {
  std::vector<std::string> f;
  std::istringstream in(expr);
  for (std::string w; in >> w;) f.push_back(w);
  if (f.size() < 5) return "";
  const std::string& dom = f[f.size() - 3];
  const std::string& dow = f[f.size() - 1];
  if (dom != "*" && dow != "*" && (dom[0] == '*' || dow[0] == '*'))
    return "day fields: Vixie AND vs croner OR";
  if (dow.starts_with("7/") || dow.find(",7/") != std::string::npos) return "day-of-week 7/n";
  return "";
}

std::vector<std::string> run_lines(const std::string& command, const std::vector<Case>& cases,
                                   TempDir& dir, const std::string& name) {
  std::string input;
  for (const Case& c : cases)
    input += json::serialize(json::object{
                 {"expr", c.expr}, {"zone", c.zone}, {"from", c.from}, {"count", kCount}}) +
             "\n";
  write_file(dir / "cases.jsonl", input);
  auto done = run_to_end("/bin/sh", {"-c", command + " < cases.jsonl"},
                         {.cwd = dir.path(), .name = name}, std::chrono::seconds(60));
  EXPECT_EQ(done.code, 0) << name << ": " << done.err;
  std::vector<std::string> lines;
  std::istringstream out(done.out);
  for (std::string l; std::getline(out, l);) lines.push_back(l);
  return lines;
}

// Runs both programs on the cases and compares them line by line.
void compare(const std::vector<Case>& cases, const std::string& label) {
  TempDir dir;
  const auto ours = run_lines("'" + kCronNext + "'", cases, dir, "cron-next");
  const auto theirs =
      run_lines("'" + kNode + "' '" + kJs + "/cron_oracle.mjs'", cases, dir, "croner");
  ASSERT_EQ(ours.size(), cases.size());
  ASSERT_EQ(theirs.size(), cases.size());
  int compared = 0, skipped = 0, disagreements = 0, runs = 0;
  std::map<std::string, int> zones;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    if (!excluded(c.expr).empty()) {
      ++skipped;
      continue;
    }
    const json::object a = json::parse(ours[i]).as_object();
    const json::object b = json::parse(theirs[i]).as_object();
    ++compared;
    ++zones[c.zone];
    EXPECT_FALSE(a.contains("error")) << c.expr << ": " << ours[i];
    EXPECT_FALSE(b.contains("error")) << c.expr << ": " << theirs[i];
    if (a.contains("times")) runs += static_cast<int>(a.at("times").as_array().size());
    if (a != b) {
      ++disagreements;
      ADD_FAILURE() << "\"" << c.expr << "\" in " << c.zone << " after " << c.from
                    << "\n  bb::cron: " << ours[i] << "\n  croner:   " << theirs[i];
    }
  }
  std::cout << "[ CronOracle ] " << label << ": " << compared << " expressions compared over "
            << zones.size() << " zones (" << runs << " run times), " << skipped
            << " excluded by design, " << disagreements << " disagreements\n";
  EXPECT_GE(compared, static_cast<int>(cases.size()) * 3 / 4);
}

TEST(CronOracle, RandomExpressionsAgreeWithCroner) { compare(random_cases(400), "random"); }

TEST(CronOracle, DaylightSavingTransitionsAgreeWithCroner) { compare(dst_cases(), "DST"); }

TEST(CronOracle, BothRejectInvalidExpressions) {
  const std::vector<std::string> bad{"* * * *",     "60 * * * *", "0 0 0 * *",   "0 0 32 * *",
                                     "0 0 1 13 *",  "0 0 * * 8",  "*/0 * * * *", "5-1 * * * *",
                                     "0 0 * FOO *", "0 0 * * 1!", "@reboot",     "0 0 * * MONDAY"};
  std::vector<Case> cases;
  for (const auto& e : bad) cases.push_back({e, "UTC", "2026-01-01T00:00:00Z"});
  TempDir dir;
  const auto ours = run_lines("'" + kCronNext + "'", cases, dir, "cron-next");
  const auto theirs =
      run_lines("'" + kNode + "' '" + kJs + "/cron_oracle.mjs'", cases, dir, "croner");
  ASSERT_EQ(ours.size(), cases.size());
  ASSERT_EQ(theirs.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_TRUE(json::parse(ours[i]).as_object().contains("error")) << bad[i] << ": " << ours[i];
    EXPECT_TRUE(json::parse(theirs[i]).as_object().contains("error"))
        << bad[i] << ": " << theirs[i];
  }
}

TEST(CronOracle, UnknownZoneIsAnError) {
  TempDir dir;
  const auto ours =
      run_lines("'" + kCronNext + "'", {{"@daily", "Mars/Olympus", "2026-01-01T00:00:00Z"}}, dir,
                "cron-next");
  ASSERT_EQ(ours.size(), 1u);
  EXPECT_NE(ours[0].find("unknown time zone \\\"Mars/Olympus\\\""), std::string::npos) << ours[0];
}

}  // namespace
}  // namespace bbit
