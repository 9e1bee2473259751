#include "ingest/order_fields.h"

#include <array>
#include <cstring>

#include "core/money.h"

namespace clv::ingest {
namespace {

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

}  // namespace

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string QuoteForError(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 40)) out += IsControl(static_cast<unsigned char>(c)) ? '?' : c;
  if (s.size() > 40) out += "...";
  out += '\'';
  return out;
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // ASCII fast path, eight bytes at a time: ids and emails are nearly always ASCII.
    while (end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, 8);
      if (word & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p == end) break;
    if (*p < 0x80) {
      ++p;
      continue;
    }
    int n;
    std::uint32_t cp;
    if ((*p & 0xe0) == 0xc0) {
      n = 1;
      cp = *p & 0x1f;
    } else if ((*p & 0xf0) == 0xe0) {
      n = 2;
      cp = *p & 0x0f;
    } else if ((*p & 0xf8) == 0xf0) {
      n = 3;
      cp = *p & 0x07;
    } else {
      return false;
    }
    if (end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    p += n + 1;
  }
  return true;
}

Status NormalizeId(std::string_view raw, std::string* out) {
  std::string_view s = TrimBlanks(raw);
  if (s.empty()) return InvalidArgument("is empty");
  if (s.size() > kMaxIdBytes)
    return InvalidArgument("is longer than " + std::to_string(kMaxIdBytes) + " bytes");
  for (char c : s)
    if (IsControl(static_cast<unsigned char>(c)))
      return InvalidArgument(QuoteForError(s) + " contains a control character");
  if (!IsValidUtf8(s)) return InvalidArgument("is not valid UTF-8");
  out->assign(s);
  return Status::Ok();
}

Status ParsePlacedAt(std::string_view raw, const OrderRules& rules, UnixMicros* out) {
  std::string_view s = TrimBlanks(raw);
  if (s.empty()) return InvalidArgument("is empty; expected e.g. 2024-05-01T10:20:30Z");
  Result<UnixMicros> t = ParseTimestamp(s, rules.timestamp);
  if (!t.ok()) return t.status();
  const UnixMicros latest = rules.now_us + rules.max_future_skew_us;
  if (*t > latest)
    return InvalidArgument(QuoteForError(s) + " is in the future (latest accepted: " +
                           FormatRfc3339(latest) + ")");
  if (*t < rules.earliest_us)
    return InvalidArgument(QuoteForError(s) + " is before " + FormatRfc3339(rules.earliest_us) +
                           ", the earliest accepted time");
  *out = *t;
  return Status::Ok();
}

Status ParseCurrencyField(std::string_view raw, const CurrencyInfo** out) {
  Result<const CurrencyInfo*> info = LookupCurrency(raw);
  if (!info.ok()) return info.status();
  *out = *info;
  return Status::Ok();
}

Status CheckNonNegative(std::int64_t minor, std::string_view raw) {
  if (minor < 0)
    return InvalidArgument(QuoteForError(raw) +
                           " is negative; totals are >= 0 (record a refund as a positive amount "
                           "with refund_of set to the refunded order's id)");
  return Status::Ok();
}

Status ParseTotalText(std::string_view raw, const CurrencyInfo& currency, std::int64_t* out) {
  Result<std::int64_t> minor = ParseDecimalToMinor(raw, currency.exponent, currency.code);
  if (!minor.ok()) return minor.status();
  CLV_RETURN_IF_ERROR(CheckNonNegative(*minor, TrimBlanks(raw)));
  *out = *minor;
  return Status::Ok();
}

Status ParseStatusField(std::string_view raw, OrderStatus* out) {
  std::string_view s = TrimBlanks(raw);
  if (s.empty()) {
    *out = OrderStatus::kPaid;
    return Status::Ok();
  }
  std::array<char, 24> lower{};
  if (s.size() < lower.size()) {
    for (std::size_t i = 0; i < s.size(); ++i)
      lower[i] = (s[i] >= 'A' && s[i] <= 'Z') ? static_cast<char>(s[i] + 32) : s[i];
    if (auto status = ParseOrderStatus(std::string_view(lower.data(), s.size()))) {
      *out = *status;
      return Status::Ok();
    }
  }
  return InvalidArgument(QuoteForError(s) +
                         " is not a status; expected one of paid, pending, refunded, "
                         "partially_refunded, cancelled");
}

Status NormalizeEmail(std::string_view raw, std::string* out) {
  std::string_view s = TrimBlanks(raw);
  out->clear();
  if (s.empty()) return Status::Ok();
  if (s.size() > kMaxEmailBytes)
    return InvalidArgument("is longer than " + std::to_string(kMaxEmailBytes) + " bytes");
  std::size_t at = s.find('@');
  bool ok = at != std::string_view::npos && at > 0 && s.find('@', at + 1) == std::string_view::npos;
  if (ok) {
    std::string_view domain = s.substr(at + 1);
    std::size_t dot = domain.find('.');
    ok = dot != std::string_view::npos && dot > 0 && domain.back() != '.';
  }
  for (char c : s) ok = ok && c != ' ' && c != '\t' && !IsControl(static_cast<unsigned char>(c));
  if (!ok || !IsValidUtf8(s))
    return InvalidArgument(QuoteForError(s) + " is not an email address");
  out->assign(s);
  for (char& c : *out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return Status::Ok();
}

}  // namespace clv::ingest
