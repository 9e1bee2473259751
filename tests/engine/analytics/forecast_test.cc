#include "engine/analytics/forecast.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <memory>
#include <random>
#include <vector>

namespace clv::engine {
namespace {

constexpr double kZ80 = 1.2815515655446004;  // Φ⁻¹(0.9)

std::unique_ptr<PurchaseModel> BgNbd() {
  // Fader, Hardie & Lee (2005), CDNOW, weeks.
  const std::vector<double> params = {0.243, 4.414, 0.793, 2.426};
  return std::move(MakePurchaseModel("bgnbd", params)).value();
}

RfmData Customers() {
  RfmData d;
  d.frequency = {0, 2, 5, 10, 1};
  d.recency = {0, 30, 5, 37, 2};
  d.age = {30, 38, 38, 38, 60};
  return d;
}

TEST(ForecastTest, SingleCustomerHandComputed) {
  const auto model = BgNbd();
  RfmData d;
  d.frequency = {4};
  d.recency = {30};
  d.age = {38};
  d.weight = {1000};  // 1000 such customers, so the 80% band is not clipped at 0
  const std::vector<double> spend = {2500};
  ForecastOptions o;
  o.horizon = 3;
  o.period_length = 4.0;
  Result<RepeatForecast> f = ForecastRepeatPurchases(*model, d, spend, o);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->periods.size(), 3u);
  EXPECT_NEAR(f->z, kZ80, 1e-12);
  double previous = 0;
  for (int k = 1; k <= 3; ++k) {
    const double cumulative = model->ExpectedPurchases(4.0 * k, 4, 30, 38);
    const double m = 1000 * (cumulative - previous);
    previous = cumulative;
    const ForecastPeriod& p = f->periods[static_cast<std::size_t>(k - 1)];
    EXPECT_EQ(p.period, k);
    EXPECT_NEAR(p.expected_purchases, m, 1e-9);
    EXPECT_NEAR(p.purchases_upper - p.expected_purchases, kZ80 * std::sqrt(m), 1e-9);
    EXPECT_NEAR(p.expected_purchases - p.purchases_lower, kZ80 * std::sqrt(m), 1e-9);
    EXPECT_NEAR(p.expected_revenue, 2500 * m, 1e-6);
    // Revenue sd = sqrt(Σ w s² m_i) = s · sqrt(m) for one kind of customer.
    EXPECT_NEAR(p.revenue_upper - p.expected_revenue, kZ80 * 2500 * std::sqrt(m), 1e-6);
    EXPECT_NEAR(p.cumulative_purchases, 1000 * cumulative, 1e-9);
  }
}

TEST(ForecastTest, PeriodsSumToCumulativeExpectation) {
  const auto model = BgNbd();
  const RfmData d = Customers();
  ForecastOptions o;
  o.horizon = 12;
  o.period_length = 30.4375 / 7;  // months of a weekly model
  Result<RepeatForecast> f = ForecastRepeatPurchases(*model, d, {}, o);
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->has_revenue);
  double sum = 0;
  for (const ForecastPeriod& p : f->periods) {
    sum += p.expected_purchases;
    EXPECT_LE(p.purchases_lower, p.expected_purchases);
    EXPECT_GE(p.purchases_upper, p.expected_purchases);
    EXPECT_GE(p.purchases_lower, 0);
    EXPECT_EQ(p.expected_revenue, 0);
  }
  double direct = 0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    direct += model->ExpectedPurchases(12 * o.period_length, d.frequency[i], d.recency[i],
                                       d.age[i]);
  }
  EXPECT_NEAR(sum, direct, 1e-9 * direct);
  EXPECT_NEAR(f->periods.back().cumulative_purchases, direct, 1e-9 * direct);
  // Fewer and fewer alive customers: each month expects no more than the one before.
  for (std::size_t k = 1; k < f->periods.size(); ++k) {
    EXPECT_LE(f->periods[k].expected_purchases, f->periods[k - 1].expected_purchases + 1e-12);
  }
}

TEST(ForecastTest, BandWidensWithVariance) {
  const auto model = BgNbd();
  RfmData d = Customers();
  ForecastOptions o;
  o.horizon = 2;
  o.period_length = 13;
  const std::vector<double> spend = {1000, 1000, 1000, 1000, 1000};
  Result<RepeatForecast> one = ForecastRepeatPurchases(*model, d, spend, o);
  d.weight = {4, 4, 4, 4, 4};
  Result<RepeatForecast> four = ForecastRepeatPurchases(*model, d, spend, o);
  const std::vector<double> double_spend = {2000, 2000, 2000, 2000, 2000};
  Result<RepeatForecast> dear = ForecastRepeatPurchases(*model, d, double_spend, o);
  ASSERT_TRUE(one.ok() && four.ok() && dear.ok());
  const ForecastPeriod &a = one->periods[0], &b = four->periods[0], &c = dear->periods[0];
  EXPECT_NEAR(b.expected_purchases, 4 * a.expected_purchases, 1e-9);
  // Four times the variance: twice the half-width (upper side is never clipped).
  EXPECT_NEAR(b.purchases_upper - b.expected_purchases,
              2 * (a.purchases_upper - a.expected_purchases), 1e-9);
  EXPECT_NEAR(c.revenue_upper - c.expected_revenue,
              2 * (b.revenue_upper - b.expected_revenue), 1e-6);
  ForecastOptions wide = o;
  wide.band_probability = 0.95;
  Result<RepeatForecast> w = ForecastRepeatPurchases(*model, d, spend, wide);
  ASSERT_TRUE(w.ok());
  EXPECT_GT(w->periods[0].purchases_upper, b.purchases_upper);
}

TEST(ForecastTest, BitIdenticalForAnyThreadCount) {
  const auto model = BgNbd();
  std::mt19937 rng(5);
  RfmData d;
  std::vector<double> spend;
  for (int i = 0; i < 9000; ++i) {
    const double T = 1 + static_cast<double>(rng() % 78);
    const double x = static_cast<double>(rng() % 6);
    d.frequency.push_back(x);
    d.recency.push_back(x == 0 ? 0 : T * static_cast<double>(rng() % 100) / 100.0);
    d.age.push_back(T);
    spend.push_back(1000 + static_cast<double>(rng() % 5000));
  }
  ForecastOptions o;
  o.horizon = 4;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  Result<RepeatForecast> serial = ForecastRepeatPurchases(*model, d, spend, o);
  omp_set_num_threads(3);
  Result<RepeatForecast> parallel = ForecastRepeatPurchases(*model, d, spend, o);
  omp_set_num_threads(threads);
  ASSERT_TRUE(serial.ok() && parallel.ok());
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(serial->periods[k].expected_purchases, parallel->periods[k].expected_purchases);
    EXPECT_EQ(serial->periods[k].revenue_upper, parallel->periods[k].revenue_upper);
  }
}

TEST(ForecastTest, InvalidInput) {
  const auto model = BgNbd();
  const RfmData d = Customers();
  ForecastOptions o;
  const std::vector<double> short_spend = {1, 2};
  EXPECT_EQ(ForecastRepeatPurchases(*model, d, short_spend, o).status().code(),
            StatusCode::kInvalidArgument);
  const std::vector<double> negative = {1, 2, 3, -4, 5};
  EXPECT_EQ(ForecastRepeatPurchases(*model, d, negative, o).status().code(),
            StatusCode::kInvalidArgument);
  for (auto mutate : {+[](ForecastOptions& x) { x.horizon = 0; },
                      +[](ForecastOptions& x) { x.period_length = 0; },
                      +[](ForecastOptions& x) { x.period_length = NAN; },
                      +[](ForecastOptions& x) { x.band_probability = 1; }}) {
    ForecastOptions bad;
    mutate(bad);
    EXPECT_EQ(ForecastRepeatPurchases(*model, d, {}, bad).status().code(),
              StatusCode::kInvalidArgument);
  }
}

TEST(ForecastCheckTest, HandComputed) {
  RepeatForecast f;
  for (int k = 1; k <= 3; ++k) {
    ForecastPeriod p;
    p.period = k;
    p.expected_purchases = 10.0 * k;  // 10, 20, 30
    p.purchases_lower = p.expected_purchases - 5;
    p.purchases_upper = p.expected_purchases + 5;
    f.periods.push_back(p);
  }
  const std::vector<double> actual = {12, 30, 0};
  Result<ForecastCheck> c = CheckForecast(f, actual);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->total_expected, 60);
  EXPECT_EQ(c->total_actual, 42);
  EXPECT_NEAR(c->mean_absolute_error, (2 + 10 + 30) / 3.0, 1e-12);
  EXPECT_NEAR(c->mean_absolute_percentage_error, (2.0 / 12 + 10.0 / 30) / 2, 1e-12);
  EXPECT_NEAR(c->band_coverage, 1.0 / 3, 1e-12);  // only 12 lies in its band [5, 15]
  const std::vector<double> two = {1, 2};
  EXPECT_EQ(CheckForecast(f, two).status().code(), StatusCode::kInvalidArgument);
  const std::vector<double> negative = {1, -2, 3};
  EXPECT_EQ(CheckForecast(f, negative).status().code(), StatusCode::kInvalidArgument);
}

TEST(TrackingTest, CumulativeRepeatPurchasesOfACohort) {
  const auto model = BgNbd();
  // Three customers acquired at weeks 0, 0 and 2 (grouped: weights 2 and 1).
  const std::vector<double> acquired = {0, 2};
  const std::vector<double> weight = {2, 1};
  const std::vector<double> at = {0, 1, 2, 5, 52};
  Result<std::vector<double>> c = ExpectedCumulativeRepeatPurchases(*model, acquired, weight, at);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const auto e = [&](double t) { return model->ExpectedPurchasesNewCustomer(t); };
  EXPECT_EQ((*c)[0], 0.0);
  EXPECT_NEAR((*c)[1], 2 * e(1), 1e-12);
  EXPECT_NEAR((*c)[2], 2 * e(2), 1e-12);  // the week-2 customer has age 0 at t = 2
  EXPECT_NEAR((*c)[3], 2 * e(5) + e(3), 1e-12);
  EXPECT_NEAR((*c)[4], 2 * e(52) + e(50), 1e-12);
  for (std::size_t k = 1; k < c->size(); ++k) EXPECT_GE((*c)[k], (*c)[k - 1]);

  // Ungrouped input gives the same curve.
  const std::vector<double> each = {0, 0, 2};
  Result<std::vector<double>> u = ExpectedCumulativeRepeatPurchases(*model, each, {}, at);
  ASSERT_TRUE(u.ok());
  for (std::size_t k = 0; k < at.size(); ++k) EXPECT_NEAR((*u)[k], (*c)[k], 1e-12);

  EXPECT_EQ(ExpectedCumulativeRepeatPurchases(*model, {}, {}, at).status().code(),
            StatusCode::kInvalidArgument);
  const std::vector<double> bad_weight = {1, 0};
  EXPECT_EQ(ExpectedCumulativeRepeatPurchases(*model, acquired, bad_weight, at).status().code(),
            StatusCode::kInvalidArgument);
  const std::vector<double> one_weight = {1};
  EXPECT_EQ(ExpectedCumulativeRepeatPurchases(*model, acquired, one_weight, at).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace clv::engine
