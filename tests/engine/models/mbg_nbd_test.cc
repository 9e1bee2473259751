#include "engine/models/mbg_nbd.h"

#include <gtest/gtest.h>

#include <cmath>

#include "engine/data/csv_testlib.h"
#include "engine/models/simulate.h"

namespace clv::engine {
namespace {

using testing::CdnowRfm;
using testing::DataPath;
using testing::ReadCsv;

TEST(MbgNbdTest, FitMatchesLifetimesOnCdnow) {
  const RfmData data = CdnowRfm(ReadCsv(DataPath("cdnow_customers.csv")), "frequency",
                                "recency", "T");
  Result<BetaGeoFit> fit = FitMbgNbd(data, FitOptions{});
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  ASSERT_TRUE(fit->mle.report.converged) << fit->mle.report.message;
  // lifetimes_cdnow_2357.params.json, mbgnbd (lifetimes' own fit), to ~3 significant digits.
  const double want[4] = {0.5248377255676664, 6.1829884791339715, 0.8913562809311414,
                          1.6140000256721279};
  for (int j = 0; j < 4; ++j) EXPECT_NEAR(fit->mle.params[j], want[j], 1e-3 * want[j]) << j;
  // Our optimum is at least as good as lifetimes'.
  Result<double> at_lifetimes = BetaGeoTotalLogLikelihood(
      BetaGeoVariant::kMbgNbd, {want[0], want[1], want[2], want[3]}, data);
  ASSERT_TRUE(at_lifetimes.ok());
  EXPECT_GE(fit->mle.report.log_likelihood, *at_lifetimes - 1e-6);
}

TEST(MbgNbdTest, NewCustomerMatchesLifetimesClosedForm) {
  // lifetimes: b/(a−1) (1 − 2F1(r, b+1; a+b; t/(α+t)) (α/(α+t))^r).
  const BetaGeoParams p{0.5248377255676664, 6.1829884791339715, 0.8913562809311414,
                        1.6140000256721279};
  for (double t : {1.0, 39.0, 300.0}) {
    const double z = t / (p.alpha + t);
    double f = 1, term = 1;
    for (int k = 0; k < 1000000 && std::fabs(term) > 1e-18 * f; ++k) {
      term *= (p.r + k) * (p.b + 1 + k) / ((p.a + p.b + k) * (k + 1)) * z;
      f += term;
    }
    const double want = p.b / (p.a - 1) * (1 - f * std::pow(p.alpha / (p.alpha + t), p.r));
    EXPECT_NEAR(MakeMbgNbd(p).ExpectedPurchasesNewCustomer(t), want, 1e-9 * want) << t;
  }
}

TEST(MbgNbdTest, SimulateAndRecover) {
  SimulationSpec spec;
  spec.variant = BetaGeoVariant::kMbgNbd;
  spec.purchase = {0.5, 6.0, 0.9, 1.6};  // weeks, near the CDNOW MBG/NBD fit
  spec.num_customers = 100000;
  spec.observation_end = 78;
  spec.acquisition_window = 12;
  spec.seed = 20240601;
  Result<RfmData> data = SimulateRfm(spec);
  ASSERT_TRUE(data.ok());
  Result<BetaGeoFit> fit = FitMbgNbd(*data, {});
  ASSERT_TRUE(fit.ok() && fit->mle.report.converged) << fit->mle.report.message;
  const double truth[4] = {0.5, 6.0, 0.9, 1.6};
  for (int j = 0; j < 4; ++j) {
    EXPECT_NEAR(fit->mle.params[j], truth[j], 4 * fit->mle.standard_errors[j])
        << "param " << j << " seed " << spec.seed;
  }
}

}  // namespace
}  // namespace clv::engine
