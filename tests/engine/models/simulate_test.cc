#include "engine/models/simulate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "engine/data/transactions.h"

namespace clv::engine {
namespace {

SimulationSpec CdnowWeeks(std::int32_t n, std::uint64_t seed) {
  SimulationSpec spec;
  spec.purchase = {0.243, 4.414, 0.793, 2.426};
  spec.spend = GammaGammaParams{6.25, 3.74, 15.44};
  spec.num_customers = n;
  spec.observation_end = 78;
  spec.acquisition_window = 12;
  spec.seed = seed;
  return spec;
}

TEST(SimulateTest, BgNbdSimulateAndRecover) {
  const SimulationSpec spec = CdnowWeeks(150000, 12345);
  Result<RfmData> d = SimulateRfm(spec);
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(ValidateRfm(*d).ok());
  Result<BetaGeoFit> fit = FitBetaGeo(BetaGeoVariant::kBgNbd, *d, {});
  ASSERT_TRUE(fit.ok() && fit->mle.report.converged) << fit->mle.report.message;
  const double truth[4] = {0.243, 4.414, 0.793, 2.426};
  for (int j = 0; j < 4; ++j) {
    EXPECT_NEAR(fit->mle.params[j], truth[j], 4 * fit->mle.standard_errors[j])
        << "param " << j << " seed " << spec.seed;
    EXPECT_LT(fit->mle.standard_errors[j], 0.1 * truth[j]);  // the test has power
  }
}

TEST(SimulateTest, TransactionsAndSummaryDescribeTheSameDraws) {
  const SimulationSpec spec = CdnowWeeks(3000, 5);
  Result<SimulatedTransactions> log = SimulateTransactions(spec);
  Result<RfmData> rfm = SimulateRfm(spec);
  ASSERT_TRUE(log.ok() && rfm.ok());
  std::vector<double> count(3000, 0), first(3000, -1), last(3000, 0);
  for (std::size_t i = 0; i < log->customer.size(); ++i) {
    const auto c = static_cast<std::size_t>(log->customer[i]);
    if (first[c] < 0) first[c] = log->time[i];
    last[c] = log->time[i];
    count[c] += 1;
    ASSERT_LE(log->time[i], spec.observation_end);
    ASSERT_GT(log->amount[i], 0);
  }
  for (std::size_t c = 0; c < 3000; ++c) {
    EXPECT_EQ(rfm->frequency[c], count[c] - 1);
    EXPECT_DOUBLE_EQ(rfm->recency[c], last[c] - first[c]);
    EXPECT_DOUBLE_EQ(rfm->age[c], spec.observation_end - first[c]);
  }
}

TEST(SimulateTest, DeterministicForASeed) {
  Result<RfmData> a = SimulateRfm(CdnowWeeks(10000, 1)), b = SimulateRfm(CdnowWeeks(10000, 1)),
                  c = SimulateRfm(CdnowWeeks(10000, 2));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->recency, b->recency);
  EXPECT_EQ(a->monetary, b->monetary);
  EXPECT_NE(a->recency, c->recency);
}

TEST(SimulateTest, DayLevelLogRecoversDailyParameters) {
  // CDNOW rates per week → per day: λ_day = λ_week / 7, so α_day = 7 α_week.
  SimulationSpec spec = CdnowWeeks(100000, 77);
  spec.purchase.alpha *= 7;
  spec.observation_end = 365;
  spec.acquisition_window = 90;
  Result<SimulatedTransactions> log = SimulateTransactions(spec);
  ASSERT_TRUE(log.ok());
  const TransactionLog tl{log->customer, log->time, log->amount};
  Result<RfmSummary> s = SummarizeTransactions(tl, spec.num_customers, Period::kDay, 364.999);
  ASSERT_TRUE(s.ok());
  Result<BetaGeoFit> fit = FitBetaGeo(BetaGeoVariant::kBgNbd, s->data, {});
  ASSERT_TRUE(fit.ok() && fit->mle.report.converged);
  // Day rounding and same-day merging bias the estimates slightly; they stay close.
  EXPECT_NEAR(fit->mle.params[0], 0.243, 0.02);
  EXPECT_NEAR(fit->mle.params[1], 4.414 * 7, 0.15 * 4.414 * 7);
  EXPECT_NEAR(fit->mle.params[2], 0.793, 0.1);
  EXPECT_NEAR(fit->mle.params[3], 2.426, 0.4);
}

TEST(SimulateTest, RejectsBadSpecs) {
  SimulationSpec spec = CdnowWeeks(10, 1);
  spec.acquisition_window = 100;  // > observation_end
  EXPECT_FALSE(SimulateRfm(spec).ok());
  spec = CdnowWeeks(0, 1);
  EXPECT_FALSE(SimulateTransactions(spec).ok());
  spec = CdnowWeeks(10, 1);
  spec.purchase.r = -1;
  EXPECT_FALSE(SimulateRfm(spec).ok());
}

}  // namespace
}  // namespace clv::engine
