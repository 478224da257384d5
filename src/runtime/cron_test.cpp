#include "bunbase/runtime/cron.hpp"

#include <date/date.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

// Expected times marked "croner" were checked against croner 11.0.1 (tests/js/cron_oracle.mjs).
namespace {

using bb::cron::next;
using bb::cron::parse;
using bb::cron::Schedule;
using Clock = std::chrono::system_clock;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Clock::time_point at(const std::string& iso) {  // "2026-01-01T00:00:00Z"
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char z = 0;
  if (std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d%c", &y, &mo, &d, &h, &mi, &s, &z) != 7 ||
      z != 'Z')
    throw std::invalid_argument(iso);
  const date::sys_days day{date::year{y} / mo / d};
  return Clock::time_point{day + std::chrono::hours{h} + std::chrono::minutes{mi} +
                           std::chrono::seconds{s}};
}

std::string iso(Clock::time_point t) {
  return date::format("%FT%TZ", date::floor<std::chrono::seconds>(t));
}

// The next n run times after `from`, as ISO strings in UTC.
std::vector<std::string> runs(const std::string& expr, const std::string& from, int n = 5,
                              const std::string& zone = "UTC") {
  const Schedule s = parse(expr);
  std::vector<std::string> out;
  Clock::time_point t = at(from);
  for (int i = 0; i < n; ++i) {
    auto r = next(s, t, zone);
    if (!r) break;
    out.push_back(iso(*r));
    t = *r;
  }
  return out;
}

std::string parse_error(const std::string& expr) {
  try {
    parse(expr);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<int> bits(const auto& set) {
  std::vector<int> out;
  for (std::size_t i = 0; i < set.size(); ++i)
    if (set[i]) out.push_back(static_cast<int>(i));
  return out;
}

// ---- parsing ----

TEST(CronParse, FiveFieldsHaveSecondZero) {
  const Schedule s = parse("5 4 3 2 1");
  EXPECT_THAT(bits(s.seconds), ElementsAre(0));
  EXPECT_THAT(bits(s.minutes), ElementsAre(5));
  EXPECT_THAT(bits(s.hours), ElementsAre(4));
  EXPECT_THAT(bits(s.days_of_month), ElementsAre(3));
  EXPECT_THAT(bits(s.months), ElementsAre(2));
  EXPECT_THAT(bits(s.days_of_week), ElementsAre(1));
  EXPECT_TRUE(s.fixed_time);
}

TEST(CronParse, SixFieldsStartWithSeconds) {
  const Schedule s = parse("10,20 5 4 3 2 1");
  EXPECT_THAT(bits(s.seconds), ElementsAre(10, 20));
  EXPECT_THAT(bits(s.minutes), ElementsAre(5));
  EXPECT_FALSE(s.fixed_time);  // two seconds: an interval job
}

TEST(CronParse, StarRangesListsAndSteps) {
  EXPECT_EQ(parse("* * * * *").minutes.count(), 60u);
  EXPECT_THAT(bits(parse("1-3,7-9 * * * *").minutes), ElementsAre(1, 2, 3, 7, 8, 9));
  EXPECT_THAT(bits(parse("*/15 * * * *").minutes), ElementsAre(0, 15, 30, 45));
  EXPECT_THAT(bits(parse("0 9-17/4 * * *").hours), ElementsAre(9, 13, 17));
  EXPECT_THAT(bits(parse("0 5/6 * * *").hours), ElementsAre(5, 11, 17, 23));  // a/n = a-max/n
  EXPECT_THAT(bits(parse("0 0 */10 * *").days_of_month), ElementsAre(1, 11, 21, 31));
  EXPECT_THAT(bits(parse("0 0 1 */5 *").months), ElementsAre(1, 6, 11));
  EXPECT_THAT(bits(parse("  0\t0  1 1 *  ").months), ElementsAre(1));  // any blanks between fields
}

TEST(CronParse, MonthAndDayNamesAnyCase) {
  EXPECT_THAT(bits(parse("0 0 1 JAN,mar,Dec *").months), ElementsAre(1, 3, 12));
  EXPECT_THAT(bits(parse("0 0 1 JAN-MAR *").months), ElementsAre(1, 2, 3));
  EXPECT_THAT(bits(parse("0 0 * * MON-FRI").days_of_week), ElementsAre(1, 2, 3, 4, 5));
  EXPECT_THAT(bits(parse("0 0 * * sun,Sat").days_of_week), ElementsAre(0, 6));
  EXPECT_THAT(bits(parse("0 0 * * FRI-SUN").days_of_week),
              ElementsAre(0, 5, 6));  // SUN ending a range is 7
}

TEST(CronParse, SevenIsSunday) {
  EXPECT_EQ(parse("0 0 * * 7"), parse("0 0 * * 0"));
  EXPECT_EQ(parse("0 0 * * 7"), parse("0 0 * * SUN"));
  EXPECT_THAT(bits(parse("0 0 * * 5-7").days_of_week), ElementsAre(0, 5, 6));
  EXPECT_THAT(bits(parse("0 0 * * */2").days_of_week), ElementsAre(0, 2, 4, 6));
}

TEST(CronParse, Macros) {
  EXPECT_EQ(parse("@yearly"), parse("0 0 1 1 *"));
  EXPECT_EQ(parse("@annually"), parse("0 0 1 1 *"));
  EXPECT_EQ(parse("@monthly"), parse("0 0 1 * *"));
  EXPECT_EQ(parse("@weekly"), parse("0 0 * * 0"));
  EXPECT_EQ(parse("@daily"), parse("0 0 * * *"));
  EXPECT_EQ(parse("@midnight"), parse("0 0 * * *"));
  EXPECT_EQ(parse("@hourly"), parse("0 * * * *"));
  EXPECT_EQ(parse(" @DAILY "), parse("0 0 * * *"));
}

TEST(CronParse, DayFieldStarsFollowVixie) {
  EXPECT_TRUE(parse("0 0 * * 1").day_of_month_star);
  EXPECT_FALSE(parse("0 0 * * 1").day_of_week_star);
  EXPECT_TRUE(parse("0 0 */2 * 1").day_of_month_star);  // `*/2` starts with '*'
  EXPECT_FALSE(parse("0 0 1,15 * 5").day_of_month_star);
}

TEST(CronParse, FixedTimeMeansOneSecondMinuteAndHour) {
  EXPECT_TRUE(parse("30 2 * * *").fixed_time);
  EXPECT_TRUE(parse("0 30 2 * * *").fixed_time);
  EXPECT_TRUE(parse("30 2 1 JAN MON").fixed_time);
  EXPECT_FALSE(parse("30 * * * *").fixed_time);
  EXPECT_FALSE(parse("30 2,14 * * *").fixed_time);
  EXPECT_FALSE(parse("*/30 2 * * *").fixed_time);
  EXPECT_FALSE(parse("* 30 2 * * *").fixed_time);
  EXPECT_FALSE(parse("@hourly").fixed_time);
  EXPECT_TRUE(parse("@daily").fixed_time);
}

// ---- errors ----

TEST(CronParseErrors, FieldCount) {
  EXPECT_THAT(parse_error(""), HasSubstr("empty"));
  EXPECT_THAT(parse_error("   "), HasSubstr("empty"));
  EXPECT_THAT(parse_error("* * * *"), HasSubstr("expected 5 fields"));
  EXPECT_THAT(parse_error("* * * *"), HasSubstr("got 4"));
  EXPECT_THAT(parse_error("0 0 0 * * * 2026"), HasSubstr("got 7"));
}

TEST(CronParseErrors, OutOfRangeNamesTheField) {
  EXPECT_EQ(parse_error("0 0 32 * *"), "cron \"0 0 32 * *\": day-of-month 32 is out of range 1-31");
  EXPECT_EQ(parse_error("60 * * * *"), "cron \"60 * * * *\": minute 60 is out of range 0-59");
  EXPECT_EQ(parse_error("0 0 0 * *"), "cron \"0 0 0 * *\": day-of-month 0 is out of range 1-31");
  EXPECT_EQ(parse_error("0 0 1 13 *"), "cron \"0 0 1 13 *\": month 13 is out of range 1-12");
  EXPECT_THAT(parse_error("0 24 * * *"), HasSubstr("hour 24 is out of range 0-23"));
  EXPECT_THAT(parse_error("0 0 * * 8"), HasSubstr("day-of-week 8 is out of range 0-7"));
  EXPECT_THAT(parse_error("60 0 0 * * *"), HasSubstr("second 60 is out of range 0-59"));
  EXPECT_THAT(parse_error("0-99999999999 * * * *"),
              HasSubstr("minute 99999999999 is out of range"));
}

TEST(CronParseErrors, BadNames) {
  EXPECT_THAT(parse_error("0 0 1 FOO *"), HasSubstr("month \"FOO\" is not a month name"));
  EXPECT_THAT(parse_error("0 0 * * MONDAY"), HasSubstr("day-of-week \"MONDAY\" is not a day name"));
  EXPECT_THAT(parse_error("0 0 * JAN MON-XYZ"), HasSubstr("day-of-week \"XYZ\""));
  EXPECT_THAT(parse_error("MON 0 * * *"), HasSubstr("minute \"MON\" is not a number"));
  EXPECT_THAT(parse_error("0 0 JAN * *"), HasSubstr("day-of-month \"JAN\" is not a number"));
}

TEST(CronParseErrors, Steps) {
  EXPECT_THAT(parse_error("*/0 * * * *"), HasSubstr("minute step 0 is not allowed"));
  EXPECT_THAT(parse_error("*/ * * * *"), HasSubstr("minute step \"\" is not a positive number"));
  EXPECT_THAT(parse_error("*/x * * * *"), HasSubstr("minute step \"x\""));
  EXPECT_THAT(parse_error("0 */25 * * *"), HasSubstr("hour step 25 is larger than"));
  EXPECT_THAT(parse_error("/5 * * * *"), HasSubstr("nothing before '/'"));
  EXPECT_THAT(parse_error("1/2/3 * * * *"), HasSubstr("more than one '/'"));
}

TEST(CronParseErrors, ReversedRangeAndGarbage) {
  EXPECT_EQ(parse_error("5-1 * * * *"),
            "cron \"5-1 * * * *\": minute range 5-1 is reversed (5 > 1)");
  EXPECT_THAT(parse_error("0 0 * * FRI-MON"), HasSubstr("day-of-week range FRI-MON is reversed"));
  EXPECT_THAT(parse_error("0 0 1- * *"), HasSubstr("day-of-month has a range with a missing end"));
  EXPECT_THAT(parse_error("1,,2 * * * *"), HasSubstr("minute \"1,,2\" has an empty list element"));
  EXPECT_THAT(parse_error("0 0 * * 1,"), HasSubstr("day-of-week \"1,\" has an empty list element"));
  EXPECT_THAT(parse_error("0 0 * * 1!"), HasSubstr("day-of-week \"1!\" contains '!'"));
  EXPECT_THAT(parse_error("0 0 ? * 1"), HasSubstr("day-of-month \"?\" contains '?'"));
  EXPECT_THAT(parse_error("0 0 * * 5#3"), HasSubstr("contains '#'"));
  EXPECT_THAT(parse_error("0 0 L * *"), HasSubstr("day-of-month \"L\" is not a number"));
  EXPECT_THAT(parse_error("0 0 15W * *"),
              HasSubstr("day-of-month \"15W\" is not a number or name"));
  EXPECT_THAT(parse_error("*5 * * * *"), HasSubstr("minute \"*5\" is not a number or name"));
  EXPECT_THAT(parse_error("1-2-3 * * * *"), HasSubstr("minute \"2-3\""));
}

TEST(CronParseErrors, Macros) {
  EXPECT_THAT(parse_error("@reboot"), HasSubstr("@reboot has no next run time"));
  EXPECT_THAT(parse_error("@often"), HasSubstr("unknown macro @often"));
  EXPECT_THAT(parse_error("@daily 5"), HasSubstr("unknown macro"));
}

TEST(CronZone, CheckZone) {
  EXPECT_NO_THROW(bb::cron::check_zone("UTC"));
  EXPECT_NO_THROW(bb::cron::check_zone("Europe/Paris"));
  EXPECT_NO_THROW(bb::cron::check_zone("Asia/Kolkata"));
  for (const char* bad : {"Mars/Olympus", "", "europe/paris", "../../etc/passwd"}) {
    try {
      bb::cron::check_zone(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), HasSubstr("unknown time zone \"" + std::string(bad) + "\""));
    }
  }
  EXPECT_THROW(next(parse("@daily"), at("2026-01-01T00:00:00Z"), "Mars/Olympus"),
               std::invalid_argument);
}

// ---- next ----

TEST(CronNext, StrictlyAfterAndWholeSeconds) {
  EXPECT_THAT(runs("0 * * * *", "2026-01-01T10:00:00Z", 2),
              ElementsAre("2026-01-01T11:00:00Z", "2026-01-01T12:00:00Z"));
  const Schedule every_second = parse("* * * * * *");
  auto r = next(every_second, at("2026-01-01T10:00:00Z") + std::chrono::milliseconds(500));
  ASSERT_TRUE(r);
  EXPECT_EQ(iso(*r), "2026-01-01T10:00:01Z");
  EXPECT_EQ(*r, at("2026-01-01T10:00:01Z"));  // no fraction left over
}

TEST(CronNext, ReferenceFixtures) {  // docs/refs/cron.md, croner and cron-parser agree
  EXPECT_THAT(runs("0 0 13 * 5", "2026-01-01T00:00:00Z"),
              ElementsAre("2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z",
                          "2026-01-16T00:00:00Z", "2026-01-23T00:00:00Z"));
  EXPECT_THAT(runs("15 9-17/4 * JAN-MAR MON-FRI", "2026-01-01T00:00:00Z", 4),
              ElementsAre("2026-01-01T09:15:00Z", "2026-01-01T13:15:00Z", "2026-01-01T17:15:00Z",
                          "2026-01-02T09:15:00Z"));
  EXPECT_THAT(runs("*/20 * * * * *", "2026-01-01T00:00:00Z", 3),
              ElementsAre("2026-01-01T00:00:20Z", "2026-01-01T00:00:40Z", "2026-01-01T00:01:00Z"));
  EXPECT_THAT(runs("0 0 * * 7", "2026-01-01T00:00:00Z", 2),
              ElementsAre("2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"));
  EXPECT_THAT(runs("@weekly", "2026-01-01T00:00:00Z", 2),
              ElementsAre("2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"));
}

TEST(CronNext, MonthEnds) {
  EXPECT_THAT(runs("0 0 31 * *", "2026-01-31T00:00:00Z", 4),
              ElementsAre("2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z",
                          "2026-08-31T00:00:00Z"));
  EXPECT_THAT(runs("59 23 30 * *", "2026-01-30T23:59:00Z", 2),
              ElementsAre("2026-03-30T23:59:00Z", "2026-04-30T23:59:00Z"));
  EXPECT_THAT(runs("0 0 1 * *", "2026-12-15T00:00:00Z", 2),
              ElementsAre("2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"));
  EXPECT_THAT(runs("59 59 23 31 12 *", "2026-06-01T00:00:00Z", 2),
              ElementsAre("2026-12-31T23:59:59Z", "2027-12-31T23:59:59Z"));
}

TEST(CronNext, LeapYears) {
  EXPECT_THAT(runs("0 0 29 2 *", "2026-01-01T00:00:00Z", 3),
              ElementsAre("2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", "2036-02-29T00:00:00Z"));
  // 2100 is not a leap year: the next Feb 29 after 2096 is 8 years on, still within the horizon.
  EXPECT_THAT(runs("0 0 29 2 *", "2096-03-01T00:00:00Z", 1), ElementsAre("2104-02-29T00:00:00Z"));
  EXPECT_THAT(runs("0 12 28-29 FEB *", "2027-02-28T12:00:00Z", 3),
              ElementsAre("2028-02-28T12:00:00Z", "2028-02-29T12:00:00Z", "2029-02-28T12:00:00Z"));
}

TEST(CronNext, ImpossibleDatesHaveNoNextRun) {
  EXPECT_FALSE(next(parse("0 0 30 2 *"), at("2026-01-01T00:00:00Z")));
  EXPECT_FALSE(next(parse("0 0 31 4,6,9,11 *"), at("2026-01-01T00:00:00Z"), "Europe/Paris"));
  // A restricted day-of-week ORs in: Feb 30 or any Monday in February.
  EXPECT_THAT(runs("0 0 30 2 MON", "2026-01-01T00:00:00Z", 1), ElementsAre("2026-02-02T00:00:00Z"));
}

TEST(CronNext, VixieDayRule) {
  // Both restricted: the 1st, the 15th and every Friday (OR).
  EXPECT_THAT(runs("30 4 1,15 * 5", "2026-01-01T00:00:00Z", 6),
              ElementsAre("2026-01-01T04:30:00Z", "2026-01-02T04:30:00Z", "2026-01-09T04:30:00Z",
                          "2026-01-15T04:30:00Z", "2026-01-16T04:30:00Z", "2026-01-23T04:30:00Z"));
  // One is `*`: the other decides.
  EXPECT_THAT(runs("0 0 * * MON", "2026-01-01T00:00:00Z", 2),
              ElementsAre("2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z"));
  EXPECT_THAT(runs("0 0 13 * *", "2026-01-01T00:00:00Z", 2),
              ElementsAre("2026-01-13T00:00:00Z", "2026-02-13T00:00:00Z"));
  // `*/2` starts with '*', so the fields are ANDed: Mondays on odd dates (croner would OR them).
  EXPECT_THAT(runs("0 0 */2 * 1", "2026-01-01T00:00:00Z", 3),
              ElementsAre("2026-01-05T00:00:00Z", "2026-01-19T00:00:00Z", "2026-02-09T00:00:00Z"));
  // "Friday the 13th" cannot be said: both fields restricted means every Friday and every 13th.
  EXPECT_THAT(runs("0 0 13 * FRI", "2026-02-01T00:00:00Z", 3),
              ElementsAre("2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z", "2026-02-20T00:00:00Z"));
}

TEST(CronNext, SecondsField) {
  EXPECT_THAT(runs("5,35 * * * * *", "2026-01-01T00:00:00Z", 4),
              ElementsAre("2026-01-01T00:00:05Z", "2026-01-01T00:00:35Z", "2026-01-01T00:01:05Z",
                          "2026-01-01T00:01:35Z"));
  EXPECT_THAT(runs("58-59 59 23 * * *", "2026-01-31T23:59:58Z", 2),
              ElementsAre("2026-01-31T23:59:59Z", "2026-02-01T23:59:58Z"));
}

TEST(CronNext, Macros) {
  EXPECT_THAT(runs("@hourly", "2026-01-01T00:30:00Z", 2),
              ElementsAre("2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"));
  EXPECT_THAT(runs("@daily", "2026-01-01T00:00:00Z", 2),
              ElementsAre("2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"));
  EXPECT_THAT(runs("@midnight", "2026-01-01T00:00:00Z", 1, "Europe/Paris"),
              ElementsAre("2026-01-01T23:00:00Z"));
  EXPECT_THAT(runs("@monthly", "2026-01-15T00:00:00Z", 2),
              ElementsAre("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"));
  EXPECT_THAT(runs("@yearly", "2026-01-15T00:00:00Z", 2),
              ElementsAre("2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"));
  EXPECT_THAT(runs("@annually", "2026-01-15T00:00:00Z", 1, "Asia/Kolkata"),
              ElementsAre("2026-12-31T18:30:00Z"));
}

TEST(CronNext, FixedOffsetZones) {
  // Asia/Kolkata is +05:30 all year: 09:00 IST is 03:30Z.
  EXPECT_THAT(runs("0 9 * * *", "2026-01-01T00:00:00Z", 2, "Asia/Kolkata"),
              ElementsAre("2026-01-01T03:30:00Z", "2026-01-02T03:30:00Z"));
  EXPECT_THAT(runs("*/45 * * * *", "2026-01-01T00:00:00Z", 3, "Asia/Kolkata"),
              ElementsAre("2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T01:15:00Z"));
  // The local day starts at 18:30Z the day before.
  EXPECT_THAT(runs("0 0 1 * *", "2026-01-01T00:00:00Z", 1, "Asia/Kolkata"),
              ElementsAre("2026-01-31T18:30:00Z"));
}

// ---- daylight saving (see the rules in cron.hpp) ----

TEST(CronDst, ParisGapFixedTimeRunsAtTheEndOfTheGap) {  // croner
  // 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00Z). 02:30 does not exist: run at 03:00 CEST.
  EXPECT_THAT(runs("30 2 * * *", "2026-03-27T12:00:00Z", 4, "Europe/Paris"),
              ElementsAre("2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z",
                          "2026-03-31T00:30:00Z"));
  // The same from just before the transition instant, and with a seconds field.
  EXPECT_THAT(runs("30 2 * * *", "2026-03-29T00:59:59Z", 1, "Europe/Paris"),
              ElementsAre("2026-03-29T01:00:00Z"));
  EXPECT_THAT(runs("10 30 2 * * *", "2026-03-29T00:00:00Z", 1, "Europe/Paris"),
              ElementsAre("2026-03-29T01:00:00Z"));
  // From the transition instant itself: that run is done.
  EXPECT_THAT(runs("30 2 * * *", "2026-03-29T01:00:00Z", 1, "Europe/Paris"),
              ElementsAre("2026-03-30T00:30:00Z"));
}

TEST(CronDst, ParisGapIntervalJobsSkipMissingTimes) {  // croner
  EXPECT_THAT(runs("30 * * * *", "2026-03-29T00:00:00Z", 3, "Europe/Paris"),
              ElementsAre("2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z", "2026-03-29T02:30:00Z"));
  // Two hours listed: an interval job, so 02:30 is skipped (croner's "single-value" rule).
  EXPECT_THAT(runs("30 2,14 * * *", "2026-03-28T12:00:00Z", 3, "Europe/Paris"),
              ElementsAre("2026-03-28T13:30:00Z", "2026-03-29T12:30:00Z", "2026-03-30T00:30:00Z"));
}

TEST(CronDst, ParisOverlapFixedTimeRunsOnceAtTheFirstOccurrence) {  // croner
  // 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00Z); 02:00-03:00 happens twice.
  EXPECT_THAT(runs("30 2 * * *", "2026-10-24T12:00:00Z", 3, "Europe/Paris"),
              ElementsAre("2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-27T01:30:00Z"));
  // Starting between the two occurrences: the second one is not a run.
  EXPECT_THAT(runs("30 2 * * *", "2026-10-25T00:45:00Z", 1, "Europe/Paris"),
              ElementsAre("2026-10-26T01:30:00Z"));
  EXPECT_THAT(runs("30 2 * * *", "2026-10-25T01:10:00Z", 1, "Europe/Paris"),
              ElementsAre("2026-10-26T01:30:00Z"));
}

TEST(CronDst, ParisOverlapIntervalJobsRunAtBothOccurrences) {  // croner
  EXPECT_THAT(runs("30 * * * *", "2026-10-24T23:00:00Z", 4, "Europe/Paris"),
              ElementsAre("2026-10-24T23:30:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z",
                          "2026-10-25T02:30:00Z"));
  EXPECT_THAT(runs("30 * * * *", "2026-10-25T00:45:00Z", 1, "Europe/Paris"),
              ElementsAre("2026-10-25T01:30:00Z"));
}

TEST(CronDst, NewYork) {  // croner; docs/refs/cron.md
  // Gap 02:00-03:00 EST->EDT on 2026-03-08: `30 2` runs at 03:00 EDT (07:00Z).
  EXPECT_THAT(runs("30 2 * * *", "2026-03-07T12:00:00Z", 3, "America/New_York"),
              ElementsAre("2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"));
  // Overlap 01:00-02:00 on 2026-11-01: `30 1` once at the first (EDT) occurrence, 05:30Z.
  EXPECT_THAT(runs("30 1 * * *", "2026-10-31T12:00:00Z", 2, "America/New_York"),
              ElementsAre("2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"));
  // `30 * * * *` skips 02:30 in March and runs both 01:30s in November.
  EXPECT_THAT(runs("30 * * * *", "2026-03-08T05:00:00Z", 3, "America/New_York"),
              ElementsAre("2026-03-08T05:30:00Z", "2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z"));
  EXPECT_THAT(runs("30 * * * *", "2026-11-01T04:00:00Z", 4, "America/New_York"),
              ElementsAre("2026-11-01T04:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z",
                          "2026-11-01T07:30:00Z"));
}

TEST(CronDst, LordHoweHalfHourShift) {  // croner
  // Australia/Lord_Howe moves by 30 minutes: +10:30 -> +11 at 02:00 on 2026-10-04 (15:30Z), and
  // +11 -> +10:30 at 02:00 on 2026-04-05 (15:00Z), repeating 01:30-02:00.
  EXPECT_THAT(runs("15 2 * * *", "2026-10-03T00:00:00Z", 2, "Australia/Lord_Howe"),
              ElementsAre("2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"));
  EXPECT_THAT(runs("*/20 * * * *", "2026-10-03T15:00:00Z", 3, "Australia/Lord_Howe"),
              ElementsAre("2026-10-03T15:10:00Z", "2026-10-03T15:40:00Z", "2026-10-03T16:00:00Z"));
  EXPECT_THAT(runs("45 1 * * *", "2026-04-04T00:00:00Z", 2, "Australia/Lord_Howe"),
              ElementsAre("2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"));
  EXPECT_THAT(runs("45 * * * *", "2026-04-04T14:00:00Z", 3, "Australia/Lord_Howe"),
              ElementsAre("2026-04-04T14:45:00Z", "2026-04-04T15:15:00Z", "2026-04-04T16:15:00Z"));
}

TEST(CronDst, LocalDaysFollowTheZone) {
  // Midnight in Paris is 23:00Z in winter and 22:00Z in summer.
  EXPECT_THAT(runs("0 0 * * *", "2026-03-27T12:00:00Z", 3, "Europe/Paris"),
              ElementsAre("2026-03-27T23:00:00Z", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"));
  EXPECT_THAT(runs("0 12 * * MON", "2026-03-25T00:00:00Z", 2, "America/New_York"),
              ElementsAre("2026-03-30T16:00:00Z", "2026-04-06T16:00:00Z"));
}

}  // namespace
