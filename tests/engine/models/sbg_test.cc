#include "engine/models/sbg.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/models/simulate_discrete.h"

namespace clv::engine {
namespace {

// Columns of sbg_retention.csv: year, regular_alive, high_end_alive (years 0..12).
void LoadRetention(std::vector<double>& regular, std::vector<double>& high_end) {
  std::ifstream in(std::string(CLV_TEST_DATA_DIR) + "/sbg_retention.csv");
  ASSERT_TRUE(in.good());
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    double year, r, h;
    char comma;
    ss >> year >> comma >> r >> comma >> h;
    regular.push_back(r);
    high_end.push_back(h);
  }
}

TEST(SbgTest, FitsPublishedRetentionData) {
  std::vector<double> regular, high_end;
  LoadRetention(regular, high_end);
  ASSERT_EQ(regular.size(), 13u);
  const std::vector<double> reg8(regular.begin(), regular.begin() + 8);  // years 0..7
  const std::vector<double> high8(high_end.begin(), high_end.begin() + 8);
  auto r = FitSbg(reg8, {});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->report.converged) << r->report.message;
  EXPECT_NEAR(r->params[0], 0.704, 0.0005);
  EXPECT_NEAR(r->params[1], 1.182, 0.0005);
  EXPECT_NEAR(r->report.log_likelihood, -1680.3, 0.05);
  auto h = FitSbg(high8, {});
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(h->report.converged) << h->report.message;
  EXPECT_NEAR(h->params[0], 0.668, 0.0005);
  EXPECT_NEAR(h->params[1], 3.806, 0.0005);
  EXPECT_NEAR(h->report.log_likelihood, -1611.2, 0.05);

  // Projection beyond the fit window (FH 2007 Figure 3): years 8-12 within 5% of the actuals.
  const SbgParams p{r->params[0], r->params[1]};
  const std::vector<double> projected = SbgProjectSurvivors(p, 1000, 12);
  ASSERT_EQ(projected.size(), 13u);
  for (int t = 8; t <= 12; ++t) EXPECT_NEAR(projected[t], regular[t], 0.05 * regular[t]) << t;
}

TEST(SbgTest, SurvivalRetentionAndChurnAreConsistent) {
  const SbgParams p{0.704, 1.182};
  double churned = 0;
  for (int t = 1; t <= 40; ++t) {
    EXPECT_NEAR(SbgSurvival(p, t), SbgSurvival(p, t - 1) * SbgRetention(p, t), 1e-13);
    EXPECT_NEAR(SbgChurnProbability(p, t), SbgSurvival(p, t - 1) - SbgSurvival(p, t), 1e-13);
    churned += SbgChurnProbability(p, t);
    EXPECT_NEAR(churned + SbgSurvival(p, t), 1.0, 1e-12);
  }
  EXPECT_DOUBLE_EQ(SbgSurvival(p, 0), 1.0);
  // Retention rises with tenure (the sorting effect FH 2007 explain).
  EXPECT_LT(SbgRetention(p, 1), SbgRetention(p, 5));
}

TEST(SbgTest, DiscountedLifetimesMatchDirectSums) {
  for (const SbgParams& p : {SbgParams{0.704, 1.182}, SbgParams{0.668, 3.806}, SbgParams{3, 0.5}}) {
    for (double d : {0.1, 0.01}) {
      // Brute force: S(t)/(1+d)^t summed until negligible, S by the retention recursion.
      std::vector<double> disc_s(20000);
      double s = 1, v = 1;
      for (std::size_t t = 0; t < disc_s.size(); ++t) {
        if (t > 0) s *= SbgRetention(p, t), v /= 1 + d;
        disc_s[t] = s * v;  // S(t) / (1+d)^t
      }
      double del = 0;
      for (double term : disc_s) del += term;
      EXPECT_NEAR(SbgDiscountedExpectedLifetime(p, d), del, 1e-8 * del);
      for (int n : {0, 1, 4}) {
        double derl = 0;
        for (std::size_t t = n + 1; t < disc_s.size(); ++t) derl += disc_s[t];
        derl *= std::pow(1 + d, n + 1) / SbgSurvival(p, n);
        EXPECT_NEAR(SbgDiscountedExpectedResidualLifetime(p, d, n), derl, 1e-8 * derl);
      }
      // A new customer pays now, then is a customer with 0 renewals one period later.
      EXPECT_NEAR(SbgDiscountedExpectedLifetime(p, d),
                  1 + SbgDiscountedExpectedResidualLifetime(p, d, 0) / (1 + d), 1e-10);
    }
  }
}

TEST(SbgTest, RecoversSimulatedParameters) {
  const SbgParams truth{0.7, 1.2};
  auto alive = SimulateSbg(truth, 20000, 10, 99);
  ASSERT_TRUE(alive.ok());
  auto fit = FitSbg(*alive, {});
  ASSERT_TRUE(fit.ok());
  ASSERT_TRUE(fit->report.converged) << fit->report.message;
  EXPECT_NEAR(fit->params[0], truth.alpha, 4 * fit->standard_errors[0]);
  EXPECT_NEAR(fit->params[1], truth.beta, 4 * fit->standard_errors[1]);
}

TEST(SbgTest, RejectsInvalidInput) {
  EXPECT_EQ(FitSbg(std::vector<double>{1000}, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FitSbg(std::vector<double>{1000, 1200}, {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FitSbg(std::vector<double>{0, 0}, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FitSbg(std::vector<double>{10, -1}, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SbgLogLikelihood({-1, 1}, std::vector<double>{10, 5}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::isnan(SbgDiscountedExpectedLifetime({1, 1}, 0)));
  EXPECT_TRUE(std::isnan(SbgRetention({1, 1}, 0)));
  EXPECT_TRUE(SbgProjectSurvivors({1, 1}, 100, -1).empty());
  // Everyone survives: valid input whose likelihood has its supremum (1) on the boundary; the
  // fit must still answer with finite numbers.
  auto all = FitSbg(std::vector<double>{100, 100, 100}, {});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(std::isfinite(all->report.log_likelihood));
  EXPECT_LE(all->report.log_likelihood, 0);
  for (double v : all->params) EXPECT_TRUE(std::isfinite(v) && v > 0);
}

}  // namespace
}  // namespace clv::engine
