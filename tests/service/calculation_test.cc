// The CLV calculation (service/calculation.h) on the CDNOW cohort, pinned to the engine's own
// fit of the same data and to the published calibration summary; consistency of the aggregates;
// the minimums; refund netting; determinism.
#include "service/calculation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/time.h"
#include "engine/analytics/clv.h"
#include "engine/data/transactions.h"
#include "engine/models/purchase_model.h"
#include "engine/models/simulate.h"
#include "service/cdnow_shop.h"
#include "service/clv_job.h"
#include "service/fit_report.h"

namespace clv::service {
namespace {

using ::testing::HasSubstr;

using cdnowtest::BuildInput;
using cdnowtest::CdnowRows;

const ModelEvaluation& Model(const CalculationResult& r, const std::string& name) {
  for (const ModelEvaluation& m : r.models)
    if (m.model == name) return m;
  ADD_FAILURE() << "no model " << name;
  return r.models.front();
}

// One calculation of the whole CDNOW log as of the end of its 78 weeks, shared by the tests.
const CalculationResult& Cdnow78() {
  static const CalculationResult* result = [] {
    const CalculationInput in = BuildInput(CdnowRows(), MidnightUtc(1998, 6, 30));
    Result<CalculationResult> r = RunCalculation(in, CalculationOptions{});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return new CalculationResult(std::move(r).value());
  }();
  return *result;
}

TEST(CalculationTest, CdnowFullPeriodFitIsTheEnginesFit) {
  const CalculationResult& r = Cdnow78();
  EXPECT_EQ(r.customers, 2357);
  EXPECT_EQ(r.currency, "USD");
  EXPECT_EQ(r.purchases, 6919);
  // The same summary built by hand from the file: days, then weeks (FHL's and `clv fit
  // --period week --resolution day`'s construction).
  const std::vector<storage::AnalysisRow> rows = CdnowRows();
  std::vector<std::int32_t> customer;
  std::vector<double> day, amount;
  for (const auto& row : rows) {
    customer.push_back(static_cast<std::int32_t>(row.customer.value - 1));
    day.push_back(static_cast<double>(UtcDayOf(row.placed_at_us)));
    amount.push_back(static_cast<double>(row.amount_minor));
  }
  Result<engine::RfmSummary> s = engine::SummarizeTransactions(
      {customer, day, amount}, 2357, engine::Period::kDay,
      static_cast<double>(DaysFromCivil(1998, 6, 30)));
  ASSERT_TRUE(s.ok());
  for (double& v : s->data.recency) v /= 7;
  for (double& v : s->data.age) v /= 7;
  for (const char* name : {"bgnbd", "mbgnbd", "pnbd"}) {
    Result<engine::PurchaseFit> fit = engine::FitPurchaseModel(name, s->data, {});
    ASSERT_TRUE(fit.ok());
    const std::vector<double>& got = Model(r, name).full.mle.params;
    ASSERT_EQ(got.size(), fit->mle.params.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_NEAR(got[i], fit->mle.params[i], 1e-9 * std::abs(fit->mle.params[i])) << name << i;
    }
    EXPECT_EQ(Model(r, name).full.mle.report.log_likelihood, fit->mle.report.log_likelihood);
  }
  // The holdout: the last 20% of 1997-01-01..1998-06-30 (545 days) = 109 days.
  EXPECT_EQ(r.calibration_end_day, DaysFromCivil(1998, 6, 30) - 109);
  EXPECT_DOUBLE_EQ(r.holdout_periods, 109.0 / 7);
  for (const ModelEvaluation& m : r.models) {
    EXPECT_TRUE(m.candidate) << m.model;
    ASSERT_TRUE(m.backtest.has_value());
    EXPECT_GT(m.backtest->metrics.total_actual, 0);
  }
  EXPECT_EQ(r.models[r.chosen_index].model, r.chosen_model);
  double best = INFINITY;
  for (const ModelEvaluation& m : r.models) best = std::min(best, m.backtest->metrics.rmse);
  EXPECT_LE(r.models[r.chosen_index].backtest->metrics.rmse, best * 1.005);
  ASSERT_TRUE(r.gamma_gamma.has_value());
  EXPECT_EQ(r.spend_model, "gamma_gamma");
}

TEST(CalculationTest, CdnowAsOfCalibrationEndReproducesThePublishedSummaryAndFit) {
  const CalculationInput in = BuildInput(CdnowRows(), MidnightUtc(1997, 9, 30));
  CalculationOptions o;
  o.models = {"bgnbd"};
  Result<CalculationResult> r = RunCalculation(in, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->customers, 2357);
  std::ifstream csv(std::string(CLV_TEST_DATA_DIR) + "/cdnow_customers.csv");
  std::string line;
  std::getline(csv, line);  // header
  std::size_t row = 0;
  while (std::getline(csv, line)) {
    double id, x, t_x, T;
    ASSERT_EQ(std::sscanf(line.c_str(), "%lf,%lf,%lf,%lf", &id, &x, &t_x, &T), 4);
    const std::size_t c = static_cast<std::size_t>(id) - 1;
    EXPECT_EQ(r->summary.frequency[c], x) << id;
    EXPECT_NEAR(r->summary.recency[c], t_x, 0.005) << id;
    EXPECT_NEAR(r->summary.age[c], T, 0.005) << id;
    ++row;
  }
  EXPECT_EQ(row, 2357u);
  // Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL −9582.4.
  const engine::MleResult& fit = r->models[0].full.mle;
  EXPECT_NEAR(fit.params[0], 0.243, 0.0005);
  EXPECT_NEAR(fit.params[1], 4.414, 0.005);
  EXPECT_NEAR(fit.params[2], 0.793, 0.0005);
  EXPECT_NEAR(fit.params[3], 2.426, 0.005);
  EXPECT_NEAR(fit.report.log_likelihood, -9582.4, 0.1);
}

TEST(CalculationTest, AggregatesAreConsistent) {
  const CalculationResult& r = Cdnow78();
  const CustomerScoreTable& s = r.scores;
  const auto n = static_cast<std::size_t>(r.customers);
  ASSERT_EQ(s.predicted_clv_minor.size(), n);
  // Segments and tiers partition the customers.
  std::int64_t in_segments = 0, in_tiers = 0;
  for (const auto& g : r.segments.groups) in_segments += g.customers;
  for (const auto& g : r.clv_tiers.groups) in_tiers += g.customers;
  EXPECT_EQ(in_segments, r.customers);
  EXPECT_EQ(in_tiers, r.customers);
  EXPECT_EQ(r.clv_tiers.groups[0].customers, 23);   // floor(2357 / 100)
  EXPECT_EQ(r.clv_tiers.groups[1].customers, 235 - 23);
  // Money adds up exactly: historical CLV = net revenue = cohort revenue = the log's dollars.
  std::int64_t historical = 0;
  for (std::int64_t v : s.historical_clv_minor) historical += v;
  std::int64_t cohort_revenue = 0, cohort_customers = 0, cohort_orders = 0;
  for (const auto& c : r.cohorts.cohorts) {
    cohort_customers += c.customers;
    for (std::int64_t v : c.revenue_minor) cohort_revenue += v;
    for (std::int64_t v : c.orders) cohort_orders += v;
  }
  std::int64_t log_total = 0;
  for (const auto& row : CdnowRows()) log_total += row.amount_minor;
  EXPECT_EQ(r.net_revenue_minor, log_total);
  EXPECT_EQ(historical, log_total);
  EXPECT_EQ(cohort_revenue, log_total);
  EXPECT_EQ(r.segments.total_revenue_minor, log_total);
  EXPECT_EQ(cohort_customers, r.customers);
  EXPECT_EQ(cohort_orders, r.purchases);
  // Churn: every customer once, by value at risk, highest first.
  ASSERT_EQ(r.churn.ranked.size(), n);
  for (std::size_t i = 1; i < n; ++i) {
    EXPECT_GE(r.churn.ranked[i - 1].value_at_risk, r.churn.ranked[i].value_at_risk);
  }
  double by_band = 0;
  for (double v : r.churn.customers) by_band += v;
  EXPECT_EQ(by_band, static_cast<double>(n));
  // Per-customer values are sane; the interval brackets the estimate.
  double clv_total = 0;
  for (std::size_t c = 0; c < n; ++c) {
    EXPECT_GE(s.p_alive[c], 0);
    EXPECT_LE(s.p_alive[c], 1);
    EXPECT_LE(s.expected_purchases_30d[c], s.expected_purchases_90d[c]);
    EXPECT_LE(s.expected_purchases_90d[c], s.expected_purchases_365d[c]);
    ASSERT_TRUE(std::isfinite(s.clv_lower_minor[c]));
    EXPECT_LE(s.clv_lower_minor[c], s.predicted_clv_minor[c]);
    EXPECT_GE(s.clv_upper_minor[c], s.predicted_clv_minor[c]);
    EXPECT_NEAR(s.value_at_risk_minor[c], s.predicted_clv_minor[c] * (1 - s.p_alive[c]),
                1e-9 * s.predicted_clv_minor[c] + 1e-12);
    if (s.expected_next_order_day[c] >= 0) {
      EXPECT_GE(s.expected_purchases_365d[c], 1);
    }
    clv_total += s.predicted_clv_minor[c];
  }
  EXPECT_DOUBLE_EQ(clv_total, r.predicted_clv_total_minor);
  // The interval is not degenerate for the best customers.
  const std::size_t top = static_cast<std::size_t>(
      std::max_element(s.predicted_clv_minor.begin(), s.predicted_clv_minor.end()) -
      s.predicted_clv_minor.begin());
  EXPECT_LT(s.clv_lower_minor[top], s.predicted_clv_minor[top]);
  // Predicted CLV is the engine's batch scoring at the chosen fit (what `clv predict` prints).
  const ModelEvaluation& chosen = r.models[r.chosen_index];
  Result<std::unique_ptr<engine::PurchaseModel>> model =
      engine::MakePurchaseModel(chosen.model, chosen.full.mle.params);
  ASSERT_TRUE(model.ok());
  Result<engine::CustomerScores> want = engine::ScoreCustomers(
      **model, &r.gamma_gamma->params, r.summary, 365.0 / 7, engine::ClvOptions{});
  ASSERT_TRUE(want.ok());
  for (std::size_t c = 0; c < n; ++c) {
    EXPECT_NEAR(s.predicted_clv_minor[c], want->clv[c], 1e-9 * want->clv[c] + 1e-9) << c;
    EXPECT_NEAR(s.expected_purchases_horizon[c], want->expected_purchases[c], 1e-12) << c;
  }
  // Forecasts: 12 months ahead; the holdout check covers the holdout's 3 whole months.
  EXPECT_EQ(r.forecast.periods.size(), 12u);
  ASSERT_TRUE(r.holdout_forecast_check.has_value());
  EXPECT_EQ(r.holdout_forecast->periods.size(), 3u);
  EXPECT_GT(r.holdout_forecast_check->total_actual, 0);
  EXPECT_NEAR(r.holdout_forecast_check->total_expected / r.holdout_forecast_check->total_actual,
              1.0, 0.3);
}

// A small simulated shop: BG/NBD with CDNOW's parameters in days, Gamma-Gamma spend, `n`
// customers over a year, in EUR cents.
std::vector<storage::AnalysisRow> ShopRows(std::int32_t n, std::uint64_t seed) {
  engine::SimulationSpec spec;
  spec.purchase = {0.243, 4.414 * 7, 0.793, 2.426};
  spec.spend = engine::GammaGammaParams{6.25, 3.74, 15.44};
  spec.num_customers = n;
  spec.observation_end = 365;
  spec.acquisition_window = 180;
  spec.seed = seed;
  Result<engine::SimulatedTransactions> tx = engine::SimulateTransactions(spec);
  EXPECT_TRUE(tx.ok());
  std::vector<storage::AnalysisRow> rows;
  for (std::size_t i = 0; i < tx->customer.size(); ++i) {
    storage::AnalysisRow r;
    r.customer.value = 1000 + tx->customer[i];
    r.placed_at_us = MidnightUtc(2024, 1, 1) + static_cast<UnixMicros>(tx->time[i] * 86400e6);
    r.amount_minor = std::llround(tx->amount[i] * 100);
    r.currency = "EUR";
    rows.push_back(r);
  }
  return rows;
}
const UnixMicros kShopEnd = MidnightUtc(2024, 12, 31);

// The shape of bench/gen_orders_csv's shop, small: `orders` orders at uniformly random times
// over 2021-2023, each by customer floor(u² · pool) for uniform u (a skewed pool), so every
// customer buys as a Poisson process from a first order to the end and nobody drops out. The
// 1 M-customer shop's MBG/NBD and Pareto/NBD fits do not converge on this shape (their
// likelihood keeps rising as the dropout goes to 0: the optimum is on the boundary), BG/NBD's
// does. Deterministic: raw mt19937_64 output, no library distributions.
std::vector<storage::AnalysisRow> NoDropoutShopRows(int orders, int pool) {
  std::mt19937_64 rng(42);
  auto unit = [&] { return static_cast<double>(rng() >> 11) * 0x1p-53; };
  const UnixMicros start = MidnightUtc(2021, 1, 1);
  const double span_us = 3 * 365 * 86400e6;
  std::vector<storage::AnalysisRow> rows(static_cast<std::size_t>(orders));
  for (storage::AnalysisRow& r : rows) {
    const double u = unit();
    r.customer.value = static_cast<std::int64_t>(u * u * pool) + 1;
    r.placed_at_us = start + static_cast<UnixMicros>(unit() * span_us);
    r.amount_minor = 100 + static_cast<std::int64_t>(unit() * 49900);
    r.currency = "EUR";
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.customer.value != b.customer.value ? a.customer.value < b.customer.value
                                                : a.placed_at_us < b.placed_at_us;
  });
  return rows;
}

TEST(CalculationTest, AModelWhoseCalibrationFitFailsIsNotFittedAgainOnTheFullPeriod) {
  const CalculationInput in = BuildInput(NoDropoutShopRows(30000, 6000), MidnightUtc(2023, 12, 31));
  Result<CalculationResult> r = RunCalculation(in, CalculationOptions{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  int skipped = 0;
  for (const ModelEvaluation& m : r->models) {
    SCOPED_TRACE(m.model);
    if (m.calibration.mle.report.converged) {
      EXPECT_FALSE(m.full_skipped.has_value());
      EXPECT_EQ(m.full.mle.params.size(), 4u);
      continue;
    }
    ++skipped;
    // Why it failed: the maximum is on the no-dropout boundary, and the report says so.
    EXPECT_THAT(m.calibration.mle.report.message, HasSubstr("no sign of dropout in the data"));
    ASSERT_TRUE(m.full_skipped.has_value());
    EXPECT_THAT(*m.full_skipped, HasSubstr("skipped: the calibration fit did not converge ("));
    EXPECT_THAT(*m.full_skipped, HasSubstr(m.calibration.mle.report.message));
    EXPECT_FALSE(m.candidate);
    EXPECT_FALSE(m.backtest.has_value());
    EXPECT_TRUE(m.full.mle.params.empty());
    EXPECT_FALSE(m.full.mle.report.converged);
    EXPECT_EQ(m.full.mle.report.iterations, 0);
    EXPECT_EQ(m.full.param_names, m.calibration.param_names);
    EXPECT_NE(m.model, r->chosen_model);
  }
  // The data are built so that the dropout models fail: without a skipped model this test
  // would check nothing.
  EXPECT_GE(skipped, 1);
  EXPECT_FALSE(r->models[r->chosen_index].full_skipped.has_value());

  // The stored report says so: "full": null and the reason; the chosen model's fit is intact.
  CalculationRequest request;
  request.as_of_us = MidnightUtc(2023, 12, 31);
  const boost::json::value report = boost::json::parse(BuildFitReport(*r, in, request));
  for (const boost::json::value& v : report.at("models").as_array()) {
    const boost::json::object& m = v.as_object();
    const ModelEvaluation& e = Model(*r, std::string(m.at("model").as_string()));
    if (e.full_skipped) {
      EXPECT_TRUE(m.at("full").is_null());
      EXPECT_EQ(m.at("full_skipped").as_string(), *e.full_skipped);
      EXPECT_TRUE(m.at("calibration").is_object());
    } else {
      EXPECT_TRUE(m.at("full_skipped").is_null());
      EXPECT_EQ(m.at("full").at("params").as_object().size(), 4u);
    }
  }
  // The holdout check's actual purchases per month, counted once by the calculation, are the
  // report's and add up to the check's total.
  ASSERT_TRUE(r->holdout_forecast_check.has_value());
  const boost::json::array& periods = report.at("holdout_forecast").at("periods").as_array();
  ASSERT_EQ(periods.size(), r->holdout_actual_purchases.size());
  ASSERT_GE(periods.size(), 1u);
  double total = 0;
  for (std::size_t i = 0; i < periods.size(); ++i) {
    EXPECT_EQ(periods[i].at("actual_purchases").to_number<double>(), r->holdout_actual_purchases[i]);
    total += r->holdout_actual_purchases[i];
  }
  EXPECT_GT(total, 0);
  EXPECT_EQ(total, r->holdout_forecast_check->total_actual);
}

TEST(CalculationTest, TooLittleDataIsAFailedPreconditionThatSaysTheMinimum) {
  // 50 customers.
  Result<CalculationResult> few = RunCalculation(BuildInput(ShopRows(50, 1), kShopEnd), {});
  EXPECT_EQ(few.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(few.status().message(), HasSubstr("50 customers bought up to 2024-12-31"));
  EXPECT_THAT(few.status().message(), HasSubstr("needs at least 100 customers"));
  // 150 customers, one order each.
  std::vector<storage::AnalysisRow> once;
  for (int c = 0; c < 150; ++c) {
    once.push_back({CustomerId{c + 1}, MidnightUtc(2024, 3, 1) + c * 86400000000LL, 1000, "EUR"});
  }
  Result<CalculationResult> no_repeat = RunCalculation(BuildInput(once, kShopEnd), {});
  EXPECT_EQ(no_repeat.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(no_repeat.status().message(), HasSubstr("no customer has a repeat purchase"));
  // 150 customers buying twice within 10 days: too short for a one-week holdout.
  std::vector<storage::AnalysisRow> brief;
  for (int c = 0; c < 150; ++c) {
    brief.push_back({CustomerId{c + 1}, MidnightUtc(2024, 3, 1), 1000, "EUR"});
    brief.push_back({CustomerId{c + 1}, MidnightUtc(2024, 3, 1 + c % 10), 1000, "EUR"});
  }
  Result<CalculationResult> short_span =
      RunCalculation(BuildInput(brief, MidnightUtc(2024, 3, 11)), {});
  EXPECT_EQ(short_span.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(short_span.status().message(),
              HasSubstr("the orders span 10 days (2024-03-01 to 2024-03-11)"));
  EXPECT_THAT(short_span.status().message(), HasSubstr("at least 35 days of orders"));
}

TEST(CalculationTest, SeveralCurrenciesAreRefused) {
  CalculationInputBuilder b(kShopEnd);
  ASSERT_TRUE(b.Add({CustomerId{1}, MidnightUtc(2024, 1, 1), 100, "USD"}).ok());
  ASSERT_TRUE(b.Add({CustomerId{2}, MidnightUtc(2024, 1, 1), 100, "EUR"}).ok());
  ASSERT_TRUE(b.Add({CustomerId{3}, MidnightUtc(2025, 1, 1), 100, "GBP"}).ok());  // after as_of
  Result<CalculationInput> in = b.Finish();
  EXPECT_EQ(in.status(), FailedPrecondition("orders in several currencies (EUR, USD): CLV needs "
                                            "one currency"));
}

TEST(CalculationTest, RowsOutOfOrderAreRejected) {
  CalculationInputBuilder b(kShopEnd);
  ASSERT_TRUE(b.Add({CustomerId{2}, MidnightUtc(2024, 1, 1), 100, "EUR"}).ok());
  EXPECT_EQ(b.Add({CustomerId{1}, MidnightUtc(2024, 1, 1), 100, "EUR"}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(b.Finish().status().code(), StatusCode::kInvalidArgument);
}

TEST(CalculationTest, RefundsReduceRevenueAndFullyRefundedOrdersAreNotPurchases) {
  const UnixMicros d1 = MidnightUtc(2024, 2, 1), d2 = MidnightUtc(2024, 3, 1),
                   d3 = MidnightUtc(2024, 4, 1);
  CalculationInputBuilder b(kShopEnd);
  // Customer 1: 100.00 and 50.00, then 30.00 refunded (from the later order): 120.00 net.
  ASSERT_TRUE(b.Add({CustomerId{1}, d1, 10000, "EUR"}).ok());
  ASSERT_TRUE(b.Add({CustomerId{1}, d2, 5000, "EUR"}).ok());
  ASSERT_TRUE(b.Add({CustomerId{1}, d2 + 1, -3000, "EUR"}).ok());
  // Customer 2: 40.00, then a second order of 20.00 fully refunded: one purchase of 40.00.
  ASSERT_TRUE(b.Add({CustomerId{2}, d1, 4000, "EUR"}).ok());
  ASSERT_TRUE(b.Add({CustomerId{2}, d2, 2000, "EUR"}).ok());
  ASSERT_TRUE(b.Add({CustomerId{2}, d3, -2000, "EUR"}).ok());
  // Customer 3: 10.00 refunded twice over (an over-refund), and a refund after as_of.
  ASSERT_TRUE(b.Add({CustomerId{3}, d1, 1000, "EUR"}).ok());
  ASSERT_TRUE(b.Add({CustomerId{3}, d2, -2500, "EUR"}).ok());
  ASSERT_TRUE(b.Add({CustomerId{3}, MidnightUtc(2025, 1, 5), -100, "EUR"}).ok());
  // Customer 4: a free order is a purchase.
  ASSERT_TRUE(b.Add({CustomerId{4}, d1, 0, "EUR"}).ok());
  Result<CalculationInput> in = b.Finish();
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  ASSERT_EQ(in->num_customers(), 3);  // customer 3 has nothing left
  EXPECT_EQ(in->customer_ids[0].value, 1);
  EXPECT_EQ(in->customer_ids[1].value, 2);
  EXPECT_EQ(in->customer_ids[2].value, 4);
  EXPECT_EQ(in->customer, (std::vector<std::int32_t>{0, 0, 1, 2}));
  EXPECT_EQ(in->amount_minor, (std::vector<std::int64_t>{10000, 2000, 4000, 0}));
  EXPECT_EQ(in->stats.orders, 6);
  EXPECT_EQ(in->stats.refunds, 3);
  EXPECT_EQ(in->stats.rows_after_as_of, 1);
  EXPECT_EQ(in->stats.refunded_minor, 3000 + 2000 + 1000);
  EXPECT_EQ(in->stats.unmatched_refund_minor, 1500);
  EXPECT_EQ(in->stats.orders_fully_refunded, 2);
  EXPECT_EQ(in->stats.customers_without_purchases, 1);
  EXPECT_EQ(in->currency, "EUR");
}

TEST(CalculationTest, ARefundLowersTheCustomersHistoricalClv) {
  std::vector<storage::AnalysisRow> rows = ShopRows(400, 7);
  CalculationOptions o;
  o.models = {"bgnbd"};  // the refund's effect does not depend on the models
  Result<CalculationResult> before = RunCalculation(BuildInput(rows, kShopEnd), o);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  // Refund half of the first customer's last order, right after it.
  std::size_t last = 0;
  while (last + 1 < rows.size() && rows[last + 1].customer == rows[0].customer) ++last;
  const std::int64_t refunded = rows[last].amount_minor / 2;
  ASSERT_GT(refunded, 0);
  storage::AnalysisRow refund = rows[last];
  refund.placed_at_us += 1;
  refund.amount_minor = -refunded;
  rows.insert(rows.begin() + static_cast<std::ptrdiff_t>(last) + 1, refund);
  Result<CalculationResult> after = RunCalculation(BuildInput(rows, kShopEnd), o);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->scores.historical_clv_minor[0], before->scores.historical_clv_minor[0] - refunded);
  EXPECT_EQ(after->net_revenue_minor, before->net_revenue_minor - refunded);
  EXPECT_EQ(after->scores.orders[0], before->scores.orders[0]);  // still a purchase
  for (std::size_t c = 1; c < before->scores.historical_clv_minor.size(); ++c) {
    ASSERT_EQ(after->scores.historical_clv_minor[c], before->scores.historical_clv_minor[c]);
  }
}

void ExpectSameBits(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0) << what;
}

TEST(CalculationTest, SameInputSameResultAndProgressReported) {
  const CalculationInput in = BuildInput(ShopRows(300, 11), kShopEnd);
  std::vector<std::pair<double, std::string>> progress;
  Result<CalculationResult> a = RunCalculation(in, {}, [&](double f, std::string_view stage) {
    progress.emplace_back(f, std::string(stage));
  });
  Result<CalculationResult> b = RunCalculation(in, {});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->chosen_model, b->chosen_model);
  for (std::size_t k = 0; k < a->models.size(); ++k) {
    ExpectSameBits(a->models[k].full.mle.params, b->models[k].full.mle.params, "params");
    ExpectSameBits(a->models[k].calibration.mle.params, b->models[k].calibration.mle.params,
                   "calibration params");
  }
  const CustomerScoreTable &x = a->scores, &y = b->scores;
  ExpectSameBits(x.p_alive, y.p_alive, "p_alive");
  ExpectSameBits(x.predicted_clv_minor, y.predicted_clv_minor, "clv");
  ExpectSameBits(x.clv_lower_minor, y.clv_lower_minor, "clv lower");
  ExpectSameBits(x.clv_upper_minor, y.clv_upper_minor, "clv upper");
  ExpectSameBits(x.expected_purchases_90d, y.expected_purchases_90d, "e90");
  EXPECT_EQ(x.segment, y.segment);
  EXPECT_EQ(x.clv_tier, y.clv_tier);
  EXPECT_EQ(x.expected_next_order_day, y.expected_next_order_day);
  ASSERT_FALSE(progress.empty());
  for (std::size_t i = 1; i < progress.size(); ++i) {
    EXPECT_GE(progress[i].first, progress[i - 1].first);
  }
  EXPECT_EQ(progress.back(), (std::pair<double, std::string>{1.0, "done"}));
  EXPECT_FALSE(a->timings.empty());
}

TEST(CalculationTest, BadOptionsAreInvalidArguments) {
  const CalculationInput in = BuildInput(ShopRows(120, 3), kShopEnd);
  auto code = [&](auto mutate) {
    CalculationOptions o;
    mutate(o);
    return RunCalculation(in, o).status().code();
  };
  EXPECT_EQ(code([](CalculationOptions& o) { o.models = {"bgnbd", "xyz"}; }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](CalculationOptions& o) { o.models = {"bgnbd", "bgnbd"}; }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](CalculationOptions& o) { o.models.clear(); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](CalculationOptions& o) { o.holdout_fraction = 0; }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](CalculationOptions& o) { o.margin = NAN; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](CalculationOptions& o) { o.discount_rate_monthly = -1; }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](CalculationOptions& o) { o.clv_months = 0; }), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace clv::service
