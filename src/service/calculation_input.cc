#include "service/calculation_input.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "core/time.h"

namespace clv::service {

CalculationInputBuilder::CalculationInputBuilder(UnixMicros as_of_us) {
  out_.as_of_us = as_of_us;
  out_.as_of_day = UtcDayOf(as_of_us);
}

Status CalculationInputBuilder::Add(const storage::AnalysisRow& row) {
  if (!error_.ok()) return error_;
  const std::int64_t index = out_.stats.rows++;
  auto fail = [&](Status s) {
    error_ = std::move(s);
    return error_;
  };
  if (have_customer_ && (row.customer < current_ ||
                         (row.customer == current_ && row.placed_at_us < last_time_us_))) {
    return fail(InvalidArgument("row " + std::to_string(index) +
                                ": rows must be ordered by customer, then time"));
  }
  if (!have_customer_ || row.customer != current_) {
    if (have_customer_) FlushCustomer();
    have_customer_ = true;
    current_ = row.customer;
  }
  last_time_us_ = row.placed_at_us;
  if (row.placed_at_us > out_.as_of_us) {
    ++out_.stats.rows_after_as_of;
    return Status::Ok();
  }
  current_has_rows_ = true;
  if (row.currency.empty()) {
    return fail(InvalidArgument("row " + std::to_string(index) + ": no currency"));
  }
  // Currencies are few (usually one): a linear scan beats a set.
  if (std::find(currencies_.begin(), currencies_.end(), row.currency) == currencies_.end()) {
    currencies_.push_back(row.currency);
  }
  if (row.amount_minor >= 0) {
    ++out_.stats.orders;
    pending_.push_back({UtcDayOf(row.placed_at_us), row.amount_minor, false});
    return Status::Ok();
  }
  ++out_.stats.refunds;
  if (row.amount_minor == std::numeric_limits<std::int64_t>::min()) {
    return fail(InvalidArgument("row " + std::to_string(index) + ": refund out of range"));
  }
  // Latest earlier order first; orders already at 0 are skipped.
  std::int64_t remaining = -row.amount_minor;
  for (auto it = pending_.rbegin(); it != pending_.rend() && remaining > 0; ++it) {
    const std::int64_t take = std::min(remaining, it->net_minor);
    if (take <= 0) continue;
    it->net_minor -= take;
    it->refunded = true;
    remaining -= take;
    out_.stats.refunded_minor += take;
  }
  out_.stats.unmatched_refund_minor += remaining;
  return Status::Ok();
}

void CalculationInputBuilder::FlushCustomer() {
  bool any = false;
  std::int64_t revenue = 0;
  for (const PendingOrder& o : pending_) {
    if (o.refunded && o.net_minor == 0) {
      ++out_.stats.orders_fully_refunded;
      continue;
    }
    if (!any) {
      if (out_.customer_ids.size() >=
          static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
        error_ = ResourceExhausted("more than 2147483647 customers");
        return;
      }
      out_.customer_ids.push_back(current_);
      any = true;
    }
    if (__builtin_add_overflow(revenue, o.net_minor, &revenue)) {
      error_ = ResourceExhausted("customer " + std::to_string(current_.value) +
                                 ": revenue overflows 64 bits");
      return;
    }
    out_.customer.push_back(out_.num_customers() - 1);
    out_.day.push_back(o.day);
    out_.amount_minor.push_back(o.net_minor);
  }
  // Rows after as_of alone do not make a customer; refunds or worthless orders up to as_of do.
  if (!any && current_has_rows_) ++out_.stats.customers_without_purchases;
  pending_.clear();
  current_has_rows_ = false;
}

Result<CalculationInput> CalculationInputBuilder::Finish() {
  if (error_.ok() && have_customer_) FlushCustomer();
  have_customer_ = false;
  if (!error_.ok()) return error_;
  if (currencies_.size() > 1) {
    std::vector<std::string> sorted = currencies_;
    std::sort(sorted.begin(), sorted.end());
    std::string list;
    for (const std::string& c : sorted) list += (list.empty() ? "" : ", ") + c;
    return FailedPrecondition("orders in several currencies (" + list +
                              "): CLV needs one currency");
  }
  if (!out_.customer_ids.empty()) out_.currency = currencies_.front();
  return std::move(out_);
}

}  // namespace clv::service
