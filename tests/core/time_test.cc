#include "core/time.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <utility>

#include "core/clock.h"

namespace clv {
namespace {

UnixMicros At(std::string_view text, TimestampOptions options = {}) {
  auto r = ParseTimestamp(text, options);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : -1;
}

std::string Error(std::string_view text, TimestampOptions options = {}) {
  auto r = ParseTimestamp(text, options);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.status().message();
}

// 2024-05-01T10:20:30Z, computed independently: 19844 days after the epoch (date -u -d).
constexpr UnixMicros kMay1 = (19844LL * 86400 + 10 * 3600 + 20 * 60 + 30) * 1'000'000;

TEST(CivilTest, DaysFromCivilMatchesKnownDates) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(2024, 5, 1), 19844);
  EXPECT_EQ(DaysFromCivil(1900, 1, 1), -25567);
  EXPECT_EQ(DaysFromCivil(2100, 1, 1), 47482);
  static_assert(DaysFromCivil(2024, 2, 29) + 1 == DaysFromCivil(2024, 3, 1));
}

TEST(CivilTest, CivilFromDaysInvertsEveryDayOf1600To2400) {
  for (std::int64_t d = DaysFromCivil(1600, 1, 1); d <= DaysFromCivil(2400, 12, 31); ++d) {
    CivilDay c = CivilFromDays(d);
    ASSERT_GE(c.month, 1);
    ASSERT_LE(c.day, DaysInMonth(c.year, c.month));
    ASSERT_EQ(DaysFromCivil(c.year, c.month, c.day), d);
  }
}

TEST(CivilTest, LeapYears) {
  EXPECT_TRUE(IsLeapYear(2024));
  EXPECT_TRUE(IsLeapYear(2000));
  EXPECT_FALSE(IsLeapYear(1900));
  EXPECT_FALSE(IsLeapYear(2100));
  EXPECT_FALSE(IsLeapYear(2023));
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2023, 2), 28);
  EXPECT_EQ(DaysInMonth(2000, 2), 29);
  EXPECT_EQ(DaysInMonth(1900, 2), 28);
  EXPECT_EQ(DaysInMonth(2023, 4), 30);
  EXPECT_EQ(DaysInMonth(2023, 13), 0);
}

TEST(CivilTest, UtcDayRoundsDown) {
  EXPECT_EQ(UtcDayOf(0), 0);
  EXPECT_EQ(UtcDayOf(-1), -1);
  EXPECT_EQ(UtcDayOf(kMicrosPerDay - 1), 0);
  EXPECT_EQ(UtcDayOf(kMay1), 19844);
  EXPECT_EQ(FloorDiv(-7, 2), -4);
  EXPECT_EQ(FloorDiv(7, 2), 3);
}

TEST(CivilTest, FloorSecondsRoundsDown) {
  EXPECT_EQ(FloorSeconds(0), 0);
  EXPECT_EQ(FloorSeconds(kMicrosPerSecond - 1), 0);
  EXPECT_EQ(FloorSeconds(-1), -1);
  EXPECT_EQ(FloorSeconds(-kMicrosPerSecond), -1);
  EXPECT_EQ(FloorSeconds(-kMicrosPerSecond - 1), -2);
  EXPECT_EQ(FloorSeconds(kMay1 + 1), kMay1 / kMicrosPerSecond);
}

TEST(TimeParseTest, AcceptsRfc3339AndCommonIso8601Forms) {
  EXPECT_EQ(At("2024-05-01T10:20:30Z"), kMay1);
  EXPECT_EQ(At("2024-05-01t10:20:30z"), kMay1);
  EXPECT_EQ(At("2024-05-01 10:20:30Z"), kMay1);
  EXPECT_EQ(At("2024-05-01T12:20:30+02:00"), kMay1);
  EXPECT_EQ(At("2024-05-01T04:50:30-0530"), kMay1);
  EXPECT_EQ(At("2024-05-01T13:20:30+03"), kMay1);
  EXPECT_EQ(At("2024-05-01T10:20:30-00:00"), kMay1);
  EXPECT_EQ(At("2024-05-01T10:20Z"), kMay1 - 30 * kMicrosPerSecond);
  EXPECT_EQ(At("2024-05-01T10:20:30.5Z"), kMay1 + 500000);
  EXPECT_EQ(At("2024-05-01T10:20:30,25Z"), kMay1 + 250000);
  EXPECT_EQ(At("2024-05-01T10:20:30.123456Z"), kMay1 + 123456);
  // Digits below a microsecond are truncated.
  EXPECT_EQ(At("2024-05-01T10:20:30.123456789Z"), kMay1 + 123456);
  // An offset crossing midnight and a year boundary.
  EXPECT_EQ(At("2024-01-01T01:00:00+02:00"), At("2023-12-31T23:00:00Z"));
  EXPECT_EQ(At("1969-12-31T23:59:59.999999Z"), -1);
  EXPECT_EQ(At("1970-01-01T00:00:00Z"), 0);
}

TEST(TimeParseTest, LeapDaysAndLeapSeconds) {
  EXPECT_EQ(At("2024-02-29T00:00:00Z"), MidnightUtc(2024, 2, 29));
  EXPECT_EQ(At("2000-02-29T00:00:00Z"), MidnightUtc(2000, 2, 29));
  EXPECT_EQ(Error("2023-02-29T00:00:00Z"),
            "'2023-02-29T00:00:00Z' is not a valid date: February 2023 has 28 days");
  EXPECT_EQ(Error("1900-02-29T00:00:00Z"),
            "'1900-02-29T00:00:00Z' is not a valid date: February 1900 has 28 days");
  EXPECT_EQ(Error("2024-04-31T00:00:00Z"),
            "'2024-04-31T00:00:00Z' is not a valid date: April 2024 has 30 days");
  // 2016-12-31T23:59:60Z was a real leap second: clamped to the last microsecond before 2017.
  EXPECT_EQ(At("2016-12-31T23:59:60Z"), MidnightUtc(2017, 1, 1) - 1);
}

TEST(TimeParseTest, RejectsOutOfRangeFields) {
  EXPECT_EQ(Error("2024-13-01T00:00:00Z"),
            "'2024-13-01T00:00:00Z' is not a valid date: month 13 is not in 1..12");
  EXPECT_EQ(Error("2024-00-01T00:00:00Z"),
            "'2024-00-01T00:00:00Z' is not a valid date: month 0 is not in 1..12");
  EXPECT_EQ(Error("2024-05-00T00:00:00Z"),
            "'2024-05-00T00:00:00Z' is not a valid date: May 2024 has 31 days");
  EXPECT_EQ(Error("2024-05-01T24:00:00Z"),
            "'2024-05-01T24:00:00Z' is not a valid time: hour 24 is not in 0..23");
  EXPECT_EQ(Error("2024-05-01T10:60:00Z"),
            "'2024-05-01T10:60:00Z' is not a valid time: minute 60 is not in 0..59");
  EXPECT_EQ(Error("2024-05-01T10:20:61Z"),
            "'2024-05-01T10:20:61Z' is not a valid time: second 61 is not in 0..60");
  EXPECT_EQ(Error("2024-05-01T10:20:30+19:00"),
            "'2024-05-01T10:20:30+19:00' has an invalid UTC offset (at most +-18:00)");
  EXPECT_EQ(Error("2024-05-01T10:20:30+05:60"),
            "'2024-05-01T10:20:30+05:60' has an invalid UTC offset (at most +-18:00)");
  EXPECT_EQ(Error("2024-05-01T10:20:30.1234567890Z"),
            "'2024-05-01T10:20:30.1234567890Z' has more than 9 fractional second digits");
}

TEST(TimeParseTest, RejectsMalformedText) {
  const std::string suffix = " is not an ISO 8601 date-time (expected e.g. 2024-05-01T10:20:30Z)";
  for (std::string_view bad :
       {"", "yesterday", "2024/05/01T10:20:30Z", "2024-5-1T10:20:30Z", "24-05-01T10:20:30Z",
        "2024-05-01X10:20:30Z", "2024-05-01T10:20:30ZZ", "2024-05-01T10:20:30 Z",
        "2024-05-01T1:20:30Z", "2024-05-01T10:20:30.Z", "2024-05-01T10:20:30+2",
        "2024-05-01T10:20:30+02:0", "2024-05-01T10", "2024-05-01T", " 2024-05-01T10:20:30Z",
        "1714558830", "2024-05-01T10:20:30+02:00:00"}) {
    std::string expected = "'";  // built with += : GCC 12 warns (-Wrestrict) on a + chain
    expected += bad;
    expected += "'";
    expected += suffix;
    EXPECT_EQ(Error(bad), expected) << bad;
  }
}

TEST(TimeParseTest, OffsetAndDateOnlyAreTheCallersChoice) {
  EXPECT_EQ(Error("2024-05-01T10:20:30"),
            "must include a UTC offset, e.g. 2024-05-01T10:20:30Z");
  EXPECT_EQ(At("2024-05-01T10:20:30", {.require_offset = false}), kMay1);
  EXPECT_EQ(Error("2024-05-01"),
            "'2024-05-01' has no time of day; expected e.g. 2024-05-01T10:20:30Z");
  EXPECT_EQ(At("2024-05-01", {.allow_date_only = true}), MidnightUtc(2024, 5, 1));
}

TEST(TimeParseTest, CompactDates) {
  EXPECT_EQ(*ParseCompactDate("19970101"), MidnightUtc(1997, 1, 1));
  EXPECT_EQ(*ParseCompactDate("20240229"), MidnightUtc(2024, 2, 29));
  EXPECT_EQ(ParseCompactDate("20230229").status().message(),
            "'20230229' is not a valid date: February 2023 has 28 days");
  EXPECT_EQ(ParseCompactDate("1997011").status().message(),
            "'1997011' is not a date in the form YYYYMMDD");
  EXPECT_FALSE(ParseCompactDate("1997-01-01").ok());
  EXPECT_FALSE(ParseCompactDate("199701011").ok());
}

TEST(TimeFormatTest, FormatsRfc3339Utc) {
  EXPECT_EQ(FormatRfc3339(kMay1), "2024-05-01T10:20:30Z");
  EXPECT_EQ(FormatRfc3339(kMay1 + 500000), "2024-05-01T10:20:30.500Z");
  EXPECT_EQ(FormatRfc3339(kMay1 + 123456), "2024-05-01T10:20:30.123456Z");
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatDate(kMay1), "2024-05-01");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
}

TEST(TimeFormatTest, AppendDateWritesDayNumbersAfterWhatIsThere) {
  std::string out = "x";
  AppendDate(out, 0);
  EXPECT_EQ(out, "x1970-01-01");
  out.clear();
  AppendDate(out, UtcDayOf(kMay1));
  out += ',';
  AppendDate(out, -1);
  out += ',';
  AppendDate(out, DaysFromCivil(2024, 2, 29));
  EXPECT_EQ(out, "2024-05-01,1969-12-31,2024-02-29");
  // The first and last days of the four-digit range, and one past each (sign, fifth digit).
  const std::pair<CivilDay, const char*> kEdges[] = {{{0, 1, 1}, "0000-01-01"},
                                                     {{9999, 12, 31}, "9999-12-31"},
                                                     {{-1, 12, 31}, "-0001-12-31"},
                                                     {{10000, 1, 1}, "10000-01-01"}};
  for (const auto& [c, text] : kEdges) {
    out.clear();
    AppendDate(out, DaysFromCivil(c.year, c.month, c.day));
    EXPECT_EQ(out, text);
    // WriteDate is the same text into a caller's buffer, returning its end.
    char buf[kMaxDateChars];
    EXPECT_EQ(std::string(buf, WriteDate(buf, DaysFromCivil(c.year, c.month, c.day))), text);
  }
  char buf[kMaxDateChars];
  EXPECT_EQ(WriteDate(buf, 0), buf + 10);
  EXPECT_EQ(std::string(buf, 10), "1970-01-01");
}

// DateWriter is WriteDate for every day: ascending by one and by seven over four centuries (the
// month cache's hits and misses, leap days), then in a seeded random order, years outside
// 0000..9999 included.
TEST(TimeFormatTest, DateWriterWritesWhatWriteDateWrites) {
  const auto check = [](DateWriter& w, std::int64_t day) {
    char got[kMaxDateChars], want[kMaxDateChars];
    const std::string_view g(got, static_cast<std::size_t>(w.Write(got, day) - got));
    const std::string_view x(want, static_cast<std::size_t>(WriteDate(want, day) - want));
    return g == x;
  };
  const std::int64_t first = DaysFromCivil(1900, 1, 1);
  for (std::int64_t step : {1, 7}) {
    DateWriter w;
    for (std::int64_t day = first; day < first + 146097; day += step) {
      ASSERT_TRUE(check(w, day)) << day;
    }
  }
  std::mt19937_64 rng(20261126);
  DateWriter w;
  const std::int64_t lo = DaysFromCivil(-2, 1, 1), hi = DaysFromCivil(10002, 1, 1);
  for (int i = 0; i < 200000; ++i) {
    const std::int64_t day = lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo));
    ASSERT_TRUE(check(w, day)) << day;
  }
}

TEST(TimeFormatTest, AppendDateIsFormatDateOfEveryDayOfFourCenturies) {
  // One Gregorian cycle (146,097 days), every leap-year rule included, from 1900-01-01.
  const std::int64_t first = DaysFromCivil(1900, 1, 1);
  std::string out;
  for (std::int64_t day = first; day < first + 146097; ++day) {
    out.clear();
    AppendDate(out, day);
    const CivilDay c = CivilFromDays(day);
    char want[32];
    std::snprintf(want, sizeof want, "%04d-%02d-%02d", c.year, c.month, c.day);
    ASSERT_EQ(out, want) << day;
    ASSERT_EQ(FormatDate(day * kMicrosPerDay + kMicrosPerDay - 1), want) << day;
  }
}

TEST(TimeFormatTest, FormatThenParseIsIdentity) {
  for (UnixMicros t : {UnixMicros{0}, kMay1, kMay1 + 1, MidnightUtc(1990, 1, 1) - 7,
                       MidnightUtc(2100, 12, 31) + kMicrosPerDay - 1, MidnightUtc(1, 1, 1)}) {
    EXPECT_EQ(At(FormatRfc3339(t)), t) << FormatRfc3339(t);
  }
}

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(kMay1);
  EXPECT_EQ(clock.Now(), kMay1);
  clock.Advance(kMicrosPerDay);
  EXPECT_EQ(clock.Now(), kMay1 + kMicrosPerDay);
  clock.Set(5);
  EXPECT_EQ(clock.Now(), 5);
  const Clock& c = clock;
  EXPECT_EQ(c.Now(), 5);
}

TEST(ClockTest, SystemClockIsUnixMicros) {
  const UnixMicros now = SystemClock::Instance().Now();
  // Later than this code was written and earlier than 2100.
  EXPECT_GT(now, kMay1);
  EXPECT_LT(now, MidnightUtc(2100, 1, 1));
}

}  // namespace
}  // namespace clv
