#include "core/money.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/currency.h"

namespace clv {
namespace {

constexpr std::uint64_t kPow10[] = {1ULL,
                                    10ULL,
                                    100ULL,
                                    1000ULL,
                                    10000ULL,
                                    100000ULL,
                                    1000000ULL,
                                    10000000ULL,
                                    100000000ULL,
                                    1000000000ULL,
                                    10000000000ULL,
                                    100000000000ULL,
                                    1000000000000ULL,
                                    10000000000000ULL,
                                    100000000000000ULL,
                                    1000000000000000ULL,
                                    10000000000000000ULL,
                                    100000000000000000ULL,
                                    1000000000000000000ULL};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The value as it appears in a message: bounded and without control characters.
std::string Quote(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 40)) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (s.size() > 40) out += "...";
  out += '\'';
  return out;
}

std::string ForCurrency(std::string_view currency) {
  return currency.empty() ? std::string() : " for " + std::string(currency);
}

Status TooLarge(std::string_view text) {
  return InvalidArgument(Quote(text) + " is too large (at most " +
                         std::to_string(kMaxAmountMinor) + " minor units)");
}

// Explains why `text` is not a plain decimal, naming the most likely cause first.
Status NotDecimal(std::string_view text) {
  std::string q = Quote(text);
  bool has_digit = false;
  for (char c : text) has_digit |= IsDigit(c);
  std::string lower;
  for (char c : text) lower += static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c);
  if (lower.find("nan") != std::string::npos || lower.find("inf") != std::string::npos)
    return InvalidArgument(q + " is not a finite decimal amount");
  bool exponent_form = false;  // a digit or '.', then e/E, an optional sign, a digit
  for (std::size_t i = 1; i + 1 < lower.size(); ++i) {
    if (lower[i] != 'e' || !(IsDigit(lower[i - 1]) || lower[i - 1] == '.')) continue;
    std::size_t j = i + 1;
    if (lower[j] == '+' || lower[j] == '-') ++j;
    if (j < lower.size() && IsDigit(lower[j])) exponent_form = true;
  }
  if (exponent_form)
    return InvalidArgument(q + " is not a decimal amount: exponent notation is not accepted");
  if (has_digit && text.find(',') != std::string_view::npos)
    return InvalidArgument(q +
                           " is not a decimal amount: use '.' as the decimal separator and no "
                           "thousands separators");
  if (has_digit && (text.find('$') != std::string_view::npos ||
                    text.find("\xe2\x82\xac") != std::string_view::npos ||
                    text.find("\xc2\xa3") != std::string_view::npos))
    return InvalidArgument(q + " is not a decimal amount: remove the currency symbol");
  return InvalidArgument(q + " is not a decimal amount");
}

}  // namespace

Result<std::int64_t> ParseDecimalToMinor(std::string_view text, int exponent,
                                         std::string_view currency) {
  CLV_CHECK(exponent >= 0 && exponent <= 6);
  std::string_view s = text;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.empty()) return InvalidArgument("empty amount; expected a decimal such as 19.99");

  bool negative = false;
  std::size_t i = 0;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    ++i;
  }
  // Whole part: accumulate while below the cap; the cap check in minor units comes after the
  // fraction so "90000000000000.00" USD is accepted and ".01" more is not.
  const std::uint64_t cap = static_cast<std::uint64_t>(kMaxAmountMinor);
  std::uint64_t whole = 0;
  std::size_t whole_digits = 0;
  bool overflow = false;
  for (; i < s.size() && IsDigit(s[i]); ++i, ++whole_digits) {
    if (!overflow) {
      whole = whole * 10 + static_cast<std::uint64_t>(s[i] - '0');
      if (whole > cap) overflow = true;  // keep scanning so syntax errors still win
    }
  }
  std::uint64_t fraction = 0;
  std::size_t fraction_digits = 0;
  bool excess_nonzero = false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && IsDigit(s[i]); ++i, ++fraction_digits) {
      if (static_cast<int>(fraction_digits) < exponent) {
        fraction = fraction * 10 + static_cast<std::uint64_t>(s[i] - '0');
      } else if (s[i] != '0') {
        excess_nonzero = true;
      }
    }
  }
  if (i != s.size() || whole_digits + fraction_digits == 0) return NotDecimal(text);
  if (excess_nonzero)
    return InvalidArgument(Quote(text) + " has more than " + std::to_string(exponent) +
                           " decimal places" + ForCurrency(currency));
  if (overflow || whole > cap / kPow10[exponent]) return TooLarge(text);
  for (int d = static_cast<int>(fraction_digits); d < exponent; ++d) fraction *= 10;
  std::uint64_t minor = whole * kPow10[exponent] + fraction;
  if (minor > cap) return TooLarge(text);
  auto value = static_cast<std::int64_t>(minor);
  return negative ? -value : value;
}

Result<std::int64_t> DoubleToMinor(double value, int exponent, std::string_view currency) {
  if (!std::isfinite(value)) return InvalidArgument("amount must be a finite number");
  // Reject huge magnitudes before formatting: fixed notation of 1e300 has 301 digits.
  if (std::fabs(value) >= 1e17) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, value);
    return TooLarge(std::string_view(buf, r.ptr - buf));
  }
  // Shortest fixed-notation text that reads back as the same double: for any decimal the
  // client wrote with <= 15 significant digits this is exactly what it wrote (less trailing
  // zeros). 1e17 needs 18 digits; tiny values like 1e-300 need ~320 characters.
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  if (r.ec != std::errc()) return InvalidArgument("amount cannot be represented");
  return ParseDecimalToMinor(std::string_view(buf, r.ptr - buf), exponent, currency);
}

Result<std::int64_t> IntegerToMinor(std::uint64_t major, int exponent) {
  CLV_CHECK(exponent >= 0 && exponent <= 6);
  const auto cap = static_cast<std::uint64_t>(kMaxAmountMinor);
  if (major > cap / kPow10[exponent]) return TooLarge(std::to_string(major));
  return static_cast<std::int64_t>(major * kPow10[exponent]);
}

Result<std::int64_t> IntegerToMinor(std::int64_t major, int exponent) {
  // Magnitude via unsigned arithmetic: -INT64_MIN does not fit an int64.
  std::uint64_t magnitude = major < 0 ? 0 - static_cast<std::uint64_t>(major)
                                      : static_cast<std::uint64_t>(major);
  const auto cap = static_cast<std::uint64_t>(kMaxAmountMinor);
  CLV_CHECK(exponent >= 0 && exponent <= 6);
  if (magnitude > cap / kPow10[exponent]) return TooLarge(std::to_string(major));
  auto minor = static_cast<std::int64_t>(magnitude * kPow10[exponent]);
  return major < 0 ? -minor : minor;
}

std::string FormatMinor(std::int64_t minor, int exponent) {
  CLV_CHECK(exponent >= 0 && exponent <= 18);
  std::uint64_t magnitude = minor < 0 ? 0 - static_cast<std::uint64_t>(minor)
                                      : static_cast<std::uint64_t>(minor);
  char digits[24];
  auto r = std::to_chars(digits, digits + sizeof digits, magnitude);
  std::string_view d(digits, r.ptr - digits);
  std::string out;
  out.reserve(d.size() + static_cast<std::size_t>(exponent) + 3);
  if (minor < 0) out += '-';
  if (exponent == 0) {
    out += d;
    return out;
  }
  auto e = static_cast<std::size_t>(exponent);
  if (d.size() <= e) {
    out += "0.";
    out.append(e - d.size(), '0');
    out += d;
  } else {
    out += d.substr(0, d.size() - e);
    out += '.';
    out += d.substr(d.size() - e);
  }
  return out;
}

Result<std::string> FormatMoney(const Money& money) {
  CLV_ASSIGN_OR_RETURN(const CurrencyInfo* info, LookupCurrency(money.currency));
  return FormatMinor(money.minor, info->exponent);
}

Result<Money> ParseMoney(std::string_view amount, std::string_view currency) {
  CLV_ASSIGN_OR_RETURN(const CurrencyInfo* info, LookupCurrency(currency));
  CLV_ASSIGN_OR_RETURN(std::int64_t minor,
                       ParseDecimalToMinor(amount, info->exponent, info->code));
  return Money{minor, std::string(info->code)};
}

}  // namespace clv
