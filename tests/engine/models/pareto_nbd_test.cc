#include "engine/models/pareto_nbd.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <boost/math/special_functions/hypergeometric_pFq.hpp>

#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/models/simulate_pnbd.h"

namespace clv::engine {
namespace {

// Reads a CSV with a header into columns by name (numbers only; empty cells become NaN).
std::map<std::string, std::vector<double>> ReadCsv(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::string line;
  std::getline(in, line);
  std::vector<std::string> names;
  {
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) names.push_back(cell);
  }
  std::map<std::string, std::vector<double>> cols;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string cell;
    for (std::size_t k = 0; k < names.size(); ++k) {
      if (!std::getline(ss, cell, ',')) cell.clear();
      cols[names[k]].push_back(cell.empty() ? std::nan("") : std::stod(cell));
    }
  }
  return cols;
}

RfmData LoadCdnow() {
  auto cols = ReadCsv(std::string(CLV_TEST_DATA_DIR) + "/cdnow_customers.csv");
  RfmData d;
  d.frequency = cols["frequency"];
  d.recency = cols["recency"];
  d.age = cols["T"];
  return d;
}

// lifetimes' own fit (tests/data/reference/lifetimes_cdnow_2357.params.json).
const ParetoNbdParams kLifetimes{0.5532822806990499, 10.577810025284629, 0.6062095268120145,
                                 11.666977435904053};

void ExpectClose(double got, double want, const std::string& what) {
  const double tol = std::max(1e-9, 1e-6 * std::fabs(want));
  EXPECT_NEAR(got, want, tol) << what;
}

TEST(ParetoNbdTest, FitsCdnowToPublishedValues) {
  const RfmData data = LoadCdnow();
  auto fit = FitParetoNbd(data, FitOptions{});
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  const MleResult& m = *fit;
  ASSERT_TRUE(m.report.converged) << m.report.message;
  EXPECT_NEAR(m.params[0], 0.553, 0.0005);
  EXPECT_NEAR(m.params[1], 10.58, 0.005);
  EXPECT_NEAR(m.params[2], 0.606, 0.0005);
  EXPECT_NEAR(m.params[3], 11.67, 0.02);
  EXPECT_NEAR(m.report.log_likelihood, -9595.0, 0.1);
  for (int i = 0; i < 4; ++i) {
    EXPECT_GT(m.standard_errors[i], 0);
    EXPECT_LT(m.ci_lower[i], m.params[i]);
    EXPECT_GT(m.ci_upper[i], m.params[i]);
  }
  // The reported log-likelihood is on the data's (weekly) scale.
  const ParetoNbdParams p{m.params[0], m.params[1], m.params[2], m.params[3]};
  auto total = ParetoNbdTotalLogLikelihood(p, data);
  ASSERT_TRUE(total.ok());
  EXPECT_NEAR(*total, m.report.log_likelihood, 1e-6);
}

TEST(ParetoNbdTest, WarmStartConvergesToSameFit) {
  const RfmData data = LoadCdnow();
  FitOptions warm;
  warm.initial_params = {0.55, 10.6, 0.6, 11.7};
  auto fit = FitParetoNbd(data, warm);
  ASSERT_TRUE(fit.ok());
  EXPECT_TRUE(fit->report.converged) << fit->report.message;
  EXPECT_NEAR(fit->report.log_likelihood, -9595.0, 0.1);
  EXPECT_EQ(fit->report.starts_tried, 1);
}

TEST(ParetoNbdTest, AgreesWithLifetimesPerCustomer) {
  auto cols = ReadCsv(std::string(CLV_TEST_DATA_DIR) + "/reference/lifetimes_cdnow_2357.csv");
  const auto& x = cols["frequency"];
  ASSERT_EQ(x.size(), 2357u);
  auto model = MakeParetoNbdModel(std::array<double, 4>{kLifetimes.r, kLifetimes.alpha,
                                                        kLifetimes.s, kLifetimes.beta});
  ASSERT_TRUE(model.ok());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t_x = cols["recency"][i], T = cols["T"][i];
    ExpectClose((*model)->ExpectedPurchases(39, x[i], t_x, T), cols["pnbd_exp_39"][i],
                "exp_39 row " + std::to_string(i));
    ExpectClose((*model)->ProbabilityAlive(x[i], t_x, T), cols["pnbd_p_alive"][i],
                "p_alive row " + std::to_string(i));
  }
}

// FHL (2005) eq. (3)-(5) verbatim, with Boost's generic 2F1 in long double: an independent
// implementation to check our log-space series and quadrature against, on both sides of α = β
// and with the 2F1 argument near 1.
double FhlLogLikelihood(const ParetoNbdParams& p, double x, double t_x, double T) {
  using boost::math::hypergeometric_pFq;
  const long double r = p.r, a = p.alpha, s = p.s, b = p.beta;
  const long double rsx = r + s + x;
  auto term = [&](long double y) {
    if (a >= b) {
      const long double f = hypergeometric_pFq({rsx, s + 1}, {rsx + 1}, (a - b) / (a + y));
      return f / std::pow(a + y, rsx);
    }
    const long double f = hypergeometric_pFq({rsx, r + x}, {rsx + 1}, (b - a) / (b + y));
    return f / std::pow(b + y, rsx);
  };
  const long double a0 = term(t_x) - term(T);
  const long double l = std::exp(std::lgamma(r + x) - std::lgamma(r)) * std::pow(a, r) *
                        std::pow(b, s) *
                        (1 / (std::pow(a + T, r + x) * std::pow(b + T, s)) + s / rsx * a0);
  return static_cast<double>(std::log(l));
}

TEST(ParetoNbdTest, AgreesWithDirectHypergeometricFormula) {
  const std::vector<ParetoNbdParams> params = {kLifetimes,          {0.5, 10, 0.6, 10},
                                               {0.5, 30, 0.6, 2},   {0.5, 2, 0.6, 30},
                                               {1.5, 50, 2.5, 0.3}, {0.3, 0.2, 1.0, 40},
                                               {0.8, 7, 0.4, 2.0}};
  const std::vector<std::array<double, 3>> customers = {
      {0, 0, 38}, {2, 30.43, 38.86}, {1, 1.71, 38.86}, {10, 5, 39}, {0, 0, 2}, {3, 0.5, 1}};
  for (const auto& p : params)
    for (const auto& c : customers) {
      const double want = FhlLogLikelihood(p, c[0], c[1], c[2]);
      EXPECT_NEAR(ParetoNbdLogLikelihood(p, c[0], c[1], c[2]), want, 1e-9 * std::fabs(want))
          << "alpha=" << p.alpha << " beta=" << p.beta << " x=" << c[0] << " t_x=" << c[1];
    }
}

TEST(ParetoNbdTest, ProbabilityAliveIsOneWhenLastPurchaseIsNow) {
  EXPECT_DOUBLE_EQ(ParetoNbdProbabilityAlive(kLifetimes, 3, 20, 20), 1.0);
  EXPECT_DOUBLE_EQ(ParetoNbdProbabilityAlive(kLifetimes, 0, 0, 0), 1.0);
}

// The analytic gradient against central differences of the objective, for α > β, α < β and
// α ≈ β.
TEST(ParetoNbdTest, AnalyticGradientMatchesFiniteDifferences) {
  RfmData data = LoadCdnow();
  data.frequency.push_back(400);  // a heavy buyer stresses the series
  data.recency.push_back(30);
  data.age.push_back(38);
  ParetoNbdObjective objective(data);
  for (const auto& p : std::vector<std::array<double, 4>>{
           {0.55, 10.6, 0.6, 11.7}, {0.55, 30, 0.6, 2}, {2, 1, 0.3, 40}, {0.7, 5, 1.0, 5}}) {
    std::array<double, 4> theta, grad;
    for (int i = 0; i < 4; ++i) theta[i] = std::log(p[i]);
    objective(theta, grad);
    for (int i = 0; i < 4; ++i) {
      const double h = 1e-5;
      auto tp = theta, tm = theta;
      tp[i] += h;
      tm[i] -= h;
      const double fd = (objective(tp, {}) - objective(tm, {})) / (2 * h);
      EXPECT_NEAR(grad[i], fd, 1e-5 * std::max(1.0, std::fabs(fd)))
          << "param " << i << " at alpha=" << p[1] << " beta=" << p[3];
    }
  }
}

TEST(ParetoNbdTest, BatchEqualsSumOfCustomersAndWeightsEqualRepeats) {
  RfmData data = LoadCdnow();
  double sum = 0;
  for (std::size_t i = 0; i < data.size(); ++i)
    sum += ParetoNbdLogLikelihood(kLifetimes, data.frequency[i], data.recency[i], data.age[i]);
  auto batch = ParetoNbdTotalLogLikelihood(kLifetimes, data);
  ASSERT_TRUE(batch.ok());
  EXPECT_NEAR(*batch, sum, 1e-9 * std::fabs(sum));

  RfmData repeated, weighted;
  for (std::size_t i = 0; i < 50; ++i) {
    const int copies = 1 + static_cast<int>(i % 3);
    for (int c = 0; c < copies; ++c) {
      repeated.frequency.push_back(data.frequency[i]);
      repeated.recency.push_back(data.recency[i]);
      repeated.age.push_back(data.age[i]);
    }
    weighted.frequency.push_back(data.frequency[i]);
    weighted.recency.push_back(data.recency[i]);
    weighted.age.push_back(data.age[i]);
    weighted.weight.push_back(copies);
  }
  auto a = ParetoNbdTotalLogLikelihood(kLifetimes, repeated);
  auto b = ParetoNbdTotalLogLikelihood(kLifetimes, weighted);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NEAR(*a, *b, 1e-10 * std::fabs(*a));
}

TEST(ParetoNbdTest, BitIdenticalForOneAndTwoThreads) {
  // Large enough that the pair and row loops run in parallel.
  std::vector<double> ages(30000);
  for (std::size_t i = 0; i < ages.size(); ++i) ages[i] = 1 + static_cast<double>(i % 365);
  auto data = SimulateParetoNbd(ParetoNbdParams{0.5, 20, 0.6, 200}, ages, 7);
  ASSERT_TRUE(data.ok());
  ParetoNbdObjective objective(*data);
  const std::array<double, 4> theta = {std::log(0.5), std::log(20.0), std::log(0.6),
                                       std::log(200.0)};
  std::array<double, 4> g1, g2;
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const double v1 = objective(theta, g1);
  omp_set_num_threads(2);
  const double v2 = objective(theta, g2);
  omp_set_num_threads(saved);
  EXPECT_EQ(v1, v2);
  EXPECT_EQ(g1, g2);
}

TEST(ParetoNbdTest, FiniteForExtremeInputs) {
  const std::vector<ParetoNbdParams> params = {
      kLifetimes, {0.5, 10, 0.6, 10}, {0.5, 1000, 0.6, 0.01}, {0.5, 0.01, 0.6, 1000},
      {20, 3, 15, 0.5}, {0.01, 1e4, 0.01, 1e-3}};
  const std::vector<std::array<double, 3>> customers = {
      {0, 0, 0},         {0, 0, 1e5},   {1e5, 1e5, 1e5}, {1e5, 50, 1e5}, {1e5, 1e5 - 1, 1e5},
      {1, 1e-9, 1e5},    {3, 20, 20},   {50, 0.5, 365},  {0, 0, 1e-12}};
  for (const auto& p : params) {
    for (const auto& c : customers) {
      const double ll = ParetoNbdLogLikelihood(p, c[0], c[1], c[2]);
      const double pa = ParetoNbdProbabilityAlive(p, c[0], c[1], c[2]);
      const double e = ParetoNbdExpectedPurchases(p, 30, c[0], c[1], c[2]);
      EXPECT_TRUE(std::isfinite(ll)) << c[0] << " " << c[1] << " " << c[2] << " a=" << p.alpha;
      EXPECT_TRUE(pa >= 0 && pa <= 1) << pa;
      EXPECT_TRUE(std::isfinite(e) && e >= 0) << e;
    }
  }
}

TEST(ParetoNbdTest, RandomizedPropertiesHold) {
  std::mt19937_64 rng(20240601);  // seed logged by the test name
  std::uniform_real_distribution<double> u(-3, 3);
  for (int k = 0; k < 200; ++k) {
    const ParetoNbdParams p{std::exp(u(rng)), std::exp(2 * u(rng)), std::exp(u(rng)),
                            std::exp(2 * u(rng))};
    const double T = std::exp(1.5 * u(rng) + 3);
    const double x = std::floor(std::exp(1.5 * u(rng) + 1));
    const double t_x = x == 0 ? 0 : T * std::uniform_real_distribution<double>(0, 1)(rng);
    const double ll = ParetoNbdLogLikelihood(p, x, t_x, T);
    const double pa = ParetoNbdProbabilityAlive(p, x, t_x, T);
    ASSERT_TRUE(std::isfinite(ll)) << k;
    ASSERT_TRUE(pa >= 0 && pa <= 1) << k;
    // P(alive) falls as recency ages: a later last purchase means more likely alive.
    if (x > 0) {
      EXPECT_GE(ParetoNbdProbabilityAlive(p, x, T, T), pa);
    }
    const double e = ParetoNbdExpectedPurchases(p, 10, x, t_x, T);
    ASSERT_TRUE(std::isfinite(e) && e >= 0) << k;
  }
}

TEST(ParetoNbdTest, PurchaseDistributionSumsToOneAndMatchesExpectation) {
  for (const auto& c : std::vector<std::array<double, 3>>{{0, 0, 38}, {2, 30.43, 38.86},
                                                          {7, 10, 39}, {1, 1.71, 38.86}}) {
    double total = 0, mean = 0;
    for (int n = 0; n < 200; ++n) {
      const double pn = ParetoNbdProbabilityOfPurchases(kLifetimes, n, 39, c[0], c[1], c[2]);
      ASSERT_TRUE(pn >= 0 && pn <= 1);
      total += pn;
      mean += n * pn;
    }
    EXPECT_NEAR(total, 1.0, 1e-8);
    EXPECT_NEAR(mean, ParetoNbdExpectedPurchases(kLifetimes, 39, c[0], c[1], c[2]), 1e-7);
  }
  double total = 0, mean = 0;
  for (int n = 0; n < 200; ++n) {
    const double pn = ParetoNbdProbabilityOfPurchasesNewCustomer(kLifetimes, n, 52);
    total += pn;
    mean += n * pn;
  }
  EXPECT_NEAR(total, 1.0, 1e-8);
  EXPECT_NEAR(mean, ParetoNbdExpectedPurchasesNewCustomer(kLifetimes, 52), 1e-7);
}

TEST(ParetoNbdTest, NewCustomerExpectationIsContinuousAtSEqualsOne) {
  const double at = ParetoNbdExpectedPurchasesNewCustomer({0.5, 10, 1.0, 12}, 52);
  const double near = ParetoNbdExpectedPurchasesNewCustomer({0.5, 10, 1.0 + 1e-9, 12}, 52);
  EXPECT_NEAR(at, 0.5 / 10 * 12 * std::log1p(52.0 / 12), 1e-12);
  EXPECT_NEAR(at, near, 1e-8);
}

TEST(ParetoNbdTest, RejectsInvalidInput) {
  RfmData bad;
  EXPECT_EQ(FitParetoNbd(bad, {}).status().code(), StatusCode::kInvalidArgument);
  bad.frequency = {1, 2};
  bad.recency = {5, 12};
  bad.age = {10, 11};  // t_x > T
  EXPECT_EQ(FitParetoNbd(bad, {}).status().code(), StatusCode::kInvalidArgument);
  bad.age = {10, 12};
  bad.frequency = {1.5, 2};
  EXPECT_EQ(ParetoNbdTotalLogLikelihood(kLifetimes, bad).status().code(),
            StatusCode::kInvalidArgument);
  bad.frequency = {1, 2};
  bad.weight = {1, 0};
  EXPECT_EQ(FitParetoNbd(bad, {}).status().code(), StatusCode::kInvalidArgument);
  bad.weight.clear();
  EXPECT_EQ(ParetoNbdTotalLogLikelihood({0.5, -1, 0.5, 1}, bad).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeParetoNbdModel(std::array<double, 3>{1, 1, 1}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::isnan(ParetoNbdLogLikelihood(kLifetimes, -1, 0, 1)));
  EXPECT_TRUE(std::isnan(ParetoNbdProbabilityAlive(kLifetimes, 1, 2, 1)));
  FitOptions wrong;
  wrong.initial_params = {1, 2};
  bad.frequency = {1, 2};
  EXPECT_EQ(FitParetoNbd(bad, wrong).status().code(), StatusCode::kInvalidArgument);
}

TEST(ParetoNbdTest, SingleCustomerAndAllZeroFrequencyDoNotCrash) {
  RfmData one;
  one.frequency = {2};
  one.recency = {10};
  one.age = {30};
  auto a = FitParetoNbd(one, {});
  ASSERT_TRUE(a.ok());
  for (double v : a->params) EXPECT_TRUE(std::isfinite(v) && v > 0);
  RfmData zeros;
  zeros.frequency.assign(100, 0);
  zeros.recency.assign(100, 0);
  for (int i = 0; i < 100; ++i) zeros.age.push_back(1 + i);
  auto b = FitParetoNbd(zeros, {});
  ASSERT_TRUE(b.ok());
  for (double v : b->params) EXPECT_TRUE(std::isfinite(v) && v > 0);
  EXPECT_TRUE(std::isfinite(b->report.log_likelihood));
}

TEST(ParetoNbdTest, RecoversSimulatedParameters) {
  const ParetoNbdParams truth{0.8, 40, 0.5, 120};  // days
  std::vector<double> ages(20000);
  for (std::size_t i = 0; i < ages.size(); ++i) ages[i] = 30 + static_cast<double>(i % 336);
  auto data = SimulateParetoNbd(truth, ages, 12345);
  ASSERT_TRUE(data.ok());
  auto fit = FitParetoNbd(*data, {});
  ASSERT_TRUE(fit.ok());
  ASSERT_TRUE(fit->report.converged) << fit->report.message;
  const double want[4] = {truth.r, truth.alpha, truth.s, truth.beta};
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(fit->params[i], want[i], 4 * fit->standard_errors[i])
        << "param " << i << " se " << fit->standard_errors[i];
  }
}

}  // namespace
}  // namespace clv::engine

namespace clv::engine {
namespace {

TEST(ParetoNbdTest, IsRegisteredAsPnbd) {
  EXPECT_TRUE(IsPurchaseModel("pnbd"));
  auto model = MakePurchaseModel("pnbd", std::array<double, 4>{kLifetimes.r, kLifetimes.alpha,
                                                               kLifetimes.s, kLifetimes.beta});
  ASSERT_TRUE(model.ok());
  EXPECT_EQ((*model)->name(), "pnbd");
  EXPECT_EQ((*model)->param_names(), (std::vector<std::string>{"r", "alpha", "s", "beta"}));
  EXPECT_DOUBLE_EQ((*model)->ProbabilityAlive(2, 30.43, 38.86),
                   ParetoNbdProbabilityAlive(kLifetimes, 2, 30.43, 38.86));
  auto fit = FitPurchaseModel("pnbd", LoadCdnow(), FitOptions{});
  ASSERT_TRUE(fit.ok());
  EXPECT_NEAR(fit->mle.report.log_likelihood, -9595.0, 0.1);
  EXPECT_EQ(fit->model->name(), "pnbd");
}

}  // namespace
}  // namespace clv::engine
