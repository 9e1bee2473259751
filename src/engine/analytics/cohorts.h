// Acquisition cohorts (GET /clv/cohorts?period=month&metric=retention|revenue|ltv|customers).
//
// Customers are grouped by the calendar period of their first order (their acquisition
// cohort); each cohort row has one cell per period since acquisition, k = 0, 1, 2, ...:
//   active[k]          customers of the cohort with at least one order in period k
//   orders[k]          orders (log rows) of the cohort in period k
//   revenue_minor[k]   their summed amounts (int64 minor units; refunds are negative rows)
// and the derived metrics, computed on request (CohortCell):
//   retention  = active[k] / customers           (cohort size = customers acquired)
//   ltv        = (revenue[0] + ... + revenue[k]) / customers   (cumulative, per customer)
// Periods are calendar periods (engine/data/transactions.h: kDay, kWeek starting Monday,
// kMonth by civil date in UTC); "k periods since acquisition" is the difference of period
// indices, so an order on Jan 31 from a customer acquired on Jan 30 is in k = 0 and one on
// Feb 1 is in k = 1.
//
// Ragged matrix: a cohort acquired in period P has observed cells k = 0 .. (period of
// as_of_day) − P only; later cells do not exist (the vectors are shorter) and CohortCell
// returns nullopt for them — absent, never zero. Only cohorts with at least one customer are
// listed, oldest first.
//
// Invariants (tested): Σ customers over cohorts = number of customers; Σ revenue cells =
// Σ amounts of the log; Σ orders cells = log size. With a complete log (every customer's first
// order present), active[0] = customers.
//
// Pure functions, thread-safe. Errors are InvalidArgument naming the first bad row (0-based).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engine/data/transactions.h"

namespace clv::engine {

// "day", "week", "month" → Period; anything else is InvalidArgument listing the choices.
Result<Period> ParsePeriod(std::string_view name);
std::string_view PeriodName(Period period);

// The first day (days since 1970-01-01) of the period with the given index (inverse of
// PeriodIndex: the Monday of a week, the 1st of a month).
std::int64_t PeriodStartDay(Period period, std::int64_t period_index);

struct CohortInput {
  std::span<const std::int32_t> customer;      // per order: customer index in [0, n)
  std::span<const std::int64_t> day;           // per order: days since 1970-01-01 (UTC)
  std::span<const std::int64_t> amount_minor;  // per order: net amount, minor units
  std::span<const std::int64_t> first_order_day;  // per customer (n entries): acquisition day
};

struct CohortRow {
  std::int64_t period_index = 0;  // PeriodIndex(period, acquisition day)
  std::int64_t start_day = 0;     // first day of that period
  std::int64_t customers = 0;     // acquired in the period
  // Observed cells only: size = (period of as_of_day) − period_index + 1.
  std::vector<std::int64_t> active;
  std::vector<std::int64_t> orders;
  std::vector<std::int64_t> revenue_minor;
};

struct CohortMatrix {
  Period period = Period::kMonth;
  std::int64_t as_of_period_index = 0;
  std::size_t num_periods = 0;  // the widest row (the oldest cohort's observed periods)
  std::vector<CohortRow> cohorts;
  std::int64_t total_customers = 0;
  std::int64_t total_orders = 0;
  std::int64_t total_revenue_minor = 0;
};

// InvalidArgument when: the per-order spans differ in length; a customer index is out of
// range; first_order_day is empty; an order is before its customer's first order day or after
// as_of_day; a first order day is after as_of_day; a revenue sum overflows int64.
Result<CohortMatrix> BuildCohorts(const CohortInput& input, Period period,
                                  std::int64_t as_of_day);

enum class CohortMetric { kRetention, kRevenue, kLtv, kCustomers };

// "retention", "revenue", "ltv", "customers" (= active customers) → metric; else
// InvalidArgument listing the choices.
Result<CohortMetric> ParseCohortMetric(std::string_view name);
std::string_view CohortMetricName(CohortMetric metric);

// One cell's value: retention in 0..1, revenue and ltv in minor units, customers as a count.
// nullopt when k is beyond the row's observed periods (a ragged, absent cell).
std::optional<double> CohortCell(const CohortRow& row, std::size_t k, CohortMetric metric);

// The heatmap: one row per cohort, num_periods columns each, absent cells nullopt.
std::vector<std::vector<std::optional<double>>> CohortHeatmap(const CohortMatrix& matrix,
                                                              CohortMetric metric);

}  // namespace clv::engine
