#include "engine/analytics/cohorts.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "core/time.h"

namespace clv::engine {
namespace {

std::int64_t PeriodOf(Period period, std::int64_t day) {
  return PeriodIndex(period, static_cast<double>(day));
}

// Days beyond ±100 million (±270,000 years) are not dates; rejecting them keeps the
// day → double → period conversion exact and every difference far from overflow.
constexpr std::int64_t kMaxAbsDay = 100'000'000;

bool DayInRange(std::int64_t day) { return day >= -kMaxAbsDay && day <= kMaxAbsDay; }

}  // namespace

Result<Period> ParsePeriod(std::string_view name) {
  if (name == "day") return Period::kDay;
  if (name == "week") return Period::kWeek;
  if (name == "month") return Period::kMonth;
  return InvalidArgument("unknown period '" + std::string(name) +
                         "' (expected day, week or month)");
}

std::string_view PeriodName(Period period) {
  switch (period) {
    case Period::kDay: return "day";
    case Period::kWeek: return "week";
    case Period::kMonth: return "month";
  }
  return "day";
}

std::int64_t PeriodStartDay(Period period, std::int64_t period_index) {
  switch (period) {
    case Period::kDay: return period_index;
    case Period::kWeek: return period_index * 7 + 4;  // week 0 starts Monday 1970-01-05
    case Period::kMonth: {
      const std::int64_t year = FloorDiv(period_index, 12);
      const auto month = static_cast<int>(period_index - year * 12 + 1);
      return DaysFromCivil(static_cast<int>(year), month, 1);
    }
  }
  return period_index;
}

Result<CohortMatrix> BuildCohorts(const CohortInput& in, Period period, std::int64_t as_of_day) {
  const std::size_t num_orders = in.customer.size();
  if (in.day.size() != num_orders || in.amount_minor.size() != num_orders) {
    return InvalidArgument("order inputs differ in length: customer " +
                           std::to_string(num_orders) + ", day " +
                           std::to_string(in.day.size()) + ", amount " +
                           std::to_string(in.amount_minor.size()));
  }
  const std::size_t n = in.first_order_day.size();
  if (n == 0) return InvalidArgument("no customers");
  if (!DayInRange(as_of_day)) return InvalidArgument("as-of day out of range");

  CohortMatrix m;
  m.period = period;
  m.as_of_period_index = PeriodOf(period, as_of_day);

  // Cohort of each customer; cohorts are keyed by period index, oldest first.
  std::vector<std::int64_t> cohort_period(n);
  std::map<std::int64_t, std::size_t> row_of;
  for (std::size_t c = 0; c < n; ++c) {
    const std::int64_t d = in.first_order_day[c];
    if (!DayInRange(d) || d > as_of_day) {
      return InvalidArgument("customer " + std::to_string(c) +
                             " has a first order day after the as-of day or out of range");
    }
    cohort_period[c] = PeriodOf(period, d);
    row_of.emplace(cohort_period[c], 0);
  }
  for (auto& [p, row] : row_of) {
    row = m.cohorts.size();
    CohortRow r;
    r.period_index = p;
    r.start_day = PeriodStartDay(period, p);
    const auto width = static_cast<std::size_t>(m.as_of_period_index - p + 1);
    r.active.assign(width, 0);
    r.orders.assign(width, 0);
    r.revenue_minor.assign(width, 0);
    m.cohorts.push_back(std::move(r));
  }
  m.num_periods = m.cohorts.front().active.size();
  std::vector<std::size_t> row_index(n);
  for (std::size_t c = 0; c < n; ++c) {
    row_index[c] = row_of[cohort_period[c]];
    ++m.cohorts[row_index[c]].customers;
  }
  m.total_customers = static_cast<std::int64_t>(n);

  // Orders and revenue per cell; (cell, customer) pairs for the distinct active counts.
  std::vector<std::pair<std::size_t, std::int32_t>> cell_customer;
  cell_customer.reserve(num_orders);
  for (std::size_t i = 0; i < num_orders; ++i) {
    const std::int32_t c = in.customer[i];
    if (c < 0 || static_cast<std::size_t>(c) >= n) {
      return InvalidArgument("order " + std::to_string(i) + " has customer index " +
                             std::to_string(c) + " outside [0, " + std::to_string(n) + ")");
    }
    const std::int64_t d = in.day[i];
    if (!DayInRange(d) || d > as_of_day) {
      return InvalidArgument("order " + std::to_string(i) + " is after the as-of day");
    }
    const auto cu = static_cast<std::size_t>(c);
    if (d < in.first_order_day[cu]) {
      return InvalidArgument("order " + std::to_string(i) +
                             " is before its customer's first order day");
    }
    CohortRow& row = m.cohorts[row_index[cu]];
    const auto k = static_cast<std::size_t>(PeriodOf(period, d) - row.period_index);
    ++row.orders[k];
    if (__builtin_add_overflow(row.revenue_minor[k], in.amount_minor[i], &row.revenue_minor[k]) ||
        __builtin_add_overflow(m.total_revenue_minor, in.amount_minor[i],
                               &m.total_revenue_minor)) {
      return InvalidArgument("revenue total overflows 64-bit minor units");
    }
    // Cell ids are unique across rows: row * num_periods + k.
    cell_customer.emplace_back(row_index[cu] * m.num_periods + k, c);
  }
  m.total_orders = static_cast<std::int64_t>(num_orders);

  std::sort(cell_customer.begin(), cell_customer.end());
  for (std::size_t i = 0; i < cell_customer.size(); ++i) {
    if (i > 0 && cell_customer[i] == cell_customer[i - 1]) continue;
    const std::size_t cell = cell_customer[i].first;
    ++m.cohorts[cell / m.num_periods].active[cell % m.num_periods];
  }
  return m;
}

Result<CohortMetric> ParseCohortMetric(std::string_view name) {
  if (name == "retention") return CohortMetric::kRetention;
  if (name == "revenue") return CohortMetric::kRevenue;
  if (name == "ltv") return CohortMetric::kLtv;
  if (name == "customers") return CohortMetric::kCustomers;
  return InvalidArgument("unknown cohort metric '" + std::string(name) +
                         "' (expected retention, revenue, ltv or customers)");
}

std::string_view CohortMetricName(CohortMetric metric) {
  switch (metric) {
    case CohortMetric::kRetention: return "retention";
    case CohortMetric::kRevenue: return "revenue";
    case CohortMetric::kLtv: return "ltv";
    case CohortMetric::kCustomers: return "customers";
  }
  return "retention";
}

std::optional<double> CohortCell(const CohortRow& row, std::size_t k, CohortMetric metric) {
  if (k >= row.active.size()) return std::nullopt;
  const auto size = static_cast<double>(row.customers);
  switch (metric) {
    case CohortMetric::kRetention:
      return row.customers > 0 ? static_cast<double>(row.active[k]) / size : 0.0;
    case CohortMetric::kRevenue: return static_cast<double>(row.revenue_minor[k]);
    case CohortMetric::kLtv: {
      // Summed exactly (128 bits: partial sums of mixed-sign cells may leave int64 range even
      // when every cell fits) and divided once.
      __int128 cumulative = 0;
      for (std::size_t j = 0; j <= k; ++j) cumulative += row.revenue_minor[j];
      return row.customers > 0 ? static_cast<double>(cumulative) / size : 0.0;
    }
    case CohortMetric::kCustomers: return static_cast<double>(row.active[k]);
  }
  return std::nullopt;
}

std::vector<std::vector<std::optional<double>>> CohortHeatmap(const CohortMatrix& matrix,
                                                              CohortMetric metric) {
  std::vector<std::vector<std::optional<double>>> out;
  out.reserve(matrix.cohorts.size());
  for (const CohortRow& row : matrix.cohorts) {
    std::vector<std::optional<double>> cells(matrix.num_periods);
    for (std::size_t k = 0; k < matrix.num_periods; ++k) cells[k] = CohortCell(row, k, metric);
    out.push_back(std::move(cells));
  }
  return out;
}

}  // namespace clv::engine
