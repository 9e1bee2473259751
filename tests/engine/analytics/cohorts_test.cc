#include "engine/analytics/cohorts.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "core/time.h"

namespace clv::engine {
namespace {

std::int64_t D(int y, int m, int d) { return DaysFromCivil(y, m, d); }

// Three customers, monthly cohorts, observed to 2024-04-15:
//   c0 acquired 2024-01-15: orders Jan 15 (1000), Jan 20 (500), Feb 3 (2000), Apr 1 (300)
//   c1 acquired 2024-01-31: orders Jan 31 (700), Feb 1 (800)
//   c2 acquired 2024-03-10: orders Mar 10 (400), a refund Mar 11 (-100)
struct Example {
  std::vector<std::int32_t> customer = {0, 0, 0, 0, 1, 1, 2, 2};
  std::vector<std::int64_t> day = {D(2024, 1, 15), D(2024, 1, 20), D(2024, 2, 3),
                                   D(2024, 4, 1),  D(2024, 1, 31), D(2024, 2, 1),
                                   D(2024, 3, 10), D(2024, 3, 11)};
  std::vector<std::int64_t> amount = {1000, 500, 2000, 300, 700, 800, 400, -100};
  std::vector<std::int64_t> first = {D(2024, 1, 15), D(2024, 1, 31), D(2024, 3, 10)};
  CohortInput input() const { return {customer, day, amount, first}; }
};

TEST(CohortsTest, HandComputedMonthlyMatrix) {
  const Example ex;
  Result<CohortMatrix> m = BuildCohorts(ex.input(), Period::kMonth, D(2024, 4, 15));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->cohorts.size(), 2u);
  EXPECT_EQ(m->num_periods, 4u);
  const CohortRow& jan = m->cohorts[0];
  EXPECT_EQ(jan.start_day, D(2024, 1, 1));
  EXPECT_EQ(jan.customers, 2);
  EXPECT_EQ(jan.active, (std::vector<std::int64_t>{2, 2, 0, 1}));
  EXPECT_EQ(jan.orders, (std::vector<std::int64_t>{3, 2, 0, 1}));
  EXPECT_EQ(jan.revenue_minor, (std::vector<std::int64_t>{2200, 2800, 0, 300}));
  const CohortRow& mar = m->cohorts[1];
  EXPECT_EQ(mar.start_day, D(2024, 3, 1));
  EXPECT_EQ(mar.customers, 1);
  EXPECT_EQ(mar.active, (std::vector<std::int64_t>{1, 0}));
  EXPECT_EQ(mar.revenue_minor, (std::vector<std::int64_t>{300, 0}));
  EXPECT_EQ(m->total_customers, 3);
  EXPECT_EQ(m->total_orders, 8);
  EXPECT_EQ(m->total_revenue_minor, 5600);

  EXPECT_EQ(CohortCell(jan, 3, CohortMetric::kRetention), 0.5);
  EXPECT_EQ(CohortCell(jan, 1, CohortMetric::kLtv), 2500.0);  // (2200 + 2800) / 2
  EXPECT_EQ(CohortCell(jan, 3, CohortMetric::kLtv), 2650.0);
  EXPECT_EQ(CohortCell(jan, 2, CohortMetric::kCustomers), 0.0);  // observed zero, not absent
  EXPECT_EQ(CohortCell(mar, 2, CohortMetric::kRevenue), std::nullopt);

  const auto heat = CohortHeatmap(*m, CohortMetric::kRetention);
  ASSERT_EQ(heat.size(), 2u);
  ASSERT_EQ(heat[1].size(), 4u);
  EXPECT_EQ(heat[0][0], 1.0);
  EXPECT_EQ(heat[1][0], 1.0);
  EXPECT_EQ(heat[1][1], 0.0);
  EXPECT_FALSE(heat[1][2].has_value());  // ragged: March cohort not observed in May/June
  EXPECT_FALSE(heat[1][3].has_value());
}

TEST(CohortsTest, WeeklyAndDailyPeriodsUseCalendarBoundaries) {
  const Example ex;
  // 2024-01-31 is a Wednesday, 2024-02-01 a Thursday: same week, k = 0 for c1.
  Result<CohortMatrix> w = BuildCohorts(ex.input(), Period::kWeek, D(2024, 4, 15));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->cohorts.size(), 3u);  // the weeks of Jan 15, Jan 29 and Mar 4
  EXPECT_EQ(w->cohorts[1].start_day, D(2024, 1, 29));  // a Monday
  EXPECT_EQ(w->cohorts[1].orders[0], 2);
  EXPECT_EQ(w->cohorts[1].active[0], 1);
  Result<CohortMatrix> d = BuildCohorts(ex.input(), Period::kDay, D(2024, 4, 15));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->cohorts[1].revenue_minor[1], 800);  // Feb 1 is one day after Jan 31
}

TEST(CohortsTest, PeriodStartDayInvertsPeriodIndex) {
  for (std::int64_t day = -800; day < 800; day += 3) {
    for (Period p : {Period::kDay, Period::kWeek, Period::kMonth}) {
      const std::int64_t idx = PeriodIndex(p, static_cast<double>(day));
      const std::int64_t start = PeriodStartDay(p, idx);
      EXPECT_LE(start, day);
      EXPECT_EQ(PeriodIndex(p, static_cast<double>(start)), idx);
      EXPECT_EQ(PeriodIndex(p, static_cast<double>(start - 1)), idx - 1);
    }
  }
}

TEST(CohortsTest, RandomLogInvariants) {
  std::mt19937 rng(20240501);
  const std::int32_t n = 400;
  const std::int64_t start = D(2022, 1, 1), as_of = D(2023, 12, 31);
  std::vector<std::int64_t> first(n);
  std::vector<std::int32_t> customer;
  std::vector<std::int64_t> day, amount;
  std::int64_t total = 0;
  for (std::int32_t c = 0; c < n; ++c) {
    first[static_cast<std::size_t>(c)] = start + static_cast<std::int64_t>(rng() % 700);
    const int orders = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < orders; ++k) {
      customer.push_back(c);
      const std::int64_t f = first[static_cast<std::size_t>(c)];
      day.push_back(k == 0 ? f : f + static_cast<std::int64_t>(rng() % (as_of - f + 1)));
      amount.push_back(static_cast<std::int64_t>(rng() % 20000) - 1000);
      total += amount.back();
    }
  }
  for (Period p : {Period::kDay, Period::kWeek, Period::kMonth}) {
    Result<CohortMatrix> m = BuildCohorts({customer, day, amount, first}, p, as_of);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    std::int64_t customers = 0, revenue = 0, orders = 0;
    for (std::size_t r = 0; r < m->cohorts.size(); ++r) {
      const CohortRow& row = m->cohorts[r];
      customers += row.customers;
      for (std::int64_t v : row.revenue_minor) revenue += v;
      for (std::int64_t v : row.orders) orders += v;
      EXPECT_EQ(row.active[0], row.customers);  // complete log: everyone active at k = 0
      for (std::int64_t a : row.active) EXPECT_LE(a, row.customers);
      EXPECT_EQ(static_cast<std::int64_t>(row.active.size()),
                m->as_of_period_index - row.period_index + 1);
      if (r > 0) {
        EXPECT_LT(m->cohorts[r - 1].period_index, row.period_index);
      }
    }
    EXPECT_EQ(customers, n);
    EXPECT_EQ(revenue, total);
    EXPECT_EQ(orders, static_cast<std::int64_t>(customer.size()));
    EXPECT_EQ(m->total_revenue_minor, total);
    // The last cumulative LTV cell times the cohort size is the cohort's revenue.
    const CohortRow& row0 = m->cohorts[0];
    std::int64_t row_revenue = 0;
    for (std::int64_t v : row0.revenue_minor) row_revenue += v;
    EXPECT_DOUBLE_EQ(*CohortCell(row0, row0.active.size() - 1, CohortMetric::kLtv) *
                         static_cast<double>(row0.customers),
                     static_cast<double>(row_revenue));
  }
}

TEST(CohortsTest, InvalidInput) {
  const Example ex;
  const std::int64_t as_of = D(2024, 4, 15);
  CohortInput bad = ex.input();
  bad.amount_minor = bad.amount_minor.subspan(1);
  EXPECT_EQ(BuildCohorts(bad, Period::kMonth, as_of).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildCohorts(ex.input(), Period::kMonth, D(2024, 3, 31)).status().code(),
            StatusCode::kInvalidArgument);  // an order after as_of
  Example before = ex;
  before.day[1] = D(2024, 1, 1);  // before c0's first order
  EXPECT_EQ(BuildCohorts(before.input(), Period::kMonth, as_of).status().code(),
            StatusCode::kInvalidArgument);
  Example out_of_range = ex;
  out_of_range.customer[0] = 3;
  EXPECT_EQ(BuildCohorts(out_of_range.input(), Period::kMonth, as_of).status().code(),
            StatusCode::kInvalidArgument);
  Example negative = ex;
  negative.customer[0] = -1;
  EXPECT_EQ(BuildCohorts(negative.input(), Period::kMonth, as_of).status().code(),
            StatusCode::kInvalidArgument);
  CohortInput none = ex.input();
  none.first_order_day = {};
  EXPECT_EQ(BuildCohorts(none, Period::kMonth, as_of).status().code(),
            StatusCode::kInvalidArgument);

  EXPECT_EQ(*ParsePeriod("week"), Period::kWeek);
  EXPECT_EQ(ParsePeriod("fortnight").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*ParseCohortMetric("ltv"), CohortMetric::kLtv);
  EXPECT_EQ(ParseCohortMetric("profit").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace clv::engine
