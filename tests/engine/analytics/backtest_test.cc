#include "engine/analytics/backtest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/cdnow_sample.h"
#include "core/time.h"
#include "engine/analytics/forecast.h"
#include "engine/data/transactions.h"

namespace clv::engine {
namespace {

std::unique_ptr<PurchaseModel> Make(const char* name, std::vector<double> params) {
  Result<std::unique_ptr<PurchaseModel>> m = MakePurchaseModel(name, params);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

// Fader, Hardie & Lee (2005) estimates on the CDNOW calibration period (weeks).
std::unique_ptr<PurchaseModel> FhlBgNbd() { return Make("bgnbd", {0.243, 4.414, 0.793, 2.426}); }

TEST(BacktestTest, BucketsAndMetricsByHand) {
  const auto model = FhlBgNbd();
  RfmData cal;
  cal.frequency = {0, 0, 1, 8, 9};
  cal.recency = {0, 0, 20, 30, 38};
  cal.age = {39, 20, 39, 39, 39};
  const std::vector<double> actual = {0, 1, 1, 5, 7};
  const std::vector<double> duration = {39};
  Result<Backtest> bt = RunBacktest(*model, cal, actual, duration);
  ASSERT_TRUE(bt.ok()) << bt.status().ToString();
  EXPECT_EQ(bt->model, "bgnbd");
  EXPECT_EQ(bt->holdout_duration, 39);
  std::vector<double> p(5);
  for (std::size_t i = 0; i < 5; ++i) {
    p[i] = model->ExpectedPurchases(39, cal.frequency[i], cal.recency[i], cal.age[i]);
    EXPECT_DOUBLE_EQ(bt->predicted[i], p[i]);
  }
  ASSERT_EQ(bt->buckets.size(), 8u);  // 0..6 and 7+
  EXPECT_EQ(bt->buckets[0].customers, 2);
  EXPECT_NEAR(bt->buckets[0].mean_predicted, (p[0] + p[1]) / 2, 1e-12);
  EXPECT_NEAR(bt->buckets[0].mean_actual, 0.5, 1e-12);
  EXPECT_EQ(bt->buckets[1].customers, 1);
  EXPECT_EQ(bt->buckets[3].customers, 0);
  EXPECT_EQ(bt->buckets[3].mean_predicted, 0);
  EXPECT_TRUE(bt->buckets[7].and_more);
  EXPECT_EQ(bt->buckets[7].frequency, 7);
  EXPECT_EQ(bt->buckets[7].customers, 2);
  EXPECT_NEAR(bt->buckets[7].mean_actual, 6, 1e-12);
  EXPECT_NEAR(bt->buckets[7].mean_predicted, (p[3] + p[4]) / 2, 1e-12);

  double tp = 0, ta = 0, abs_err = 0, sq_err = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    tp += p[i];
    ta += actual[i];
    abs_err += std::abs(p[i] - actual[i]);
    sq_err += (p[i] - actual[i]) * (p[i] - actual[i]);
  }
  const double mp = tp / 5, ma = ta / 5;
  double cov = 0, vp = 0, va = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    cov += (p[i] - mp) * (actual[i] - ma);
    vp += (p[i] - mp) * (p[i] - mp);
    va += (actual[i] - ma) * (actual[i] - ma);
  }
  EXPECT_NEAR(bt->metrics.total_predicted, tp, 1e-12);
  EXPECT_EQ(bt->metrics.total_actual, 14);
  EXPECT_NEAR(bt->metrics.mae, abs_err / 5, 1e-12);
  EXPECT_NEAR(bt->metrics.rmse, std::sqrt(sq_err / 5), 1e-12);
  EXPECT_NEAR(bt->metrics.correlation, cov / std::sqrt(vp * va), 1e-9);
  EXPECT_GT(bt->metrics.correlation, 0.9);

  // Weighted rows equal repeated rows.
  RfmData weighted = cal;
  weighted.weight = {3, 1, 1, 1, 1};
  RfmData repeated = cal;
  repeated.frequency.insert(repeated.frequency.end(), {0, 0});
  repeated.recency.insert(repeated.recency.end(), {0, 0});
  repeated.age.insert(repeated.age.end(), {39, 39});
  std::vector<double> actual_rep = actual;
  actual_rep.insert(actual_rep.end(), {0, 0});
  Result<Backtest> w = RunBacktest(*model, weighted, actual, duration);
  Result<Backtest> r = RunBacktest(*model, repeated, actual_rep, duration);
  ASSERT_TRUE(w.ok() && r.ok());
  EXPECT_NEAR(w->metrics.rmse, r->metrics.rmse, 1e-12);
  EXPECT_NEAR(w->metrics.correlation, r->metrics.correlation, 1e-12);
  EXPECT_NEAR(w->buckets[0].mean_predicted, r->buckets[0].mean_predicted, 1e-12);
}

TEST(BacktestTest, InvalidInput) {
  const auto model = FhlBgNbd();
  RfmData cal;
  cal.frequency = {0, 1};
  cal.recency = {0, 2};
  cal.age = {5, 5};
  const std::vector<double> actual = {0, 1}, duration = {3};
  const std::vector<double> short_actual = {0};
  EXPECT_EQ(RunBacktest(*model, cal, short_actual, duration).status().code(),
            StatusCode::kInvalidArgument);
  const std::vector<double> negative = {0, -1};
  EXPECT_EQ(RunBacktest(*model, cal, negative, duration).status().code(),
            StatusCode::kInvalidArgument);
  const std::vector<double> zero = {0};
  EXPECT_EQ(RunBacktest(*model, cal, actual, zero).status().code(),
            StatusCode::kInvalidArgument);
  const std::vector<double> three = {1, 2, 3};
  EXPECT_EQ(RunBacktest(*model, cal, actual, three).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RunBacktest(*model, cal, actual, duration, 0).status().code(),
            StatusCode::kInvalidArgument);
  const std::vector<double> per_row = {3, 4};
  EXPECT_TRUE(RunBacktest(*model, cal, actual, per_row).ok());
}

Backtest WithRmse(const char* name, double rmse) {
  Backtest b;
  b.model = name;
  b.metrics.rmse = rmse;
  return b;
}

TEST(SelectModelTest, LowestRmseAndTiesGoToTheSimplerModel) {
  const std::vector<Backtest> clear = {WithRmse("bgnbd", 1.0), WithRmse("mbgnbd", 0.99),
                                       WithRmse("pnbd", 0.9)};
  EXPECT_EQ(*SelectModel(clear), 2u);
  const std::vector<Backtest> tie = {WithRmse("bgnbd", 1.0), WithRmse("mbgnbd", 0.998),
                                     WithRmse("pnbd", 1.2)};
  EXPECT_EQ(*SelectModel(tie), 0u);        // within 0.5%: the first (simplest) wins
  EXPECT_EQ(*SelectModel(tie, 0.0), 1u);   // exact comparison
  EXPECT_EQ(SelectModel({}).status().code(), StatusCode::kInvalidArgument);
  const std::vector<Backtest> nan = {WithRmse("bgnbd", NAN)};
  EXPECT_EQ(SelectModel(nan).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SelectModel(clear, -1).status().code(), StatusCode::kInvalidArgument);
}

TEST(FrequencyRecencyMatrixTest, CellsAndImpossibleHistories) {
  const auto model = FhlBgNbd();
  Result<FrequencyRecencyMatrix> m =
      DefaultFrequencyRecencyMatrix(*model, 3, 5.5, 1, MatrixMetric::kExpectedPurchases);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->frequencies, (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ(m->recencies, (std::vector<double>{0, 1, 2, 3, 4, 5, 5.5}));
  EXPECT_DOUBLE_EQ(*m->at(0, 0), model->ExpectedPurchases(1, 0, 0, 5.5));
  EXPECT_FALSE(m->at(0, 1).has_value());  // x = 0 with t_x > 0 cannot happen
  EXPECT_DOUBLE_EQ(*m->at(2, 4), model->ExpectedPurchases(1, 2, 4, 5.5));
  // The classic picture: for a given frequency, a more recent last purchase means more
  // expected purchases; and for recent buyers, more frequency means more.
  for (std::size_t f = 1; f < 4; ++f)
    for (std::size_t r = 1; r < m->recencies.size(); ++r) EXPECT_GT(*m->at(f, r), *m->at(f, r - 1));
  EXPECT_GT(*m->at(3, 6), *m->at(1, 6));

  Result<FrequencyRecencyMatrix> alive =
      DefaultFrequencyRecencyMatrix(*model, 3, 5.5, 0, MatrixMetric::kProbabilityAlive);
  ASSERT_TRUE(alive.ok());
  EXPECT_DOUBLE_EQ(*alive->at(3, 2), model->ProbabilityAlive(3, 2, 5.5));

  Result<FrequencyRecencyMatrix> big =
      DefaultFrequencyRecencyMatrix(*model, 5000, 2000, 1, MatrixMetric::kProbabilityAlive);
  ASSERT_TRUE(big.ok());
  EXPECT_LE(big->frequencies.size(), 512u);
  EXPECT_LE(big->recencies.size(), 512u);
  EXPECT_EQ(big->frequencies.back(), 5000);
  EXPECT_EQ(big->recencies.back(), 2000);

  const std::vector<double> f = {0.5}, r = {0};
  EXPECT_EQ(BuildFrequencyRecencyMatrix(*model, f, r, 5, 1, MatrixMetric::kExpectedPurchases)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  const std::vector<double> f1 = {1}, r_late = {6};
  EXPECT_EQ(BuildFrequencyRecencyMatrix(*model, f1, r_late, 5, 1,
                                        MatrixMetric::kExpectedPurchases)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(DefaultFrequencyRecencyMatrix(*model, 3, 5, 0, MatrixMetric::kExpectedPurchases)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

// The CDNOW cohort (tests/data/cdnow_sample.txt): 2,357 customers who first bought in Q1 1997,
// calibration to 1997-09-30, holdout to 1998-06-30 (273 days = 39 weeks), times in weeks as in
// Fader, Hardie & Lee (2005).
struct Cdnow {
  std::vector<std::int32_t> customer;  // the log
  std::vector<double> day;
  CalibrationHoldout split;
  RfmData weeks;
  double holdout_weeks = 0;
};

Cdnow LoadCdnow() {
  std::map<std::string, std::int32_t> index;
  std::vector<std::int32_t> customer;
  std::vector<double> day, amount;
  for (const testcommon::CdnowPurchase& p : testcommon::ReadCdnowSample()) {
    const auto [it, inserted] = index.emplace(p.customer, static_cast<std::int32_t>(index.size()));
    customer.push_back(it->second);
    day.push_back(static_cast<double>(DaysFromCivil(p.year, p.month, p.day)));
    amount.push_back(p.dollars);
  }
  Cdnow c;
  const TransactionLog log{customer, day, amount};
  Result<CalibrationHoldout> split = SplitCalibrationHoldout(
      log, static_cast<std::int32_t>(index.size()), Period::kDay,
      static_cast<double>(DaysFromCivil(1997, 9, 30)),
      static_cast<double>(DaysFromCivil(1998, 6, 30)));
  EXPECT_TRUE(split.ok()) << split.status().ToString();
  c.split = std::move(split).value();
  c.customer = customer;
  c.day = day;
  c.weeks = c.split.calibration.data;
  c.weeks.monetary.clear();
  for (double& v : c.weeks.recency) v /= 7;
  for (double& v : c.weeks.age) v /= 7;
  c.holdout_weeks = c.split.holdout_duration / 7;
  return c;
}

TEST(CdnowBacktestTest, BgNbdPredictsTheHoldout) {
  const Cdnow c = LoadCdnow();
  ASSERT_EQ(c.weeks.size(), 2357u);
  EXPECT_DOUBLE_EQ(c.holdout_weeks, 39);
  // lifetimes' own fit (tests/data/reference/lifetimes_cdnow_2357.params.json), i.e. FHL's
  // r = 0.243, α = 4.414, a = 0.793, b = 2.426 before rounding.
  const auto model = Make("bgnbd", {0.24259292827982198, 4.413532265271817, 0.7928859664406002,
                                    2.4257523826255123});
  const std::vector<double> duration = {c.holdout_weeks};
  Result<Backtest> bt = RunBacktest(*model, c.weeks, c.split.holdout_frequency, duration);
  ASSERT_TRUE(bt.ok()) << bt.status().ToString();
  const BacktestMetrics& m = bt->metrics;
  std::printf("CDNOW holdout: predicted %.1f, actual %.0f, MAE %.3f, RMSE %.3f, r %.3f\n",
              m.total_predicted, m.total_actual, m.mae, m.rmse, m.correlation);
  for (const FrequencyBucket& b : bt->buckets) {
    std::printf("  x=%d%s n=%.0f predicted %.3f actual %.3f\n", b.frequency,
                b.and_more ? "+" : "", b.customers, b.mean_predicted, b.mean_actual);
  }
  EXPECT_EQ(m.customers, 2357);
  // Pinned to lifetimes 0.11.3 at the same parameters: Σ bgnbd_exp_39 over the cohort in
  // tests/data/reference/lifetimes_cdnow_2357.csv is 1653.42.
  EXPECT_NEAR(m.total_predicted, 1653.42, 0.05);
  // 1,882 repeat purchase days actually happened in the 39 holdout weeks: BG/NBD forecasts
  // 12% too few — the known under-forecast of the CDNOW holdout (FHL 2005 fig. 2, where the
  // model's cumulative curve falls below the actual one in the holdout weeks). The cumulative
  // tracking test below checks the 10% level on the whole 78 weeks.
  EXPECT_EQ(m.total_actual, 1882);
  EXPECT_NEAR(m.total_predicted / m.total_actual, 0.88, 0.02);
  EXPECT_GT(m.correlation, 0.5);
  // FHL figure 4: the conditional expectations rise with calibration frequency and the
  // model tracks them; the 7+ bucket is the least precise (few customers).
  for (std::size_t b = 1; b < bt->buckets.size(); ++b) {
    EXPECT_GT(bt->buckets[b].mean_predicted, bt->buckets[b - 1].mean_predicted);
  }
  for (std::size_t b = 0; b + 1 < bt->buckets.size(); ++b) {
    EXPECT_NEAR(bt->buckets[b].mean_predicted, bt->buckets[b].mean_actual,
                0.25 * bt->buckets[b].mean_actual + 0.1)
        << "bucket " << b;
  }
}

TEST(CdnowBacktestTest, SelectsAmongFittedModels) {
  const Cdnow c = LoadCdnow();
  std::vector<std::unique_ptr<PurchaseModel>> fitted;
  for (const char* name : {"bgnbd", "mbgnbd", "pnbd"}) {
    Result<PurchaseFit> fit = FitPurchaseModel(name, c.weeks, FitOptions{});
    ASSERT_TRUE(fit.ok()) << name << ": " << fit.status().ToString();
    EXPECT_TRUE(fit->mle.report.converged) << name;
    fitted.push_back(std::move(fit->model));
  }
  const std::vector<const PurchaseModel*> candidates = {fitted[0].get(), fitted[1].get(),
                                                        fitted[2].get()};
  const std::vector<double> duration = {c.holdout_weeks};
  Result<ModelSelection> sel =
      SelectModelByBacktest(candidates, c.weeks, c.split.holdout_frequency, duration);
  ASSERT_TRUE(sel.ok()) << sel.status().ToString();
  ASSERT_EQ(sel->backtests.size(), 3u);
  double best = INFINITY;
  for (const Backtest& b : sel->backtests) {
    std::printf("%s: predicted %.1f actual %.0f RMSE %.4f\n", b.model.c_str(),
                b.metrics.total_predicted, b.metrics.total_actual, b.metrics.rmse);
    // All three under-forecast this holdout (MBG/NBD most, by 16%); see the test above.
    EXPECT_NEAR(b.metrics.total_predicted / b.metrics.total_actual, 0.87, 0.05) << b.model;
    best = std::min(best, b.metrics.rmse);
  }
  const Backtest& chosen = sel->backtests[sel->chosen];
  EXPECT_LE(chosen.metrics.rmse, best * 1.005);
  for (std::size_t i = 0; i < sel->chosen; ++i) {
    EXPECT_GT(sel->backtests[i].metrics.rmse, best * 1.005);  // earlier ones were not tied
  }
}

// FHL (2005) figure 2: expected cumulative repeat purchases of the whole cohort, from the days
// the customers were acquired, against what happened (distinct purchase days after the first).
TEST(CdnowBacktestTest, TrackingCurveFollowsCumulativeRepeatPurchases) {
  const Cdnow c = LoadCdnow();
  const double origin = static_cast<double>(DaysFromCivil(1997, 1, 1));
  // Acquisition day of each customer = calibration end − T (in days), grouped per day.
  const double cal_end = static_cast<double>(DaysFromCivil(1997, 9, 30));
  std::map<double, double> per_day;
  for (double age_days : c.split.calibration.data.age) per_day[cal_end - age_days - origin] += 1;
  std::vector<double> acquired, weight;
  for (const auto& [d, w] : per_day) {
    acquired.push_back(d / 7);
    weight.push_back(w);
  }
  EXPECT_EQ(per_day.size(), 84u);  // acquisitions on the 84 days of the first 12 weeks
  const double cal_weeks = (cal_end - origin) / 7;
  const double end_weeks = (static_cast<double>(DaysFromCivil(1998, 6, 30)) - origin) / 7;
  const std::vector<double> at = {cal_weeks, end_weeks};
  const auto model = FhlBgNbd();
  Result<std::vector<double>> curve = ExpectedCumulativeRepeatPurchases(*model, acquired, weight, at);
  ASSERT_TRUE(curve.ok()) << curve.status().ToString();
  double calibration_repeats = 0, holdout_repeats = 0;
  for (double x : c.split.calibration.data.frequency) calibration_repeats += x;
  for (double x : c.split.holdout_frequency) holdout_repeats += x;
  EXPECT_EQ(calibration_repeats, 2457);  // = Σ frequency of tests/data/cdnow_customers.csv
  std::printf("tracking: week %.1f expected %.0f actual %.0f; week %.1f expected %.0f actual %.0f\n",
              cal_weeks, (*curve)[0], calibration_repeats, end_weeks, (*curve)[1],
              calibration_repeats + holdout_repeats);
  EXPECT_NEAR((*curve)[0] / calibration_repeats, 1.0, 0.05);
  EXPECT_NEAR((*curve)[1] / (calibration_repeats + holdout_repeats), 1.0, 0.10);
}

// The forecast the dashboard shows, made at the calibration end, on the holdout: its weekly
// figures add up to the backtest's total, and it is checked week by week against the purchase
// days that happened.
TEST(CdnowBacktestTest, WeeklyForecastOnTheHoldout) {
  const Cdnow c = LoadCdnow();
  const auto model = FhlBgNbd();
  ForecastOptions o;
  o.horizon = 39;
  o.period_length = 1;
  Result<RepeatForecast> f = ForecastRepeatPurchases(*model, c.weeks, {}, o);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const std::vector<double> duration = {39};
  Result<Backtest> bt = RunBacktest(*model, c.weeks, c.split.holdout_frequency, duration);
  ASSERT_TRUE(bt.ok());
  EXPECT_NEAR(f->periods.back().cumulative_purchases, bt->metrics.total_predicted,
              1e-9 * bt->metrics.total_predicted);

  // Distinct (customer, day) purchases per holdout week.
  const double cal_end = static_cast<double>(DaysFromCivil(1997, 9, 30));
  std::set<std::pair<std::int32_t, double>> seen;
  std::vector<double> actual(39, 0.0);
  for (std::size_t i = 0; i < c.day.size(); ++i) {
    if (c.day[i] <= cal_end || !seen.emplace(c.customer[i], c.day[i]).second) continue;
    actual[static_cast<std::size_t>((c.day[i] - cal_end - 1) / 7)] += 1;
  }
  Result<ForecastCheck> check = CheckForecast(*f, actual);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  std::printf("weekly holdout forecast: expected %.1f actual %.0f MAPE %.3f coverage %.2f\n",
              check->total_expected, check->total_actual,
              check->mean_absolute_percentage_error, check->band_coverage);
  EXPECT_EQ(check->total_actual, 1882);
  EXPECT_NEAR(check->total_expected, bt->metrics.total_predicted, 1e-6);
  EXPECT_LT(check->mean_absolute_percentage_error, 0.3);
}

}  // namespace
}  // namespace clv::engine
