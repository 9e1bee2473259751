// ISO 4217 currencies and their minor-unit exponents (a compiled table; no I/O, no locale).
//
// The table holds every code of ISO 4217 list one that has a minor unit (169 codes, from
// Debian's iso-codes 4.15 plus ZWG, added in 2024), i.e. the national currencies and the
// fund codes (BOV, CLF, COU, MXV, USN, UYI, UYW, CHE, CHW). Codes whose minor unit is "N.A."
// (precious metals XAU/XAG/XPD/XPT, bond units XBA..XBD, XDR, XSU, XUA, XTS, XXX) are left out:
// an order cannot be paid in them. Codes withdrawn recently but still found in historical order
// exports (HRK until 2023, SLL, ZWL, CUC) are kept, because importing a shop's history is the
// point of this product.
//
// Exponents follow ISO 4217 (JPY 0, USD 2, BHD/KWD/JOD/OMR/TND/IQD/LYD 3, CLF/UYW 4). Some
// payment platforms use a different exponent for a few currencies (e.g. Stripe treats ISK and
// UGX amounts as two-decimal); their ingest adapters convert. Thread-safe: immutable data.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace clv {

struct CurrencyInfo {
  std::string_view code;  // three upper-case ASCII letters, e.g. "USD"
  int numeric = 0;        // ISO 4217 numeric code, e.g. 840
  int exponent = 2;       // number of minor-unit digits: 0..4
  std::string_view name;  // English name from ISO 4217, e.g. "US Dollar"
};

// The largest exponent in the table (CLF, UYW).
inline constexpr int kMaxCurrencyExponent = 4;

// All known currencies, sorted by code.
std::span<const CurrencyInfo> AllCurrencies();

// Looks up `code` after trimming ASCII blanks and upper-casing ("usd " -> "USD").
// Errors: InvalidArgument "unknown currency 'XXY'" (the input as given, truncated to 16
// bytes and with control characters escaped) when the code is not in the table or is not
// three letters. The returned pointer refers to static storage.
Result<const CurrencyInfo*> LookupCurrency(std::string_view code);

// Exact lookup of an already normalised (upper-case) code; nullptr when unknown. Allocation-
// free; the fast path for parsers.
const CurrencyInfo* FindCurrency(std::string_view upper_code);

}  // namespace clv
