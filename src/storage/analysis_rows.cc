#include "storage/analysis_rows.h"

#include <algorithm>
#include <limits>
#include <tuple>
#include <utility>

namespace clv::storage::internal {

void AnalysisRowSorter::Add(std::int64_t customer, std::int64_t placed_at_us,
                            std::int64_t order_id, std::int64_t amount_minor,
                            std::string_view currency) {
  // Interning: a tenant has one currency (or a handful), so a remembered last hit and a linear
  // search beat hashing every row.
  if (last_currency_ >= currencies_.size() || currencies_[last_currency_] != currency) {
    auto it = std::find(currencies_.begin(), currencies_.end(), currency);
    if (it == currencies_.end()) {
      currencies_.emplace_back(currency);
      it = currencies_.end() - 1;
    }
    last_currency_ = static_cast<std::uint16_t>(it - currencies_.begin());
  }
  rows_.push_back(Row{customer, placed_at_us, order_id, amount_minor});
  currency_of_.push_back(last_currency_);
}

void AnalysisRowSorter::Append(AnalysisRowSorter&& other) {
  if (rows_.empty()) {
    *this = std::move(other);
    other = AnalysisRowSorter();
    return;
  }
  // Re-map the other sorter's currency indexes into this one's table.
  std::vector<std::uint16_t> map(other.currencies_.size());
  for (std::size_t k = 0; k < other.currencies_.size(); ++k) {
    auto it = std::find(currencies_.begin(), currencies_.end(), other.currencies_[k]);
    if (it == currencies_.end()) {
      currencies_.push_back(other.currencies_[k]);
      it = currencies_.end() - 1;
    }
    map[k] = static_cast<std::uint16_t>(it - currencies_.begin());
  }
  rows_.insert(rows_.end(), other.rows_.begin(), other.rows_.end());
  currency_of_.reserve(currency_of_.size() + other.currency_of_.size());
  for (std::uint16_t c : other.currency_of_) currency_of_.push_back(map[c]);
  other = AnalysisRowSorter();
}

std::vector<std::uint32_t> AnalysisRowSorter::Order() const {
  const std::size_t n = rows_.size();
  std::vector<std::uint32_t> order(n);
  if (n == 0) return order;
  auto by_time = [&](std::uint32_t a, std::uint32_t b) {
    const Row& x = rows_[a];
    const Row& y = rows_[b];
    return std::tie(x.placed_at_us, x.order_id) < std::tie(y.placed_at_us, y.order_id);
  };
  std::int64_t lo = std::numeric_limits<std::int64_t>::max();
  std::int64_t hi = std::numeric_limits<std::int64_t>::min();
  for (const Row& r : rows_) {
    lo = std::min(lo, r.customer);
    hi = std::max(hi, r.customer);
  }
  // A tenant's customer ids are dense (SQLite numbers them per tenant; PostgreSQL's sequence is
  // shared, but one large tenant's ids cluster): a counting sort by customer is linear. Sparse
  // ids fall back to a comparison sort.
  const auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  if (span > 4 * static_cast<std::uint64_t>(n) + 1024) {
    for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      if (rows_[a].customer != rows_[b].customer) return rows_[a].customer < rows_[b].customer;
      return by_time(a, b);
    });
    return order;
  }
  std::vector<std::uint32_t> start(span + 2, 0);
  for (const Row& r : rows_) ++start[static_cast<std::size_t>(r.customer - lo) + 1];
  for (std::size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
  std::vector<std::uint32_t> next(start.begin(), start.end() - 1);
  for (std::size_t i = 0; i < n; ++i)
    order[next[static_cast<std::size_t>(rows_[i].customer - lo)]++] = static_cast<std::uint32_t>(i);
  // Within a customer: scans mostly yield time order already (orders are imported over time),
  // so check before sorting.
  for (std::size_t k = 0; k + 1 < start.size(); ++k) {
    auto first = order.begin() + start[k];
    auto last = order.begin() + start[k + 1];
    if (last - first > 1 && !std::is_sorted(first, last, by_time))
      std::sort(first, last, by_time);
  }
  return order;
}

Status AnalysisRowSorter::Emit(const std::function<Status(const AnalysisRow&)>& sink) {
  Status s = Status::Ok();
  {
    const std::vector<std::uint32_t> order = Order();
    AnalysisRow out;
    for (std::uint32_t i : order) {
      const Row& r = rows_[i];
      out.customer.value = r.customer;
      out.placed_at_us = r.placed_at_us;
      out.amount_minor = r.amount_minor;
      const std::string& currency = currencies_[currency_of_[i]];
      if (out.currency != currency) out.currency = currency;
      s = sink(out);
      if (!s.ok()) break;
    }
  }
  rows_ = {};
  currency_of_ = {};
  return s;
}

}  // namespace clv::storage::internal
