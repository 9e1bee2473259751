#include "engine/models/gamma_gamma.h"

#include <gtest/gtest.h>

#include <cmath>

#include "engine/data/csv_testlib.h"
#include "engine/models/simulate.h"

namespace clv::engine {
namespace {

using testing::DataPath;
using testing::ReadCsv;

RfmData CdnowSpend() {
  const auto csv = ReadCsv(DataPath("cdnow_customers_summary_with_transactions.csv"));
  RfmData d;
  d.frequency = csv["x"];
  d.recency = csv["t_x"];
  d.age = csv["T"];
  d.monetary = csv["zbar"];
  return d;
}

TEST(GammaGammaTest, FitReproducesFaderHardie2013OnCdnow) {
  const RfmData d = CdnowSpend();
  Result<GammaGammaFit> fit = FitGammaGamma(d, {});
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  ASSERT_TRUE(fit->mle.report.converged) << fit->mle.report.message;
  EXPECT_EQ(fit->customers_used, 946);
  EXPECT_NEAR(fit->params.p, 6.25, 0.005);
  EXPECT_NEAR(fit->params.q, 3.74, 0.005);
  // The note truncates: 15.4477 prints as 15.44 (lifetimes finds 15.4477 too).
  EXPECT_NEAR(fit->params.gamma, 15.445, 0.005);
  // The note reports a weak correlation (0.11) between frequency and mean spend.
  EXPECT_NEAR(fit->frequency_monetary_correlation, 0.11, 0.01);
  // The batch LL equals the sum of per-customer values.
  double sum = 0;
  for (std::size_t i = 0; i < d.size(); ++i)
    if (d.frequency[i] > 0) sum += GammaGammaLogLikelihood(fit->params, d.frequency[i], d.monetary[i]);
  EXPECT_NEAR(fit->mle.report.log_likelihood, sum, 1e-8 * std::fabs(sum));
}

TEST(GammaGammaTest, ExpectedSpendMatchesLifetimesPerCustomer) {
  const auto csv = ReadCsv(DataPath("reference/lifetimes_cdnow_2357.csv"));
  const GammaGammaParams gg{6.248802496077898, 3.744588460922642, 15.447748064920148};
  int compared = 0;
  for (std::size_t i = 0; i < csv.rows; ++i) {
    const double want = csv["gg_expected_spend"][i];
    if (std::isnan(want)) continue;
    ++compared;
    EXPECT_NEAR(GammaGammaExpectedSpend(gg, csv["frequency"][i], csv["monetary_value"][i]), want,
                1e-6 * want) << i;
  }
  EXPECT_EQ(compared, 946);
}

TEST(GammaGammaTest, SimulateAndRecover) {
  SimulationSpec spec;
  spec.purchase = {0.243, 4.414, 0.793, 2.426};
  spec.spend = GammaGammaParams{6.25, 3.74, 15.44};
  spec.num_customers = 100000;
  spec.observation_end = 78;
  spec.acquisition_window = 12;
  spec.seed = 99;
  Result<RfmData> d = SimulateRfm(spec);
  ASSERT_TRUE(d.ok());
  Result<GammaGammaFit> fit = FitGammaGamma(*d, {});
  ASSERT_TRUE(fit.ok() && fit->mle.report.converged) << fit->mle.report.message;
  const double truth[3] = {6.25, 3.74, 15.44};
  for (int j = 0; j < 3; ++j)
    EXPECT_NEAR(fit->mle.params[j], truth[j], 4 * fit->mle.standard_errors[j]) << j;
  // Spend is simulated independently of frequency.
  EXPECT_NEAR(fit->frequency_monetary_correlation, 0.0, 0.03);
  // The fit sums the likelihood from binned power moments of x·m (gamma_gamma.cc), not per
  // customer: over tens of thousands of spread-out spends it must still equal the sum of the
  // per-customer log-likelihoods to rounding.
  double sum = 0;
  for (std::size_t i = 0; i < d->size(); ++i)
    if (d->frequency[i] > 0) sum += GammaGammaLogLikelihood(fit->params, d->frequency[i], d->monetary[i]);
  EXPECT_NEAR(fit->mle.report.log_likelihood, sum, 1e-11 * std::fabs(sum));
}

TEST(GammaGammaTest, RejectsBadInput) {
  RfmData no_money{{1, 2}, {1, 2}, {3, 3}, {}, {}};
  EXPECT_EQ(FitGammaGamma(no_money, {}).status().code(), StatusCode::kInvalidArgument);
  RfmData zero_spend{{1, 2}, {1, 2}, {3, 3}, {0, 5}, {}};
  EXPECT_EQ(FitGammaGamma(zero_spend, {}).status().code(), StatusCode::kInvalidArgument);
  RfmData nobody_repeats{{0, 0}, {0, 0}, {3, 3}, {0, 0}, {}};
  EXPECT_EQ(FitGammaGamma(nobody_repeats, {}).status().code(), StatusCode::kInvalidArgument);
  RfmData nan_spend{{1}, {1}, {3}, {std::nan("")}, {}};
  EXPECT_EQ(FitGammaGamma(nan_spend, {}).status().code(), StatusCode::kInvalidArgument);
}

TEST(GammaGammaTest, WeightedRowEqualsRepeatedRows) {
  RfmData rep = CdnowSpend(), w = CdnowSpend();
  w.weight.assign(w.size(), 1.0);
  w.weight[0] = 4;  // customer 1 (x = 2) three more times
  for (int k = 0; k < 3; ++k) {
    rep.frequency.push_back(rep.frequency[0]);
    rep.recency.push_back(rep.recency[0]);
    rep.age.push_back(rep.age[0]);
    rep.monetary.push_back(rep.monetary[0]);
  }
  Result<GammaGammaFit> a = FitGammaGamma(rep, {}), b = FitGammaGamma(w, {});
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(a->mle.report.converged && b->mle.report.converged);
  EXPECT_NEAR(a->mle.report.log_likelihood, b->mle.report.log_likelihood, 1e-7);
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(a->mle.params[j], b->mle.params[j], 1e-5 * a->mle.params[j]);
  EXPECT_NEAR(a->frequency_monetary_correlation, b->frequency_monetary_correlation, 1e-12);
}

}  // namespace
}  // namespace clv::engine
