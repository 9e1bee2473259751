// From a transaction log to per-customer purchase summaries (engine/data/rfm.h).
//
// Periods (the summary's time unit), the same grouping as lifetimes'
// summary_data_from_transaction_data, which converts dates to pandas periods:
//   kDay   = calendar days;
//   kWeek  = calendar weeks starting on Monday (pandas 'W' = 'W-SUN', weeks ending on Sunday);
//   kMonth = calendar months (pandas 'M'), from the proleptic Gregorian calendar.
// Times are given as days since 1970-01-01 (UTC), as doubles: an integer day number, or a day
// with a fraction for the time of day. An order belongs to the period containing its day.
// Recency and age are whole numbers of periods between the period of the first purchase and
// the period of the last purchase / of the observation end, so a customer who first bought in
// the observation end's own period has T = 0 (as in lifetimes).
// Monetary value = mean over the repeat periods of the period's summed amounts.
//
// Pure functions; nothing here is stateful. Errors are InvalidArgument naming the first bad
// transaction (0-based index).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "engine/data/rfm.h"

namespace clv::engine {

enum class Period { kDay, kWeek, kMonth };

// Days per period for converting model rates ("per week") to days: 1, 7 and 30.4375 (the
// mean Gregorian month, 365.25 / 12). Used for conversions only; summaries count periods.
double DaysPerPeriod(Period period);

// The index of the period containing `day` (days since 1970-01-01): day number, Monday-based
// week number, or year * 12 + month - 1. Exact for any finite day.
std::int64_t PeriodIndex(Period period, double day);

// A log of transactions as parallel arrays. customer[i] in [0, num_customers); day[i] finite;
// amount[i] finite (negative amounts = refunds are allowed and reduce the period's total).
// `amount` may be empty (no monetary data: monetary comes back empty).
struct TransactionLog {
  std::span<const std::int32_t> customer;
  std::span<const double> day;
  std::span<const double> amount;
};

// Summaries of the customers with at least one transaction on or before `observation_end`
// (a day; the period containing it is the last observed period). Transactions after it are
// ignored. `customer` lists the customer index of each row, ascending.
struct RfmSummary {
  RfmData data;
  std::vector<std::int32_t> customer;
};

Result<RfmSummary> SummarizeTransactions(const TransactionLog& log, std::int32_t num_customers,
                                         Period period, double observation_end);

// One customer's summary at several observation ends, for a curve over time: row k equals the
// frequency, recency and age that SummarizeTransactions gives for the purchases with day <=
// ends[k] observed at ends[k] (monetary is left empty). One pass over the purchases instead of
// one summary per end. `days` must be non-empty, finite and ascending; every end finite and on
// or after days.front(). Ends may come in any order; ascending ends cost one pass over `days`
// without scratch memory, and each end before its predecessor rescans from the first purchase.
Result<RfmData> SummarizeAtEnds(std::span<const double> days, Period period,
                                std::span<const double> ends);

// lifetimes' calibration_and_holdout_data: the calibration summary at `calibration_end`
// (customers whose first purchase is after it are excluded), plus, for the same rows, the
// number of distinct periods with a purchase in (calibration_end period, observation_end
// period] and the holdout monetary value (mean of those periods' totals, 0 when none).
// holdout_duration = observation_end period − calibration_end period, the same for everyone.
struct CalibrationHoldout {
  RfmSummary calibration;
  std::vector<double> holdout_frequency;
  std::vector<double> holdout_monetary;  // empty when the log has no amounts
  double holdout_duration = 0;
};

Result<CalibrationHoldout> SplitCalibrationHoldout(const TransactionLog& log,
                                                   std::int32_t num_customers, Period period,
                                                   double calibration_end,
                                                   double observation_end);

}  // namespace clv::engine
