#include "engine/analytics/clv.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "engine/data/csv_testlib.h"
#include "engine/models/bg_nbd.h"
#include "engine/models/simulate.h"

namespace clv::engine {
namespace {

using testing::DataPath;
using testing::ReadCsv;

const BetaGeoParams kBg{0.24259292827982198, 4.413532265271817, 0.7928859664406002,
                        2.4257523826255123};
const GammaGammaParams kGg{6.248802496077898, 3.744588460922642, 15.447748064920148};

TEST(ClvTest, MatchesLifetimesCustomerLifetimeValue) {
  const auto csv = ReadCsv(DataPath("reference/lifetimes_cdnow_2357.csv"));
  const BetaGeoModel bg(BetaGeoVariant::kBgNbd, kBg);
  ClvOptions o;  // 12 months, 1% per month, weeks (factor 4.345), margin 1
  RfmData d;
  d.frequency = csv["frequency"];
  d.recency = csv["recency"];
  d.age = csv["T"];
  d.monetary = csv["monetary_value"];
  Result<CustomerScores> scores = ScoreCustomers(bg, &kGg, d, 39, o);
  ASSERT_TRUE(scores.ok()) << scores.status().ToString();
  int compared = 0;
  for (std::size_t i = 0; i < csv.rows; ++i) {
    const double want = csv["bgnbd_gg_clv_12m"][i];
    if (std::isnan(want)) continue;
    ++compared;
    const double spend = GammaGammaExpectedSpend(kGg, d.frequency[i], d.monetary[i]);
    const double got = CustomerLifetimeValue(bg, spend, d.frequency[i], d.recency[i], d.age[i], o);
    EXPECT_NEAR(got, want, std::max(1e-6 * want, 1e-9)) << i;
    EXPECT_NEAR(scores->clv[i], want, std::max(1e-6 * want, 1e-9)) << i;
    EXPECT_NEAR(scores->expected_purchases[i], csv["bgnbd_exp_39"][i], 1e-6 * csv["bgnbd_exp_39"][i]);
    EXPECT_NEAR(scores->p_alive[i], csv["bgnbd_p_alive"][i], 1e-6 * csv["bgnbd_p_alive"][i]);
  }
  EXPECT_EQ(compared, 946);
}

TEST(ClvTest, MarginScalesAndDiscountReduces) {
  const BetaGeoModel bg(BetaGeoVariant::kBgNbd, kBg);
  ClvOptions o;
  const double base = CustomerLifetimeValue(bg, 30, 4, 30, 38, o);
  o.margin = 0.3;
  EXPECT_NEAR(CustomerLifetimeValue(bg, 30, 4, 30, 38, o), 0.3 * base, 1e-12 * base);
  o.margin = 1;
  o.discount_rate_monthly = 0;
  const double undiscounted = CustomerLifetimeValue(bg, 30, 4, 30, 38, o);
  EXPECT_GT(undiscounted, base);
  // Without discounting the increments telescope to E[X(12 months)] × spend.
  EXPECT_NEAR(undiscounted, 30 * bg.ExpectedPurchases(12 * 4.345, 4, 30, 38), 1e-10 * undiscounted);
}

TEST(ClvTest, HistoricalClvSumsNetRevenue) {
  const std::int32_t customer[] = {0, 1, 0, 2, 0};
  const double amount[] = {10, 5, 20, 7, -4};
  Result<std::vector<double>> h = HistoricalClv(customer, amount, 4, 0.5);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, (std::vector<double>{13, 2.5, 3.5, 0}));
  const std::int32_t bad[] = {0, 1, 0, 9, 0};
  EXPECT_FALSE(HistoricalClv(bad, amount, 4, 0.5).ok());
  EXPECT_FALSE(HistoricalClv(std::span(customer, 2), amount, 4, 0.5).ok());
}

TEST(ClvTest, FormulaClv) {
  // 1000 customers, 2500 orders, $125,000 over 12 months; 400 came back; margin 40%.
  Result<FormulaClv> f = ComputeFormulaClv({125000, 2500, 1000, 400, 12, 0.4});
  ASSERT_TRUE(f.ok());
  EXPECT_DOUBLE_EQ(f->average_order_value, 50);
  EXPECT_NEAR(f->purchase_frequency, 2500.0 / 1000 / 12, 1e-15);
  EXPECT_NEAR(f->churn_rate, 0.6, 1e-15);
  EXPECT_NEAR(f->lifespan_periods, 20, 1e-12);
  EXPECT_NEAR(f->clv, 125.0 * 0.4 / 0.6, 1e-9);
  EXPECT_FALSE(ComputeFormulaClv({125000, 2500, 1000, 1000, 12, 0.4}).ok());
  EXPECT_FALSE(ComputeFormulaClv({125000, 0, 1000, 10, 12, 0.4}).ok());
  EXPECT_FALSE(ComputeFormulaClv({NAN, 10, 1000, 10, 12, 0.4}).ok());
}

TEST(ClvTest, ScoringIsIdenticalForOneAndTwoThreads) {
  SimulationSpec spec;
  spec.purchase = {0.243, 4.414 * 7, 0.793, 2.426};
  spec.spend = kGg;
  spec.num_customers = 20000;
  spec.observation_end = 365;
  spec.acquisition_window = 365;
  spec.seed = 4;
  Result<RfmData> d = SimulateRfm(spec);
  ASSERT_TRUE(d.ok());
  const BetaGeoModel bg(BetaGeoVariant::kBgNbd, spec.purchase);
  ClvOptions o;
  o.periods_per_month = kDaysPerMonth;
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  Result<CustomerScores> one = ScoreCustomers(bg, &kGg, *d, 90, o);
  omp_set_num_threads(2);
  Result<CustomerScores> two = ScoreCustomers(bg, &kGg, *d, 90, o);
  omp_set_num_threads(saved);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(one->clv, two->clv);
  EXPECT_EQ(one->p_alive, two->p_alive);
  for (double v : one->clv) ASSERT_TRUE(std::isfinite(v) && v >= 0);
  // Spot-check against the one-customer functions.
  for (std::size_t i = 0; i < 200; ++i) {
    EXPECT_EQ(one->expected_purchases[i],
              bg.ExpectedPurchases(90, d->frequency[i], d->recency[i], d->age[i]));
  }
}

TEST(ClvTest, ScoringRejectsBadInput) {
  const BetaGeoModel bg(BetaGeoVariant::kBgNbd, kBg);
  RfmData d{{1}, {2}, {3}, {}, {}};
  EXPECT_FALSE(ScoreCustomers(bg, &kGg, d, 10, {}).ok());  // no monetary
  EXPECT_TRUE(ScoreCustomers(bg, nullptr, d, 10, {}).ok());
  EXPECT_FALSE(ScoreCustomers(bg, nullptr, d, -1, {}).ok());
  ClvOptions o;
  o.discount_rate_monthly = -2;
  EXPECT_FALSE(ScoreCustomers(bg, nullptr, d, 10, o).ok());
}

}  // namespace
}  // namespace clv::engine
