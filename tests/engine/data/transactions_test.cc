#include "engine/data/transactions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace clv::engine {
namespace {

// Day numbers: 2024-01-01 is day 19723 (a Monday).
constexpr double kJan1 = 19723;

TEST(TransactionsTest, PeriodIndices) {
  EXPECT_EQ(PeriodIndex(Period::kDay, kJan1 + 0.99), 19723);
  EXPECT_EQ(PeriodIndex(Period::kWeek, kJan1), PeriodIndex(Period::kWeek, kJan1 + 6.5));
  EXPECT_EQ(PeriodIndex(Period::kWeek, kJan1 - 1) + 1, PeriodIndex(Period::kWeek, kJan1));
  EXPECT_EQ(PeriodIndex(Period::kMonth, kJan1), 2024 * 12);
  EXPECT_EQ(PeriodIndex(Period::kMonth, kJan1 + 31 + 28), 2024 * 12 + 1);  // 2024-02-29
  EXPECT_EQ(PeriodIndex(Period::kMonth, kJan1 + 31 + 29), 2024 * 12 + 2);  // 2024-03-01
  EXPECT_EQ(PeriodIndex(Period::kMonth, 0), 1970 * 12);
  EXPECT_EQ(PeriodIndex(Period::kMonth, -1), 1969 * 12 + 11);
  EXPECT_DOUBLE_EQ(DaysPerPeriod(Period::kMonth), 30.4375);
}

TEST(TransactionsTest, SummaryFollowsLifetimesDefinitions) {
  // Customer 0: days 0, 0 (same day), 3, 10; customer 1: day 5 only; customer 2: day 20 (after
  // the end); customer 3: none.
  const std::int32_t customer[] = {0, 0, 1, 0, 0, 2};
  const double day[] = {kJan1 + 0.2, kJan1 + 0.7, kJan1 + 5, kJan1 + 10, kJan1 + 3, kJan1 + 20};
  const double amount[] = {10, 5, 7, 30, 20, 99};
  const TransactionLog log{customer, day, amount};
  Result<RfmSummary> s = SummarizeTransactions(log, 4, Period::kDay, kJan1 + 12);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->customer, (std::vector<std::int32_t>{0, 1}));
  EXPECT_EQ(s->data.frequency, (std::vector<double>{2, 0}));
  EXPECT_EQ(s->data.recency, (std::vector<double>{10, 0}));
  EXPECT_EQ(s->data.age, (std::vector<double>{12, 7}));
  EXPECT_EQ(s->data.monetary, (std::vector<double>{25, 0}));  // (20 + 30) / 2
  EXPECT_TRUE(ValidateRfm(s->data).ok());

  Result<RfmSummary> w = SummarizeTransactions(log, 4, Period::kWeek, kJan1 + 12);
  ASSERT_TRUE(w.ok());
  // Weeks: days 0 and 3 share week 0, day 10 is week 1: one repeat period worth 30.
  EXPECT_EQ(w->data.frequency, (std::vector<double>{1, 0}));
  EXPECT_EQ(w->data.recency, (std::vector<double>{1, 0}));
  EXPECT_EQ(w->data.age, (std::vector<double>{1, 1}));
  EXPECT_EQ(w->data.monetary, (std::vector<double>{30, 0}));
}

TEST(TransactionsTest, CalibrationHoldoutSplit) {
  const std::int32_t customer[] = {0, 0, 0, 0, 1, 2};
  const double day[] = {kJan1, kJan1 + 4, kJan1 + 15, kJan1 + 18, kJan1 + 16, kJan1 + 2};
  const double amount[] = {1, 2, 3, 4, 5, 6};
  Result<CalibrationHoldout> ch =
      SplitCalibrationHoldout({customer, day, amount}, 3, Period::kDay, kJan1 + 9, kJan1 + 29);
  ASSERT_TRUE(ch.ok()) << ch.status().ToString();
  // Customer 1 first bought after the calibration end: excluded.
  EXPECT_EQ(ch->calibration.customer, (std::vector<std::int32_t>{0, 2}));
  EXPECT_EQ(ch->calibration.data.frequency, (std::vector<double>{1, 0}));
  EXPECT_EQ(ch->calibration.data.age, (std::vector<double>{9, 7}));
  EXPECT_EQ(ch->holdout_frequency, (std::vector<double>{2, 0}));
  EXPECT_EQ(ch->holdout_monetary, (std::vector<double>{3.5, 0}));
  EXPECT_EQ(ch->holdout_duration, 20);
  EXPECT_FALSE(
      SplitCalibrationHoldout({customer, day, amount}, 3, Period::kDay, kJan1 + 29, kJan1 + 9).ok());
}

// SummarizeAtEnds is SummarizeTransactions of each prefix, in every period, including fractional
// days, several purchases per period, ends inside a purchase's period and ends long after the
// last purchase (seeded, so the same cases every run).
TEST(TransactionsTest, SummaryAtEndsEqualsTheSummaryOfEachPrefix) {
  std::mt19937_64 rng(20261126);
  for (Period period : {Period::kDay, Period::kWeek, Period::kMonth}) {
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<double> days;
      double d = kJan1 - 400 + static_cast<double>(rng() % 800);
      const int n = 1 + static_cast<int>(rng() % 12);
      for (int i = 0; i < n; ++i) {
        d += static_cast<double>(rng() % 4 == 0 ? 0 : rng() % 70) + (rng() % 10) / 10.0;
        days.push_back(d);
      }
      std::vector<double> ends = {days.front()};
      for (double day : days) {
        ends.push_back(day);
        ends.push_back(std::floor(day) + 1 + static_cast<double>(rng() % 9));
      }
      ends.push_back(days.back() + 400);
      // Ascending ends (a curve's order) are one pass; ends before the previous one rewind.
      if (trial % 3 == 1) std::sort(ends.begin(), ends.end());
      if (trial % 3 == 2) std::shuffle(ends.begin(), ends.end(), rng);
      Result<RfmData> got = SummarizeAtEnds(days, period, ends);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_EQ(got->frequency.size(), ends.size());
      EXPECT_TRUE(got->monetary.empty());
      for (std::size_t k = 0; k < ends.size(); ++k) {
        const auto m = static_cast<std::size_t>(
            std::upper_bound(days.begin(), days.end(), ends[k]) - days.begin());
        const std::vector<std::int32_t> customer(m, 0);
        const TransactionLog log{customer, std::span(days).first(m), {}};
        Result<RfmSummary> want = SummarizeTransactions(log, 1, period, ends[k]);
        ASSERT_TRUE(want.ok()) << want.status().ToString();
        ASSERT_EQ(want->data.size(), 1u);
        EXPECT_EQ(got->frequency[k], want->data.frequency[0]) << "trial " << trial << " end " << k;
        EXPECT_EQ(got->recency[k], want->data.recency[0]) << "trial " << trial << " end " << k;
        EXPECT_EQ(got->age[k], want->data.age[0]) << "trial " << trial << " end " << k;
      }
    }
  }
}

TEST(TransactionsTest, SummaryAtEndsRejectsBadInput) {
  const double days[] = {kJan1, kJan1 + 3};
  const double end[] = {kJan1 + 5};
  EXPECT_EQ(SummarizeAtEnds({}, Period::kDay, end).status().code(), StatusCode::kInvalidArgument);
  const double unsorted[] = {kJan1 + 3, kJan1};
  EXPECT_EQ(SummarizeAtEnds(unsorted, Period::kDay, end).status().code(),
            StatusCode::kInvalidArgument);
  const double nan_day[] = {kJan1, NAN};
  EXPECT_EQ(SummarizeAtEnds(nan_day, Period::kDay, end).status().code(),
            StatusCode::kInvalidArgument);
  const double before_first[] = {kJan1 - 1};
  Result<RfmData> r = SummarizeAtEnds(days, Period::kDay, before_first);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("no transaction on or before"), std::string::npos);
  const double inf_end[] = {INFINITY};
  EXPECT_EQ(SummarizeAtEnds(days, Period::kWeek, inf_end).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(TransactionsTest, RejectsInvalidLogs) {
  const std::int32_t customer[] = {0, 1};
  const double day[] = {kJan1, kJan1 + 1};
  const double amount[] = {1, 2};
  EXPECT_FALSE(SummarizeTransactions({customer, day, amount}, 1, Period::kDay, kJan1 + 5).ok());
  const double nan_day[] = {kJan1, NAN};
  EXPECT_FALSE(SummarizeTransactions({customer, nan_day, amount}, 2, Period::kDay, kJan1 + 5).ok());
  const double inf_amount[] = {1, INFINITY};
  EXPECT_FALSE(SummarizeTransactions({customer, day, inf_amount}, 2, Period::kDay, kJan1 + 5).ok());
  EXPECT_FALSE(SummarizeTransactions({customer, std::span(day, 1), {}}, 2, Period::kDay, kJan1).ok());
  EXPECT_FALSE(SummarizeTransactions({{}, {}, {}}, 2, Period::kDay, kJan1).ok());
  // Everything after the end.
  Result<RfmSummary> none = SummarizeTransactions({customer, day, amount}, 2, Period::kDay, kJan1 - 3);
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  // No amounts: monetary stays empty.
  Result<RfmSummary> s = SummarizeTransactions({customer, day, {}}, 2, Period::kDay, kJan1 + 5);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->data.monetary.empty());
}

}  // namespace
}  // namespace clv::engine
