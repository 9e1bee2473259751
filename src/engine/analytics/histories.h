// Distinct customer histories and the (x, T) pairs they share, for batch evaluation of the
// purchase models (scoring, forecasts, the calculation's CLV and its interval).
//
// Why: every per-customer quantity of the purchase models depends on (x, t_x, T) only, and the
// conditional expectation factors as E[X(t) | x, t_x, T] = P(alive | x, t_x, T) · E[X(t) | alive,
// x, T] (PurchaseModel::ExpectedPurchasesIfAlive), whose second factor — the costly 2F1 series
// of BG/NBD — depends on (x, T) only. A shop's summary has far fewer distinct (x, T) than
// customers (1 M customers with day-level times over three years: ~10^5 pairs), so the series
// run once per pair and once per time, and each history multiplies by its P(alive). Results are
// bit-identical to calling ExpectedPurchases per customer (the models guarantee the product).
//
// Pure and thread-safe; parallel loops (OpenMP) write disjoint entries, so the results do not
// depend on the thread count.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/data/group_rows.h"
#include "engine/data/rfm.h"
#include "engine/models/purchase_model.h"

namespace clv::engine {

struct HistoryIndex {
  RowGroups rows;                              // data row -> history (distinct (x, t_x, T))
  std::vector<double> x, t_x, T;               // per history
  std::vector<std::int32_t> pair_of_history;   // history -> distinct (x, T) pair
  std::vector<double> pair_x, pair_T;          // per pair

  std::size_t num_histories() const { return x.size(); }
  std::size_t num_pairs() const { return pair_x.size(); }
};

// Groups `data` (which must pass ValidateRfm; the caller checks) into histories and pairs,
// each numbered by first appearance.
HistoryIndex IndexHistories(const RfmData& data);

// P(alive) of every history: out[h] = model.ProbabilityAlive(x[h], t_x[h], T[h]).
std::vector<double> ProbabilityAliveOfHistories(const PurchaseModel& model,
                                                const HistoryIndex& index);

// The alive factor at every pair and time: out[p * times.size() + k] =
// model.ExpectedPurchasesIfAlive(times[k], pair_x[p], pair_T[p]). So for history h with pair p,
// model.ExpectedPurchases(times[k], x, t_x, T) == alive[h] * out[p * times.size() + k] exactly.
std::vector<double> ExpectedPurchasesIfAliveOfPairs(const PurchaseModel& model,
                                                    const HistoryIndex& index,
                                                    std::span<const double> times);

}  // namespace clv::engine
