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


// Σ_n n P(X = n | history) is an independent route to the expected number of purchases (it uses
// beta functions and the incomplete beta, not the 2F1 series), so agreement checks every branch
// of the series code: a < 1, a = 1 (where the papers' formula is 0/0), a > 1, a + b < 1, large
// horizons and large x.
TEST(BgNbdTest, ExpectedPurchasesAgreeWithSumOfProbabilities) {
  struct Case {
    BetaGeoParams p;
    double t, x, t_x, T;
  };
  const std::vector<Case> cases = {
      {kLifetimesBg, 39, 2, 30.43, 38.86},   {kLifetimesBg, 39, 0, 0, 38.86},
      {kLifetimesBg, 200, 0, 0, 1},          {{0.8, 2.0, 1.0, 3.0}, 10, 3, 5, 10},
      {{0.8, 2.0, 1.0 + 1e-9, 3.0}, 10, 3, 5, 10}, {{1.5, 3.0, 2.5, 0.4}, 20, 0, 0, 4},
      {{0.3, 0.5, 0.3, 0.4}, 30, 0, 0, 2},   {{0.3, 0.5, 0.3, 0.4}, 1, 0, 0, 2},
      {{2.0, 10.0, 0.5, 8.0}, 52, 40, 50, 52}, {{0.5, 1.0, 1.2, 2.0}, 5, 1, 0.5, 1},
  };
  for (BetaGeoVariant v : {BetaGeoVariant::kBgNbd, BetaGeoVariant::kMbgNbd}) {
    for (const Case& c : cases) {
      const BetaGeoModel m(v, c.p);
      double mean = 0, total = 0;
      for (int n = 0; n < 4000; ++n) {
        const double pn = m.ProbabilityOfPurchases(n, c.t, c.x, c.t_x, c.T);
        ASSERT_TRUE(pn >= 0 && pn <= 1 + 1e-12) << n;
        mean += n * pn;
        total += pn;
        if (n > 50 && pn < 1e-17) break;
      }
      const double e = m.ExpectedPurchases(c.t, c.x, c.t_x, c.T);
      EXPECT_NEAR(total, 1.0, 1e-9) << m.name() << " a=" << c.p.a << " t=" << c.t;
      EXPECT_NEAR(e, mean, 1e-7 * std::max(1.0, mean)) << m.name() << " a=" << c.p.a;
    }
  }
}

TEST(BgNbdTest, NewCustomerMatchesLifetimesClosedForm) {
  // lifetimes: (a+b−1)/(a−1) (1 − 2F1(r, b; a+b−1; t/(α+t)) (α/(α+t))^r), here summed directly.
  const BetaGeoParams p = kLifetimesBg;
  const double t = 39, z = t / (p.alpha + t);
  double f = 1, term = 1;
  for (int k = 0; k < 100000 && std::fabs(term) > 1e-18; ++k) {
    term *= (p.r + k) * (p.b + k) / ((p.a + p.b - 1 + k) * (k + 1)) * z;
    f += term;
  }
  const double want = (p.a + p.b - 1) / (p.a - 1) * (1 - f * std::pow(p.alpha / (p.alpha + t), p.r));
  const BetaGeoModel m(BetaGeoVariant::kBgNbd, p);
  EXPECT_NEAR(m.ExpectedPurchasesNewCustomer(t), want, 1e-10 * want);
  // And the unconditional P(X(t) = 0) of FHL (2005) eq. (8) with x = 0.
  EXPECT_NEAR(m.ProbabilityOfPurchases(0, t, 0, 0, 0), std::pow(p.alpha / (p.alpha + t), p.r),
              1e-12);
}

TEST(BgNbdTest, NextPurchaseTime) {
  const BetaGeoModel m(BetaGeoVariant::kBgNbd, kLifetimesBg);
  EXPECT_EQ(m.ExpectedTimeToNextPurchase(0, 0, 10), std::numeric_limits<double>::infinity());
  EXPECT_NEAR(m.ExpectedTimeToNextPurchase(4, 20, 30), (kLifetimesBg.alpha + 30) / (kLifetimesBg.r + 3),
              1e-12);
  const double med = m.MedianTimeToNextPurchase(4, 20, 30);
  // Survival of the waiting time at the median is 1/2.
  EXPECT_NEAR(std::pow((kLifetimesBg.alpha + 30) / (kLifetimesBg.alpha + 30 + med), kLifetimesBg.r + 4), 0.5,
              1e-12);
}

TEST(BgNbdTest, ExtremeInputsStayFinite) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  for (BetaGeoVariant v : {BetaGeoVariant::kBgNbd, BetaGeoVariant::kMbgNbd}) {
    for (int i = 0; i < 300; ++i) {
      const BetaGeoParams p{std::exp(8 * u(rng) - 5), std::exp(12 * u(rng) - 5),
                            std::exp(8 * u(rng) - 4), std::exp(8 * u(rng) - 4)};
      const double T = i % 3 == 0 ? 1e5 : std::exp(12 * u(rng) - 2);
      const double x = i % 5 == 0 ? 1e5 : std::floor(std::exp(10 * u(rng)) - 1);
      const double t_x = x == 0 ? 0 : (i % 2 ? T : T * u(rng));
      const double t = std::exp(12 * u(rng) - 2);
      const BetaGeoModel m(v, p);
      const std::string what = "r=" + std::to_string(p.r) + " alpha=" + std::to_string(p.alpha) +
                               " a=" + std::to_string(p.a) + " b=" + std::to_string(p.b) +
                               " x=" + std::to_string(x) + " T=" + std::to_string(T) +
                               " t=" + std::to_string(t);
      EXPECT_TRUE(std::isfinite(m.LogLikelihood(x, t_x, T))) << what;
      const double alive = m.ProbabilityAlive(x, t_x, T);
      EXPECT_TRUE(alive >= 0 && alive <= 1) << what;
      const double e = m.ExpectedPurchases(t, x, t_x, T);
      EXPECT_TRUE(std::isfinite(e) && e >= 0) << what << " e=" << e;
      const double p0 = m.ProbabilityOfPurchases(0, t, x, t_x, T);
      EXPECT_TRUE(p0 >= 0 && p0 <= 1 + 1e-12) << what;
    }
  }
}

RfmData SmallData() {
  RfmData d;
  d.frequency = {0, 1, 2, 2, 5, 0, 1, 7};
  d.recency = {0, 3, 10, 10, 30, 0, 0, 39};
  d.age = {5, 20, 40, 40, 39, 39, 7, 39};
  return d;
}

TEST(BgNbdTest, BatchLogLikelihoodIsSumOfCustomers) {
  const RfmData d = SmallData();
  for (BetaGeoVariant v : {BetaGeoVariant::kBgNbd, BetaGeoVariant::kMbgNbd}) {
    double sum = 0;
    for (std::size_t i = 0; i < d.size(); ++i)
      sum += BetaGeoLogLikelihood(v, kLifetimesBg, d.frequency[i], d.recency[i], d.age[i]);
    Result<double> batch = BetaGeoTotalLogLikelihood(v, kLifetimesBg, d);
    ASSERT_TRUE(batch.ok());
    EXPECT_NEAR(*batch, sum, 1e-10 * std::fabs(sum));
  }
}

TEST(BgNbdTest, CdnowLogLikelihoodAtPublishedParameters) {
  const RfmData data = CdnowRfm(ReadCsv(DataPath("cdnow_customers.csv")), "frequency",
                                "recency", "T");
  Result<double> ll = BetaGeoTotalLogLikelihood(BetaGeoVariant::kBgNbd, kLifetimesBg, data);
  ASSERT_TRUE(ll.ok());
  EXPECT_NEAR(*ll, -9582.4, 0.05);
}

TEST(BgNbdTest, WeightedRowEqualsRepeatedRows) {
  RfmData repeated = SmallData(), weighted = SmallData();
  weighted.weight.assign(weighted.size(), 1.0);
  weighted.weight[4] = 3;
  for (int k = 0; k < 2; ++k) {
    repeated.frequency.push_back(5);
    repeated.recency.push_back(30);
    repeated.age.push_back(39);
  }
  for (BetaGeoVariant v : {BetaGeoVariant::kBgNbd, BetaGeoVariant::kMbgNbd}) {
    Result<BetaGeoFit> a = FitBetaGeo(v, repeated, {});
    Result<BetaGeoFit> b = FitBetaGeo(v, weighted, {});
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_NEAR(a->mle.report.log_likelihood, b->mle.report.log_likelihood, 1e-9);
    for (int j = 0; j < 4; ++j) EXPECT_NEAR(a->mle.params[j], b->mle.params[j], 1e-6 * a->mle.params[j]);
  }
}

TEST(BgNbdTest, FitIsBitIdenticalForOneAndTwoThreads) {
  // Large enough that the deterministic sum runs several blocks in parallel.
  RfmData d;
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int> day(0, 364), xs(0, 9);
  for (int i = 0; i < 60000; ++i) {
    const double T = day(rng);
    double x = xs(rng) < 6 ? 0 : xs(rng);
    double t_x = x == 0 ? 0 : std::floor(T * (xs(rng) + 1) / 10.0);
    if (t_x == 0) x = 0;
    d.frequency.push_back(x);
    d.recency.push_back(t_x);
    d.age.push_back(T);
  }
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  Result<BetaGeoFit> one = FitBetaGeo(BetaGeoVariant::kBgNbd, d, {});
  omp_set_num_threads(2);
  Result<BetaGeoFit> two = FitBetaGeo(BetaGeoVariant::kBgNbd, d, {});
  omp_set_num_threads(saved);
  ASSERT_TRUE(one.ok() && two.ok());
  for (int j = 0; j < 4; ++j) EXPECT_EQ(one->mle.params[j], two->mle.params[j]);
  EXPECT_EQ(one->mle.report.log_likelihood, two->mle.report.log_likelihood);
}

TEST(BgNbdTest, RejectsInvalidData) {
  const std::vector<RfmData> bad = {
      {},                                                 // empty
      {{1}, {5}, {4}, {}, {}},                            // t_x > T
      {{-1}, {0}, {4}, {}, {}},                           // negative
      {{1}, {std::nan("")}, {4}, {}, {}},                 // NaN
      {{0}, {2}, {4}, {}, {}},                            // x = 0, t_x != 0
      {{1.5}, {2}, {4}, {}, {}},                          // fractional x
      {{1, 2}, {2}, {4, 5}, {}, {}},                      // lengths differ
      {{1}, {2}, {4}, {}, {0}},                           // zero weight
  };
  for (const RfmData& d : bad) {
    Result<BetaGeoFit> fit = FitBetaGeo(BetaGeoVariant::kBgNbd, d, {});
    ASSERT_FALSE(fit.ok());
    EXPECT_EQ(fit.status().code(), StatusCode::kInvalidArgument) << fit.status().ToString();
  }
}

TEST(BgNbdTest, DegenerateDataReportsNotConverged) {
  // Nobody ever comes back: the likelihood increases towards r -> 0, there is no maximum.
  RfmData d;
  for (int i = 0; i < 100; ++i) {
    d.frequency.push_back(0);
    d.recency.push_back(0);
    d.age.push_back(10 + i);
  }
  for (BetaGeoVariant v : {BetaGeoVariant::kBgNbd, BetaGeoVariant::kMbgNbd}) {
    Result<BetaGeoFit> fit = FitBetaGeo(v, d, {});
    ASSERT_TRUE(fit.ok());
    EXPECT_FALSE(fit->mle.report.converged) << fit->mle.report.message;
    for (double p : fit->mle.params) EXPECT_TRUE(std::isfinite(p));
  }
}

TEST(BgNbdTest, SingleCustomerAndEdgeRowsDoNotCrash) {
  RfmData one{{3}, {10}, {10}, {}, {}};  // t_x = T
  for (BetaGeoVariant v : {BetaGeoVariant::kBgNbd, BetaGeoVariant::kMbgNbd}) {
    Result<BetaGeoFit> fit = FitBetaGeo(v, one, {});
    ASSERT_TRUE(fit.ok());
    EXPECT_TRUE(std::isfinite(fit->mle.report.log_likelihood));
    RfmData zero_age{{0}, {0}, {0}, {}, {}};
    Result<BetaGeoFit> fit0 = FitBetaGeo(v, zero_age, {});
    ASSERT_TRUE(fit0.ok());
  }
}

TEST(BgNbdTest, WarmStartAndPenalty) {
  const RfmData data = CdnowRfm(ReadCsv(DataPath("cdnow_customers.csv")), "frequency",
                                "recency", "T");
  FitOptions warm;
  warm.initial_params = {0.24, 4.4, 0.79, 2.4};
  Result<BetaGeoFit> fit = FitBetaGeo(BetaGeoVariant::kBgNbd, data, warm);
  ASSERT_TRUE(fit.ok() && fit->mle.report.converged);
  EXPECT_EQ(fit->mle.report.starts_tried, 1);
  EXPECT_NEAR(fit->model.beta_geo_params().alpha, 4.414, 0.0005);
  FitOptions penalised;
  penalised.l2_penalty = 0.1;
  Result<BetaGeoFit> pen = FitBetaGeo(BetaGeoVariant::kBgNbd, data, penalised);
  ASSERT_TRUE(pen.ok() && pen->mle.report.converged);
  // The penalty shrinks the parameters, so the likelihood is lower than at the MLE.
  EXPECT_LT(pen->mle.report.log_likelihood, fit->mle.report.log_likelihood);
  FitOptions wrong;
  wrong.initial_params = {1, 2};
  EXPECT_FALSE(FitBetaGeo(BetaGeoVariant::kBgNbd, data, wrong).ok());
}

}  // namespace
}  // namespace clv::engine
