// The input of a CLV calculation: a tenant's cash flows (storage::AnalysisRow, as
// Store::StreamOrdersForAnalysis yields them) turned into a compact purchase log with dense
// customer indexes, as of one instant.
//
// Rules (what the calculation counts as a purchase and as revenue):
// - Rows placed after `as_of_us` are ignored (orders and refunds alike: the calculation sees what
//   was known at as_of). Cancelled orders never reach us (the store leaves them out).
// - A row with amount >= 0 is an order, a negative row is a refund.
// - Refunds are netted into the customer's orders: a refund reduces the latest order placed at or
//   before it (the stream does not say which order a refund belongs to; the latest earlier
//   order is the likeliest and is exact for the usual one-order refund), and what exceeds that
//   order's remaining value reduces the order before it, and so on.
// - A refund is never a purchase occasion. An order that refunds brought to 0 (fully refunded)
//   is not a purchase either: a returned order says nothing about the customer wanting to buy
//   again, and it would give the spend model zero-value transactions. A free order (amount 0
//   from the start, e.g. a promotion) is a purchase: the customer did come and order. So every
//   purchase in the log has amount_minor > 0 except free orders (= 0).
// - A refund larger than everything the customer bought before it (an over-refund, or a refund
//   older than any order — data from a platform the merchant migrated from) cannot be netted;
//   it is left out and counted in InputStats::unmatched_refund_minor, so that net revenue is
//   exactly the sum of the purchases' net amounts.
// - Customers without any purchase left (only refunds, or only fully refunded orders) are not
//   part of the calculation (InputStats::customers_without_purchases).
// - Times become UTC days (days since 1970-01-01, core/time.h UtcDayOf).
// - One currency only: rows (up to as_of) in several currencies are refused with
//   FailedPrecondition "orders in several currencies (EUR, USD): CLV needs one currency".
//   Conversion is a later feature.
//
// Not thread-safe; one builder per calculation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "storage/store.h"

namespace clv::service {

struct InputStats {
  std::int64_t rows = 0;                    // rows passed to Add
  std::int64_t rows_after_as_of = 0;        // ignored
  std::int64_t orders = 0;                  // amount >= 0, up to as_of
  std::int64_t refunds = 0;                 // amount < 0, up to as_of
  std::int64_t refunded_minor = 0;          // Σ |refunds| netted into orders
  std::int64_t orders_fully_refunded = 0;   // refunds brought them to 0 (not purchases)
  std::int64_t unmatched_refund_minor = 0;  // refunds that found no order value to reduce
  std::int64_t customers_without_purchases = 0;
};

struct CalculationInput {
  UnixMicros as_of_us = 0;
  std::int64_t as_of_day = 0;  // UtcDayOf(as_of_us)
  std::string currency;        // the one currency; empty when there are no purchases
  // Dense index -> the store's customer id, ascending by id.
  std::vector<CustomerId> customer_ids;
  // The purchase log, grouped by customer (ascending index) and by time within a customer.
  std::vector<std::int32_t> customer;      // dense index
  std::vector<std::int64_t> day;           // UTC day of the order
  std::vector<std::int64_t> amount_minor;  // net of refunds, >= 0 (0: a free order)
  InputStats stats;

  std::int32_t num_customers() const { return static_cast<std::int32_t>(customer_ids.size()); }
  std::size_t num_purchases() const { return customer.size(); }
};

class CalculationInputBuilder {
 public:
  explicit CalculationInputBuilder(UnixMicros as_of_us);

  // Rows must come ordered by customer id, then placed_at (the stream's order).
  // InvalidArgument naming the row (0-based) when they do not, or when the currency is empty;
  // ResourceExhausted past 2^31 − 1 customers or when a customer's revenue overflows int64.
  // After an error the builder is unusable (Finish answers the same error).
  Status Add(const storage::AnalysisRow& row);

  // FailedPrecondition for several currencies (see the file comment). Call once.
  Result<CalculationInput> Finish();

 private:
  struct PendingOrder {
    std::int64_t day;
    std::int64_t net_minor;
    bool refunded;  // a refund reduced it
  };
  void FlushCustomer();

  CalculationInput out_;
  Status error_;
  bool have_customer_ = false;
  bool current_has_rows_ = false;  // the current customer has rows up to as_of
  CustomerId current_;
  UnixMicros last_time_us_ = 0;
  std::vector<PendingOrder> pending_;
  std::vector<std::string> currencies_;  // distinct, in order of appearance
};

}  // namespace clv::service
