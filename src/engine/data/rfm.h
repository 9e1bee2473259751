// Per-customer purchase summaries: the input of every purchase model.
//
// Definitions (Fader, Hardie & Lee 2005; the same as lifetimes' summary_data_from_transaction_data):
//   frequency x  = number of *repeat* purchase periods: distinct periods with a purchase after
//                  the period of the first purchase (several orders in one period count once);
//   recency  t_x = age of the customer at the last purchase, i.e. time from the first purchase
//                  to the last one (0 when x = 0);
//   age      T   = time from the first purchase to the observation end;
//   monetary     = mean value of the repeat purchases (first purchase excluded; orders in one
//                  period summed first), 0 when x = 0.
// Times are in the summary's period unit (day, week or month), as doubles.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/status.h"

namespace clv::engine {

// Structure of arrays: one row per customer, or per group of identical customers after
// Compress (weight = how many customers share the row).
struct RfmData {
  std::vector<double> frequency;  // x
  std::vector<double> recency;    // t_x
  std::vector<double> age;        // T
  std::vector<double> monetary;   // mean repeat-purchase value; may be empty (no spend data)
  std::vector<double> weight;     // may be empty: every row weighs 1

  std::size_t size() const { return frequency.size(); }
  double WeightOf(std::size_t i) const { return weight.empty() ? 1.0 : weight[i]; }
  double TotalWeight() const;
};

// InvalidArgument naming the first bad row (0-based index) when: the arrays differ in length;
// the data is empty; a value is negative or not finite; x is not a whole number; t_x > T;
// x = 0 with t_x != 0; x > 0 with t_x = 0 is allowed (repeat purchases in the first period
// after the first, with period-rounded recency). Weights must be positive.
Status ValidateRfm(const RfmData& data);

// Groups identical (x, t_x, T) rows into weighted rows, in a deterministic order (sorted by
// x, t_x, T). Monetary values are dropped (they differ within a group).
RfmData Compress(const RfmData& data);

}  // namespace clv::engine
