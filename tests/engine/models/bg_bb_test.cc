#include "engine/models/bg_bb.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/models/simulate_discrete.h"

namespace clv::engine {
namespace {

std::vector<BgBbPattern> LoadDonations() {
  std::ifstream in(std::string(CLV_TEST_DATA_DIR) + "/donations.csv");
  EXPECT_TRUE(in.good());
  std::string line;
  std::getline(in, line);  // frequency,recency,periods,weights
  std::vector<BgBbPattern> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    BgBbPattern r;
    char comma;
    ss >> r.frequency >> comma >> r.recency >> comma >> r.periods >> comma >> r.weight;
    rows.push_back(r);
  }
  return rows;
}

const BgBbParams kPublished{1.204, 0.750, 0.657, 2.783};

TEST(BgBbTest, FitsDonationsToPublishedValues) {
  const auto rows = LoadDonations();
  ASSERT_EQ(rows.size(), 22u);
  auto fit = FitBgBb(rows, FitOptions{});
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  ASSERT_TRUE(fit->report.converged) << fit->report.message;
  EXPECT_NEAR(fit->params[0], 1.204, 0.0005);
  EXPECT_NEAR(fit->params[1], 0.750, 0.0005);
  EXPECT_NEAR(fit->params[2], 0.657, 0.0005);
  EXPECT_NEAR(fit->params[3], 2.783, 0.0005);
  EXPECT_EQ(fit->report.num_observations, 11104);
  for (double se : fit->standard_errors) EXPECT_GT(se, 0);
}

// L(x, t_x, n) is the probability of one particular purchase string; there are
// C(t_x − 1, x − 1) strings with the same (x, t_x), and all strings together have probability 1.
TEST(BgBbTest, LikelihoodsOfAllPurchaseStringsSumToOne) {
  for (const BgBbParams& p : {kPublished, BgBbParams{0.3, 4, 1.0, 0.2}, BgBbParams{5, 5, 5, 5}}) {
    for (int n : {0, 1, 6, 25}) {
      double total = std::exp(BgBbLogLikelihood(p, 0, 0, n));
      for (int t_x = 1; t_x <= n; ++t_x)
        for (int x = 1; x <= t_x; ++x) {
          const double strings = std::exp(std::lgamma(t_x) - std::lgamma(x) - std::lgamma(t_x - x + 1));
          total += strings * std::exp(BgBbLogLikelihood(p, x, t_x, n));
        }
      EXPECT_NEAR(total, 1.0, 1e-10) << "n=" << n << " alpha=" << p.alpha;
    }
  }
}

TEST(BgBbTest, BatchEqualsSumAndWeightsEqualRepeats) {
  const auto rows = LoadDonations();
  double sum = 0;
  for (const auto& r : rows) sum += r.weight * BgBbLogLikelihood(kPublished, r.frequency, r.recency, r.periods);
  auto total = BgBbTotalLogLikelihood(kPublished, rows);
  ASSERT_TRUE(total.ok());
  EXPECT_NEAR(*total, sum, 1e-9 * std::fabs(sum));
  std::vector<BgBbPattern> weighted = {{2, 3, 6, 3}, {0, 0, 6, 2}}, repeated;
  for (int i = 0; i < 3; ++i) repeated.push_back({2, 3, 6, 1});
  for (int i = 0; i < 2; ++i) repeated.push_back({0, 0, 6, 1});
  EXPECT_NEAR(*BgBbTotalLogLikelihood(kPublished, weighted),
              *BgBbTotalLogLikelihood(kPublished, repeated), 1e-10);
}

TEST(BgBbTest, PredictionsAgreeWithClosedForms) {
  const BgBbParams& p = kPublished;
  // FHS eq. (8): E[X(n)] = α/(α+β) · δ/(γ−1) · [1 − Γ(γ+δ)Γ(1+δ+n)/(Γ(γ+δ+n)Γ(1+δ))].
  for (int n : {1, 5, 30}) {
    const double closed = p.alpha / (p.alpha + p.beta) * p.delta / (p.gamma - 1) *
                          (1 - std::exp(std::lgamma(p.gamma + p.delta) + std::lgamma(1 + p.delta + n) -
                                        std::lgamma(p.gamma + p.delta + n) - std::lgamma(1 + p.delta)));
    EXPECT_NEAR(BgBbExpectedPurchasesNewCustomer(p, n), closed, 1e-10 * closed);
  }
  // FHS eq. (13) for x = 3, t_x = 4, n = 6, n* = 5.
  const double x = 3, t_x = 4, n = 6, ns = 5;
  const double L = std::exp(BgBbLogLikelihood(p, x, t_x, n));
  auto B = [](double a, double b) { return std::exp(std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b)); };
  const double closed = 1 / L * B(p.alpha + x + 1, p.beta + n - x) / B(p.alpha, p.beta) * p.delta /
                        (p.gamma - 1) * std::tgamma(p.gamma + p.delta) / std::tgamma(1 + p.delta) *
                        (std::tgamma(1 + p.delta + n) / std::tgamma(p.gamma + p.delta + n) -
                         std::tgamma(1 + p.delta + n + ns) / std::tgamma(p.gamma + p.delta + n + ns));
  EXPECT_NEAR(BgBbExpectedPurchases(p, ns, x, t_x, n), closed, 1e-10 * closed);
  // A customer who bought at every opportunity is more likely alive than one who stopped early.
  EXPECT_GT(BgBbProbabilityAlive(p, 1, 6, 6, 6), BgBbProbabilityAlive(p, 1, 1, 1, 6));
  EXPECT_GT(BgBbProbabilityAlive(p, 1, 6, 6, 6), BgBbProbabilityAlive(p, 5, 6, 6, 6));
  for (const auto& r : LoadDonations()) {
    const double a = BgBbProbabilityAlive(p, 1, r.frequency, r.recency, r.periods);
    EXPECT_TRUE(a > 0 && a <= 1);
  }
  // Finite at gamma = 1, where the closed forms divide by zero.
  EXPECT_TRUE(std::isfinite(BgBbExpectedPurchases({1, 1, 1, 1}, 10, 2, 3, 6)));
}

TEST(BgBbTest, LongHistoriesStayFinite) {
  EXPECT_TRUE(std::isfinite(BgBbLogLikelihood(kPublished, 0, 0, 5000)));
  EXPECT_TRUE(std::isfinite(BgBbLogLikelihood(kPublished, 4000, 4990, 5000)));
  const double a = BgBbProbabilityAlive(kPublished, 1, 4000, 4990, 5000);
  EXPECT_TRUE(a >= 0 && a <= 1);
}

TEST(BgBbTest, RecoversSimulatedParameters) {
  const BgBbParams truth{1.2, 0.8, 0.6, 2.5};
  auto rows = SimulateBgBb(truth, 20000, 8, 424242);
  ASSERT_TRUE(rows.ok());
  auto fit = FitBgBb(*rows, FitOptions{});
  ASSERT_TRUE(fit.ok());
  ASSERT_TRUE(fit->report.converged) << fit->report.message;
  const double want[4] = {truth.alpha, truth.beta, truth.gamma, truth.delta};
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(fit->params[i], want[i], 4 * fit->standard_errors[i]) << i;
}

TEST(BgBbTest, RejectsInvalidInput) {
  std::vector<BgBbPattern> rows;
  EXPECT_EQ(FitBgBb(rows, {}).status().code(), StatusCode::kInvalidArgument);
  rows = {{3, 2, 6, 1}};  // x > t_x
  EXPECT_EQ(FitBgBb(rows, {}).status().code(), StatusCode::kInvalidArgument);
  rows = {{1, 7, 6, 1}};  // t_x > n
  EXPECT_EQ(FitBgBb(rows, {}).status().code(), StatusCode::kInvalidArgument);
  rows = {{0, 1, 6, 1}};  // recency without purchases
  EXPECT_EQ(FitBgBb(rows, {}).status().code(), StatusCode::kInvalidArgument);
  rows = {{1, 1, 6, -1}};
  EXPECT_EQ(FitBgBb(rows, {}).status().code(), StatusCode::kInvalidArgument);
  rows = {{1, 1, 6, 1}};
  EXPECT_EQ(BgBbTotalLogLikelihood({1, 0, 1, 1}, rows).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::isnan(BgBbLogLikelihood(kPublished, 1.5, 2, 6)));
  EXPECT_EQ(SimulateBgBb(kPublished, 0, 6, 1).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace clv::engine
