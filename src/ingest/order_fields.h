// Validation and normalisation of the fields of one order, shared by the JSON (orders_json.h)
// and CSV (orders_csv.h) parsers so that both accept exactly the same values and word their
// errors the same way.
//
// Each function takes the raw text of one field and returns a Status whose message describes
// the value, without the field's name or position; callers prefix those ("orders[3].total: ",
// "line 57, column 4 (total): "). Functions are pure and thread-safe, and allocate only on
// error or to fill their output.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/currency.h"
#include "core/domain.h"
#include "core/status.h"
#include "core/time.h"

namespace clv::ingest {

// Ids (order id, customer id, refund_of): trimmed of ASCII blanks, then 1..255 bytes of valid
// UTF-8 without control characters.
inline constexpr std::size_t kMaxIdBytes = 255;
// Emails: at most 254 bytes (RFC 5321's path limit).
inline constexpr std::size_t kMaxEmailBytes = 254;

// What the parsers accept for placed_at, relative to the caller's clock.
struct OrderRules {
  explicit OrderRules(UnixMicros now) : now_us(now) {}

  UnixMicros now_us;                            // "now", from the caller's Clock
  UnixMicros max_future_skew_us = kMicrosPerDay;  // placed_at <= now + skew (clock drift, zones)
  UnixMicros earliest_us = MidnightUtc(1990, 1, 1);  // placed_at >= this
  // By default placed_at needs an explicit offset and a time of day: a naive time is
  // ambiguous by up to 26 hours, which moves orders across days and periods.
  TimestampOptions timestamp{.require_offset = true, .allow_date_only = false};
};

// Trims and checks an id; writes it to *out. Errors: "is empty", "is longer than 255 bytes",
// "contains a control character", "is not valid UTF-8".
Status NormalizeId(std::string_view raw, std::string* out);

// Parses placed_at (trimmed) with rules.timestamp and checks it against the window
// [earliest_us, now_us + max_future_skew_us]. Errors: those of ParseTimestamp, and
// "'2031-01-01T00:00:00Z' is in the future (latest accepted: 2024-05-02T10:20:30Z)" /
// "'1989-12-31T00:00:00Z' is before 1990-01-01T00:00:00Z, the earliest accepted time".
Status ParsePlacedAt(std::string_view raw, const OrderRules& rules, UnixMicros* out);

// ISO 4217 code, any case, trimmed. Errors: "unknown currency 'XXY'".
Status ParseCurrencyField(std::string_view raw, const CurrencyInfo** out);

// Decimal text in major units -> non-negative minor units of `currency`.
// Errors: those of ParseDecimalToMinor, and "must not be negative; ..." for negative values.
Status ParseTotalText(std::string_view raw, const CurrencyInfo& currency, std::int64_t* out);

// Checks that a signed minor amount (from any parser) is not negative.
Status CheckNonNegative(std::int64_t minor, std::string_view raw);

// One of paid, pending, refunded, partially_refunded, cancelled (case-insensitive, trimmed);
// empty means paid. Errors name the accepted values.
Status ParseStatusField(std::string_view raw, OrderStatus* out);

// Optional email: empty (after trimming) gives "". Otherwise lower-cased, at most 254 bytes,
// one '@' with a non-empty local part and a domain containing a '.', no blanks or control
// characters, valid UTF-8. Deliberately basic: deliverability is not ours to judge.
Status NormalizeEmail(std::string_view raw, std::string* out);

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool IsValidUtf8(std::string_view s);

// ASCII blanks (space, tab) removed from both ends.
std::string_view TrimBlanks(std::string_view s);

// The value as it may appear in an error message: at most 40 bytes, control characters
// replaced, in single quotes.
std::string QuoteForError(std::string_view s);

}  // namespace clv::ingest
