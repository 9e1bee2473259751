// Money: an integer number of a currency's minor units plus its ISO 4217 code. Never a double.
//
// Parsing turns decimal text in major units ("19.99") into minor units (1999) exactly, using
// the currency's exponent (core/currency.h). Accepted text: optional ASCII blanks around it, an
// optional leading '+' or '-', digits with at most one '.', at least one digit ("5", "5.",
// ".5", "-0" are fine). Rejected, each with its own message: exponent notation ("1e3"),
// thousands or decimal commas ("1,000", "12,50"), currency symbols ("$5"), NaN/Inf, more
// fractional digits than the currency has unless the extra ones are zeros ("12.500" is 1250
// for USD; "12.505" is "more than 2 decimal places for USD"), and magnitudes above
// kMaxAmountMinor. Negative values are returned as such; whether they are allowed is the
// caller's rule (orders reject them: refunds are positive amounts that reference an order).
//
// Error messages describe the value, not the field ("'12.505' has more than 2 decimal places
// for USD"); callers prefix the field path. All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace clv {

struct Money {
  std::int64_t minor = 0;  // in the currency's minor units (cents for USD, yen for JPY)
  std::string currency;    // ISO 4217, upper case

  friend bool operator==(const Money&, const Money&) = default;
};

// The largest accepted magnitude, in minor units: 9e15, i.e. 90 trillion USD or 9 quadrillion
// JPY. Far inside int64 (9.2e18), so sums of a million such amounts cannot overflow, and every
// value up to it is exactly representable as a double (< 2^53), so amounts survive JSON
// clients that hold numbers as doubles.
inline constexpr std::int64_t kMaxAmountMinor = 9'000'000'000'000'000;

// Decimal text in major units -> minor units, for a currency with `exponent` (0..4) minor
// digits. `currency` is used only in messages (may be empty).
// Errors: InvalidArgument as described in the file comment.
Result<std::int64_t> ParseDecimalToMinor(std::string_view text, int exponent,
                                         std::string_view currency = {});

// A JSON number that arrived as a double -> minor units. The double is converted with its
// shortest round-trip decimal representation (std::to_chars), then parsed as text, so 19.99
// gives 1999 exactly and 19.999 is "more than 2 decimal places". Exact for any amount a client
// wrote with at most 15 significant digits; larger amounts should be sent as strings.
// Errors: InvalidArgument for NaN, infinities, too many decimals and magnitudes above
// kMaxAmountMinor.
Result<std::int64_t> DoubleToMinor(double value, int exponent, std::string_view currency = {});

// A whole number of major units -> minor units (12 USD -> 1200).
// Errors: InvalidArgument when the result's magnitude exceeds kMaxAmountMinor.
Result<std::int64_t> IntegerToMinor(std::int64_t major, int exponent);
Result<std::int64_t> IntegerToMinor(std::uint64_t major, int exponent);

// Minor units -> decimal text in major units with exactly `exponent` fractional digits:
// (1999, 2) -> "19.99", (-5, 2) -> "-0.05", (1999, 0) -> "1999", (1, 3) -> "0.001".
// Any int64 is accepted (also beyond kMaxAmountMinor). `exponent` must be 0..18 (CHECK).
std::string FormatMinor(std::int64_t minor, int exponent);

// "19.99 USD"-free formatting of a Money: the decimal amount only, using the currency's
// exponent. Errors: InvalidArgument "unknown currency '...'".
Result<std::string> FormatMoney(const Money& money);

// Decimal text plus a currency code (any case) -> Money. Errors: those of LookupCurrency and
// ParseDecimalToMinor.
Result<Money> ParseMoney(std::string_view amount, std::string_view currency);

}  // namespace clv
