// The body of POST /orders -> validated OrderInput records, or precise errors.
//
// Accepted shapes (DESIGN.md "API"):
//   {"orders": [ORDER, ...]}   1..max_orders (10,000) orders; no other top-level field
//   ORDER                      a single order object (recognised by having no "orders" key)
// ORDER fields:
//   id, customer_id  required; a string or an integer (normalised to its decimal text);
//                    trimmed; 1..255 bytes; no control characters
//   placed_at        required; ISO 8601 string WITH a UTC offset (core/time.h), inside
//                    [rules.earliest_us, rules.now_us + rules.max_future_skew_us]
//   total            required; a decimal string ("19.99") or a JSON number in major units;
//                    >= 0; no more decimals than the currency has (core/money.h). Numbers are
//                    exact up to 15 significant digits; send larger amounts as strings
//   currency         required; ISO 4217, any case
//   status           optional; paid (default), pending, refunded, partially_refunded,
//                    cancelled
//   email            optional; basic syntax check; lower-cased
//   refund_of        optional; the id of the refunded order; must differ from id
// null counts as absent. Unknown fields inside an order are ignored, so that payloads from
// platforms and scripts with extra fields still load; a missing required field mentions any
// unknown fields, which catches typos ("total is required (unknown fields: totl)").
//
// Errors come as a list, each with a path and a reason ("orders[3].total: must be a decimal
// amount, got true"), in document order, all orders checked, at most max_errors kept (the rest
// counted). Duplicate ids within the batch name both indexes. Malformed JSON gives one error
// with its line and column. Thread-safe: pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "ingest/order_fields.h"

namespace clv::ingest {

inline constexpr std::size_t kMaxOrdersPerRequest = 10'000;

struct FieldError {
  std::string path;     // "orders[3].total", "orders", or "" for the whole body
  std::string message;  // "must be a decimal amount, got true"
  // "orders[3].total: must be a decimal amount, got true" (just the message when path is "").
  std::string ToString() const;
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

struct OrdersJsonOptions {
  explicit OrdersJsonOptions(OrderRules r) : rules(r) {}
  OrderRules rules;
  std::string source = "api";  // written to OrderInput::source
  std::size_t max_orders = kMaxOrdersPerRequest;
  std::size_t max_errors = 100;
};

struct OrderBatch {
  // The valid orders, in input order. When `errors` is not empty the request should be
  // rejected as a whole (POST /orders is all-or-nothing); they are returned for diagnostics.
  std::vector<OrderInput> orders;
  std::vector<FieldError> errors;  // at most max_errors
  std::size_t errors_omitted = 0;  // errors found beyond max_errors

  bool ok() const { return errors.empty(); }
  // OK, or InvalidArgument: "orders[3].total: ..." for one error, "3 errors: A; B; C" for more
  // (the first 10, then "and N more").
  Status ToStatus() const;
};

OrderBatch ParseOrdersJson(std::string_view body, const OrdersJsonOptions& options);

}  // namespace clv::ingest
