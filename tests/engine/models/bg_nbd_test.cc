#include "engine/models/bg_nbd.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <random>

#include "engine/data/csv_testlib.h"
#include "engine/special/special.h"

namespace clv::engine {
namespace {

using testing::CdnowRfm;
using testing::DataPath;
using testing::ReadCsv;

// lifetimes' own fit on the cohort (reference/lifetimes_cdnow_2357.params.json).
constexpr BetaGeoParams kLifetimesBg{0.24259292827982198, 4.413532265271817, 0.7928859664406002,
                                     2.4257523826255123};

void ExpectRelClose(double got, double want, double rel, double abs_near_zero,
                    const std::string& what) {
  const double tol = std::max(rel * std::fabs(want), abs_near_zero);
  EXPECT_NEAR(got, want, tol) << what;
}

TEST(BgNbdTest, FitReproducesFaderHardieLee2005OnCdnow) {
  const RfmData data = CdnowRfm(ReadCsv(DataPath("cdnow_customers.csv")), "frequency",
                                "recency", "T");
  ASSERT_EQ(data.size(), 2357u);
  Result<BetaGeoFit> fit = FitBetaGeo(BetaGeoVariant::kBgNbd, data, FitOptions{});
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  ASSERT_TRUE(fit->mle.report.converged) << fit->mle.report.message;
  const BetaGeoParams& p = fit->model.beta_geo_params();
  // Published: r=0.243, α=4.414, a=0.793, b=2.426, LL −9582.4.
  EXPECT_NEAR(p.r, 0.243, 0.0005);
  EXPECT_NEAR(p.alpha, 4.414, 0.0005);
  EXPECT_NEAR(p.a, 0.793, 0.0005);
  EXPECT_NEAR(p.b, 2.426, 0.0005);
  EXPECT_NEAR(fit->mle.report.log_likelihood, -9582.4, 0.05);
  for (double se : fit->mle.standard_errors) EXPECT_TRUE(std::isfinite(se) && se > 0);
  EXPECT_LT(fit->mle.ci_lower[1], p.alpha);
  EXPECT_GT(fit->mle.ci_upper[1], p.alpha);
}

TEST(BgNbdTest, MatchesLifetimesPerCustomer) {
  const auto csv = ReadCsv(DataPath("reference/lifetimes_cdnow_2357.csv"));
  ASSERT_EQ(csv.rows, 2357u);
  const BetaGeoModel bg(BetaGeoVariant::kBgNbd, kLifetimesBg);
  const BetaGeoModel mbg(BetaGeoVariant::kMbgNbd, {0.5248377255676664, 6.1829884791339715,
                                                   0.8913562809311414, 1.6140000256721279});
  for (std::size_t i = 0; i < csv.rows; ++i) {
    const double x = csv["frequency"][i], t_x = csv["recency"][i], T = csv["T"][i];
    const std::string row = "row " + std::to_string(i);
    ExpectRelClose(bg.ExpectedPurchases(39, x, t_x, T), csv["bgnbd_exp_39"][i], 1e-6, 1e-9,
                   row + " bgnbd_exp_39");
    ExpectRelClose(bg.ProbabilityAlive(x, t_x, T), csv["bgnbd_p_alive"][i], 1e-6, 1e-9,
                   row + " bgnbd_p_alive");
    ExpectRelClose(mbg.ExpectedPurchases(39, x, t_x, T), csv["mbgnbd_exp_39"][i], 1e-6, 1e-9,
                   row + " mbgnbd_exp_39");
    ExpectRelClose(mbg.ProbabilityAlive(x, t_x, T), csv["mbgnbd_p_alive"][i], 1e-6, 1e-9,
                   row + " mbgnbd_p_alive");
  }
}

}  // namespace
}  // namespace clv::engine
