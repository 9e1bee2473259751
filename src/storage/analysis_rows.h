// The tenant-wide analysis read shared by both backends (Store::StreamOrdersForAnalysis): rows
// are collected in whatever order a sequential scan yields them, then sorted in memory by
// customer, placed_at, order id and handed to the sink. A sequential read plus an in-memory sort
// is far cheaper than walking the (tenant, customer, placed_at, id) index, whose heap fetches are
// random page reads once the orders outgrow the database cache (docs/benchmarks.md, "Calculation
// 1M customers / 5M orders"). Internal to storage/.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/store.h"

namespace clv::storage::internal {

// Not thread-safe. Memory: about 36 bytes per row plus 4 per row while sorting.
class AnalysisRowSorter {
 public:
  // `amount_minor` is already signed (refunds negative).
  void Add(std::int64_t customer, std::int64_t placed_at_us, std::int64_t order_id,
           std::int64_t amount_minor, std::string_view currency);
  std::size_t size() const { return rows_.size(); }
  // Moves every row of `other` into this one (the order of rows added does not matter: Emit
  // sorts). For reads split over several connections, each filling its own sorter.
  void Append(AnalysisRowSorter&& other);
  // Calls `sink` once per row in (customer, placed_at, order id) order; the first non-OK Status
  // from `sink` stops and is returned. The rows are released afterwards.
  Status Emit(const std::function<Status(const AnalysisRow&)>& sink);

 private:
  struct Row {
    std::int64_t customer;
    std::int64_t placed_at_us;
    std::int64_t order_id;
    std::int64_t amount_minor;
  };
  // The permutation of rows_ in output order.
  std::vector<std::uint32_t> Order() const;

  std::vector<Row> rows_;
  std::vector<std::uint16_t> currency_of_;  // index into currencies_, per row
  std::vector<std::string> currencies_;     // distinct codes (normally one)
  std::uint16_t last_currency_ = 0;
};

}  // namespace clv::storage::internal
