#include "core/time.h"

#include <algorithm>
#include <charconv>

namespace clv {
namespace {

constexpr std::string_view kExample = "2024-05-01T10:20:30Z";
constexpr const char* kMonthNames[] = {"January", "February", "March",     "April",
                                       "May",     "June",     "July",      "August",
                                       "September", "October", "November", "December"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at s[pos]; false when any is missing.
bool ReadDigits(std::string_view s, std::size_t pos, int n, int* out) {
  if (pos + static_cast<std::size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + static_cast<std::size_t>(i)];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

std::string Quote(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 48)) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (s.size() > 48) out += "...";
  out += '\'';
  return out;
}

Status NotTimestamp(std::string_view text) {
  return InvalidArgument(Quote(text) + " is not an ISO 8601 date-time (expected e.g. " +
                         std::string(kExample) + ")");
}

Status CheckDate(std::string_view text, int year, int month, int day) {
  if (month < 1 || month > 12)
    return InvalidArgument(Quote(text) + " is not a valid date: month " + std::to_string(month) +
                           " is not in 1..12");
  int dim = DaysInMonth(year, month);
  if (day < 1 || day > dim)
    return InvalidArgument(Quote(text) + " is not a valid date: " + kMonthNames[month - 1] +
                           " " + std::to_string(year) + " has " + std::to_string(dim) +
                           " days");
  return Status::Ok();
}

// "YYYY-MM-DD" at the start of `s`.
Status ParseDatePart(std::string_view text, int* year, int* month, int* day) {
  if (!ReadDigits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' ||
      !ReadDigits(text, 5, 2, month) || text[7] != '-' || !ReadDigits(text, 8, 2, day))
    return NotTimestamp(text);
  return CheckDate(text, *year, *month, *day);
}

void AppendPadded(std::string& out, std::int64_t v, int width) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v < 0 ? -v : v);
  if (v < 0) out += '-';
  for (int pad = width - static_cast<int>(r.ptr - buf); pad > 0; --pad) out += '0';
  out.append(buf, r.ptr);
}

}  // namespace

Result<UnixMicros> ParseTimestamp(std::string_view text, const TimestampOptions& options) {
  int year = 0, month = 0, day = 0;
  CLV_RETURN_IF_ERROR(ParseDatePart(text, &year, &month, &day));
  const UnixMicros midnight = MidnightUtc(year, month, day);
  if (text.size() == 10) {
    if (options.allow_date_only) return midnight;
    return InvalidArgument(Quote(text) + " has no time of day; expected e.g. " +
                           std::string(kExample));
  }
  const char sep = text[10];
  if (sep != 'T' && sep != 't' && sep != ' ') return NotTimestamp(text);

  std::size_t pos = 11;
  int hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, pos, 2, &hour) || pos + 2 >= text.size() || text[pos + 2] != ':' ||
      !ReadDigits(text, pos + 3, 2, &minute))
    return NotTimestamp(text);
  pos += 5;
  if (pos < text.size() && text[pos] == ':') {
    if (!ReadDigits(text, pos + 1, 2, &second)) return NotTimestamp(text);
    pos += 3;
  }
  std::int64_t micros = 0;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    int digits = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      // Digits past the sixth are below a microsecond: truncated (towards the earlier instant).
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return NotTimestamp(text);
    if (digits > 9)
      return InvalidArgument(Quote(text) + " has more than 9 fractional second digits");
    for (int d = digits; d < 6; ++d) micros *= 10;
  }
  if (hour > 23)
    return InvalidArgument(Quote(text) + " is not a valid time: hour " + std::to_string(hour) +
                           " is not in 0..23");
  if (minute > 59)
    return InvalidArgument(Quote(text) + " is not a valid time: minute " +
                           std::to_string(minute) + " is not in 0..59");
  if (second > 60)
    return InvalidArgument(Quote(text) + " is not a valid time: second " +
                           std::to_string(second) + " is not in 0..60");
  if (second == 60) {  // leap second: clamp, see the header
    second = 59;
    micros = kMicrosPerSecond - 1;
  }

  std::int64_t offset_minutes = 0;
  if (pos == text.size()) {
    if (options.require_offset)
      return InvalidArgument("must include a UTC offset, e.g. " + std::string(kExample));
  } else if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    const int sign = text[pos] == '-' ? -1 : 1;
    int oh = 0, om = 0;
    if (!ReadDigits(text, pos + 1, 2, &oh)) return NotTimestamp(text);
    pos += 3;
    if (pos < text.size() && text[pos] == ':') {
      if (!ReadDigits(text, pos + 1, 2, &om)) return NotTimestamp(text);
      pos += 3;
    } else if (pos < text.size()) {
      if (!ReadDigits(text, pos, 2, &om)) return NotTimestamp(text);
      pos += 2;
    }
    if (om > 59 || oh * 60 + om > 18 * 60)
      return InvalidArgument(Quote(text) + " has an invalid UTC offset (at most +-18:00)");
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return NotTimestamp(text);
  }
  if (pos != text.size()) return NotTimestamp(text);

  return midnight + hour * kMicrosPerHour + minute * kMicrosPerMinute +
         second * kMicrosPerSecond + micros - offset_minutes * kMicrosPerMinute;
}

Result<UnixMicros> ParseCompactDate(std::string_view text) {
  int year = 0, month = 0, day = 0;
  if (text.size() != 8 || !ReadDigits(text, 0, 4, &year) || !ReadDigits(text, 4, 2, &month) ||
      !ReadDigits(text, 6, 2, &day))
    return InvalidArgument(Quote(text) + " is not a date in the form YYYYMMDD");
  CLV_RETURN_IF_ERROR(CheckDate(text, year, month, day));
  return MidnightUtc(year, month, day);
}

std::string FormatRfc3339(UnixMicros t) {
  const std::int64_t days = UtcDayOf(t);
  const std::int64_t in_day = t - days * kMicrosPerDay;  // [0, kMicrosPerDay)
  const CivilDay c = CivilFromDays(days);
  std::string out;
  out.reserve(32);
  AppendPadded(out, c.year, 4);
  out += '-';
  AppendPadded(out, c.month, 2);
  out += '-';
  AppendPadded(out, c.day, 2);
  out += 'T';
  AppendPadded(out, in_day / kMicrosPerHour, 2);
  out += ':';
  AppendPadded(out, in_day / kMicrosPerMinute % 60, 2);
  out += ':';
  AppendPadded(out, in_day / kMicrosPerSecond % 60, 2);
  const std::int64_t micros = in_day % kMicrosPerSecond;
  if (micros != 0) {
    out += '.';
    if (micros % 1000 == 0) {
      AppendPadded(out, micros / 1000, 3);
    } else {
      AppendPadded(out, micros, 6);
    }
  }
  out += 'Z';
  return out;
}

std::string FormatDate(UnixMicros t) {
  std::string out;
  out.reserve(12);
  AppendDate(out, UtcDayOf(t));
  return out;
}

void AppendDate(std::string& out, std::int64_t day) {
  char buf[kMaxDateChars];
  out.append(buf, WriteDate(buf, day));
}

char* DateWriter::Write(char* out, std::int64_t day) {
  if (day < month_first_ || day > month_last_) {
    const CivilDay c = CivilFromDays(day);
    if (c.year < 0 || c.year > 9999) return WriteDate(out, day);  // not cached (wider text)
    WriteDate(text_, day);
    month_first_ = day - (c.day - 1);
    month_last_ = month_first_ + DaysInMonth(c.year, c.month) - 1;
  }
  const auto day_of_month = static_cast<int>(day - month_first_ + 1);
  text_[8] = static_cast<char>('0' + day_of_month / 10);
  text_[9] = static_cast<char>('0' + day_of_month % 10);
  return std::copy(text_, text_ + sizeof text_, out);
}

char* WriteDate(char* out, std::int64_t day) {
  const CivilDay c = CivilFromDays(day);
  if (c.year < 0 || c.year > 9999) {  // never from real data; AppendPadded signs and widens
    std::string s;
    AppendPadded(s, c.year, 4);
    s += '-';
    AppendPadded(s, c.month, 2);
    s += '-';
    AppendPadded(s, c.day, 2);
    return std::copy(s.begin(), s.end(), out);  // an int year: at most 11 + 6 characters
  }
  // Digit by digit: the API's P(alive) history writes ~90 dates per response.
  out[0] = static_cast<char>('0' + c.year / 1000);
  out[1] = static_cast<char>('0' + c.year / 100 % 10);
  out[2] = static_cast<char>('0' + c.year / 10 % 10);
  out[3] = static_cast<char>('0' + c.year % 10);
  out[4] = '-';
  out[5] = static_cast<char>('0' + c.month / 10);
  out[6] = static_cast<char>('0' + c.month % 10);
  out[7] = '-';
  out[8] = static_cast<char>('0' + c.day / 10);
  out[9] = static_cast<char>('0' + c.day % 10);
  return out + 10;
}

}  // namespace clv
