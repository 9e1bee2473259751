// Ten million customers: the scale at which the peers' users report overflow, failed fits and
// memory exhaustion. Simulated from the BG/NBD + Gamma-Gamma process with the CDNOW parameters
// in whole days; every model must fit (converged, near the truth for BG/NBD) and every score must be
// finite. Release builds only: under the sanitizers the same work takes minutes and gigabytes,
// and the smaller robustness tests beside each model cover the sanitizer's concerns.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/analytics/clv.h"
#include "engine/models/gamma_gamma.h"
#include "engine/models/purchase_model.h"
#include "engine/models/simulate.h"

namespace clv::engine {
namespace {

#if defined(__SANITIZE_ADDRESS__) || !defined(NDEBUG)
constexpr bool kSkip = true;
#else
constexpr bool kSkip = false;
#endif

TEST(ScaleTest, TenMillionCustomersFitAndScoreWithoutOverflow) {
  if (kSkip) GTEST_SKIP() << "release builds only (minutes under the sanitizers)";
  SimulationSpec spec;
  spec.variant = BetaGeoVariant::kBgNbd;
  spec.purchase = {0.243, 4.414 * 7, 0.793, 2.426};  // CDNOW, weeks -> days
  spec.spend = GammaGammaParams{6.25, 3.74, 15.44};
  spec.num_customers = 10'000'000;
  spec.observation_end = 365;
  spec.acquisition_window = 84;
  spec.seed = 7;
  Result<RfmData> data = SimulateRfm(spec);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->size(), 10'000'000u);
  // Day resolution, as a shop's data comes (and as the benchmarks use): whole days since the
  // first purchase. Continuous times would make every row distinct and measure nothing more.
  for (std::size_t i = 0; i < data->size(); ++i) {
    data->recency[i] = std::floor(data->recency[i]);
    data->age[i] = std::floor(data->age[i]);
  }

  Result<PurchaseFit> bgnbd = FitPurchaseModel("bgnbd", *data, FitOptions{});
  ASSERT_TRUE(bgnbd.ok()) << bgnbd.status().ToString();
  ASSERT_TRUE(bgnbd->mle.report.converged) << bgnbd->mle.report.message;
  const std::vector<double> p = bgnbd->model->params();
  // Ten million customers pin the parameters to a fraction of a percent (continuous time).
  EXPECT_NEAR(p[0], 0.243, 0.01);
  EXPECT_NEAR(p[1], 4.414 * 7, 0.05 * 4.414 * 7);
  EXPECT_NEAR(p[2], 0.793, 0.05);
  EXPECT_NEAR(p[3], 2.426, 0.15);
  EXPECT_LT(bgnbd->mle.report.log_likelihood, 0);

  for (const char* name : {"mbgnbd", "pnbd"}) {
    Result<PurchaseFit> fit = FitPurchaseModel(name, *data, FitOptions{});
    ASSERT_TRUE(fit.ok()) << name << ": " << fit.status().ToString();
    EXPECT_TRUE(fit->mle.report.converged) << name << ": " << fit->mle.report.message;
    for (double v : fit->model->params()) EXPECT_TRUE(std::isfinite(v)) << name;
    EXPECT_TRUE(std::isfinite(fit->mle.report.log_likelihood)) << name;
  }

  Result<GammaGammaFit> gg = FitGammaGamma(*data, FitOptions{});
  ASSERT_TRUE(gg.ok()) << gg.status().ToString();
  EXPECT_TRUE(gg->mle.report.converged) << gg->mle.report.message;

  ClvOptions clv;
  clv.periods_per_month = 30;  // days
  Result<CustomerScores> scores = ScoreCustomers(*bgnbd->model, &gg->params, *data, 90, clv);
  ASSERT_TRUE(scores.ok()) << scores.status().ToString();
  std::size_t bad = 0;
  for (std::size_t i = 0; i < data->size(); ++i) {
    if (!std::isfinite(scores->p_alive[i]) || !std::isfinite(scores->expected_purchases[i]) ||
        (!scores->clv.empty() && data->frequency[i] > 0 && !std::isfinite(scores->clv[i]))) {
      ++bad;
    }
  }
  EXPECT_EQ(bad, 0u);
}

}  // namespace
}  // namespace clv::engine
