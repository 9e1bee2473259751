// Time helpers: civil-calendar arithmetic, ISO 8601 / RFC 3339 parsing and formatting.
//
// Instants are UnixMicros (core/domain.h): UTC microseconds since 1970-01-01T00:00:00Z, in the
// proleptic Gregorian calendar, without leap seconds (as POSIX time). Pure and thread-safe.
//
// ParseTimestamp grammar (ASCII, no surrounding blanks are trimmed by it):
//   date        YYYY-MM-DD                       years 0000..9999; day checked per month,
//                                                leap years included
//   date-time   date ('T' | 't' | ' ') HH:MM[:SS[(.|,)F...]] [offset]
//   fraction    1..9 digits; digits beyond the 6th (below a microsecond) are truncated, more
//               than 9 digits are rejected (no real clock has them; likely garbage)
//   offset      'Z' | 'z' | (+|-)HH:MM | (+|-)HHMM | (+|-)HH, at most 18:00 either way; "-00:00"
//               is UTC
//   seconds     00..59, and 60 (a leap second), which is clamped to :59.999999 of the same
//               minute, because Unix time cannot name it and the order of events is kept
// Whether an offset is required and whether a bare date is accepted are the caller's choice
// (TimestampOptions). Errors are InvalidArgument naming the value and the problem, e.g.
// "'2023-02-29' is not a valid date: February 2023 has 28 days"; callers prefix the field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/domain.h"
#include "core/status.h"

namespace clv {

inline constexpr std::int64_t kMicrosPerSecond = 1'000'000;
inline constexpr std::int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr std::int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
inline constexpr std::int64_t kMicrosPerDay = 24 * kMicrosPerHour;

// A day of the proleptic Gregorian calendar. month 1..12, day 1..31.
struct CivilDay {
  int year = 1970;
  int month = 1;
  int day = 1;
  friend bool operator==(const CivilDay&, const CivilDay&) = default;
};

constexpr bool IsLeapYear(int year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

// Days in `month` (1..12) of `year`; 0 for a month out of range.
constexpr int DaysInMonth(int year, int month) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  return (month == 2 && IsLeapYear(year)) ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of a civil date (negative before). Howard Hinnant, "chrono-Compatible
// Low-Level Date Algorithms", days_from_civil. Valid for any date in +-5.8 million years; the
// inputs are not range-checked (2024-02-30 is 2024-03-01).
constexpr std::int64_t DaysFromCivil(int year, int month, int day) {
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;                                          // [0, 399]
  const std::int64_t mp = (month + 9) % 12;                                        // March = 0
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;                           // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                  // [0, 146096]
  return era * 146097 + doe - 719468;
}

// Inverse of DaysFromCivil (Hinnant's civil_from_days).
constexpr CivilDay CivilFromDays(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;                                 // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                  // [0, 11]
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const auto year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
  return CivilDay{year, month, day};
}

// Floor division (rounds toward negative infinity), b > 0.
constexpr std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && (a < 0) ? 1 : 0);
}

// The UTC day (days since 1970-01-01) containing instant `t`; instants before the epoch round
// down (-1 us is day -1).
constexpr std::int64_t UtcDayOf(UnixMicros t) { return FloorDiv(t, kMicrosPerDay); }

// Whole seconds since the epoch containing instant `t`, rounded down as UtcDayOf (JWT times).
constexpr std::int64_t FloorSeconds(UnixMicros t) { return FloorDiv(t, kMicrosPerSecond); }

// Midnight UTC of a civil date.
constexpr UnixMicros MidnightUtc(int year, int month, int day) {
  return DaysFromCivil(year, month, day) * kMicrosPerDay;
}

struct TimestampOptions {
  // A date-time without an offset is an error when true; read as UTC when false.
  bool require_offset = true;
  // Accept a bare date "YYYY-MM-DD" (midnight UTC). When false it is an error.
  bool allow_date_only = false;
};

// ISO 8601 / RFC 3339 text -> instant; see the file comment for the grammar.
// Errors: InvalidArgument, e.g. "'2024-05-01T10:20:30' has no UTC offset; ..." — the message
// for a missing offset is exactly "must include a UTC offset, e.g. 2024-05-01T10:20:30Z" so
// callers can say "placed_at must include ...".
Result<UnixMicros> ParseTimestamp(std::string_view text, const TimestampOptions& options = {});

// "YYYYMMDD" (as in CDNOW and other model input files) -> midnight UTC of that day.
// Errors: InvalidArgument for anything but 8 digits forming a valid date.
Result<UnixMicros> ParseCompactDate(std::string_view text);

// RFC 3339 in UTC: "2024-05-01T10:20:30Z", with ".123" when the instant has whole
// milliseconds below the second and ".123456" when it has microseconds. Years outside
// 0000..9999 are printed with more digits or a sign (not valid RFC 3339, but never lossy).
std::string FormatRfc3339(UnixMicros t);

// "YYYY-MM-DD" of the UTC day containing `t`.
std::string FormatDate(UnixMicros t);

// FormatDate's text for UTC day number `day` (days since 1970-01-01, as UtcDayOf), appended to
// `out` without a temporary string: for writers of many dates per response.
void AppendDate(std::string& out, std::int64_t day);

// AppendDate's text written to `out`, which must have room for kMaxDateChars; returns the end
// (10 characters for years 0000..9999). For writers that assemble a record in a local buffer.
inline constexpr std::size_t kMaxDateChars = 48;
char* WriteDate(char* out, std::int64_t day);

// WriteDate for a run of days, cheaper when consecutive days fall in one month (a P(alive)
// curve's weekly points): the last month's text is kept and only the day of the month is
// converted. Same text as WriteDate for every day, in any order. One writer per thread.
class DateWriter {
 public:
  char* Write(char* out, std::int64_t day);

 private:
  std::int64_t month_first_ = 1;  // day numbers of the cached month (empty at first)
  std::int64_t month_last_ = 0;
  char text_[10] = {};  // "YYYY-MM-DD" of month_first_
};

}  // namespace clv
