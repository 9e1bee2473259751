#include "engine/optim/mle.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace clv::engine {
namespace {

// Exponential waiting times with rate lambda: NLL = -sum(log lambda - lambda * t).
// The MLE is 1 / mean(t), its standard error lambda / sqrt(n): textbook values to test against.
MleProblem ExponentialProblem(const std::vector<double>& t) {
  MleProblem p;
  p.names = {"lambda"};
  p.num_observations = static_cast<double>(t.size());
  p.require_nonpositive_log_likelihood = false;
  p.objective = [t](std::span<const double> theta, std::span<double> grad) {
    const double lambda = std::exp(theta[0]);
    double nll = 0, dnll = 0;
    for (double ti : t) {
      nll -= std::log(lambda) - lambda * ti;
      dnll -= 1 - lambda * ti;  // d/dtheta, since dlambda/dtheta = lambda
    }
    if (!grad.empty()) grad[0] = dnll;
    return nll;
  };
  p.starts = {{1.0}};
  return p;
}

TEST(MleTest, RecoversTextbookEstimateAndStandardError) {
  std::vector<double> t = {0.5, 1.5, 2.0, 0.25, 0.75, 3.0, 1.0, 1.0};
  double mean = 0;
  for (double v : t) mean += v / t.size();
  MleResult r = MaximizeLikelihood(ExponentialProblem(t), FitOptions{});
  ASSERT_TRUE(r.report.converged) << r.report.message;
  EXPECT_NEAR(r.params[0], 1 / mean, 1e-7);
  EXPECT_NEAR(r.standard_errors[0], (1 / mean) / std::sqrt(t.size()), 1e-5);
  EXPECT_LT(r.ci_lower[0], r.params[0]);
  EXPECT_GT(r.ci_upper[0], r.params[0]);
  EXPECT_LT(r.report.gradient_norm, 1e-5);
}

TEST(MleTest, DivergingParameterIsReportedNotReturnedAsSuccess) {
  // Every t = 0: the likelihood grows without bound as lambda -> infinity.
  MleResult r = MaximizeLikelihood(ExponentialProblem({0, 0, 0}), FitOptions{});
  EXPECT_FALSE(r.report.converged);
  EXPECT_NE(r.report.message.find("diverged"), std::string::npos) << r.report.message;
}

TEST(MleTest, FlatDirectionIsNotConverged) {
  // Exponential waiting times with a second parameter mu that does not enter the likelihood:
  // the gradient vanishes along the whole line, so L-BFGS stops with a zero gradient, but the
  // Hessian is singular and the data say nothing about mu.
  const std::vector<double> t = {0.5, 1.5, 2.0, 0.25};
  MleProblem p;
  p.names = {"lambda", "mu"};
  p.num_observations = static_cast<double>(t.size());
  p.require_nonpositive_log_likelihood = false;
  p.objective = [t](std::span<const double> theta, std::span<double> grad) {
    const double lambda = std::exp(theta[0]);
    double nll = 0, dnll = 0;
    for (double ti : t) {
      nll -= std::log(lambda) - lambda * ti;
      dnll -= 1 - lambda * ti;
    }
    if (!grad.empty()) {
      grad[0] = dnll;
      grad[1] = 0;
    }
    return nll;
  };
  p.starts = {{1.0, 1.0}, {2.0, 0.5}};
  MleResult r = MaximizeLikelihood(p, FitOptions{});
  EXPECT_FALSE(r.report.converged);
  EXPECT_NE(r.report.message.find("do not identify every parameter"), std::string::npos)
      << r.report.message;
  EXPECT_TRUE(std::isnan(r.standard_errors[1]));
  // The identified parameter is still where the data put it: 1 / mean(t).
  EXPECT_NEAR(r.params[0], 4 / 4.25, 1e-7);
}

TEST(MleTest, WarmStartIsTriedFirst) {
  FitOptions options;
  options.initial_params = {0.8};
  MleResult r = MaximizeLikelihood(ExponentialProblem({1.0, 1.5}), options);
  ASSERT_TRUE(r.report.converged);
  EXPECT_EQ(r.report.starts_tried, 1);
  EXPECT_NEAR(r.params[0], 0.8, 1e-7);
}

TEST(MleTest, PositiveLogLikelihoodOfAProbabilityModelIsRejected) {
  MleProblem p = ExponentialProblem({0.01, 0.02});  // density > 1, so the LL is positive
  p.require_nonpositive_log_likelihood = true;
  MleResult r = MaximizeLikelihood(p, FitOptions{});
  EXPECT_FALSE(r.report.converged);
  EXPECT_NE(r.report.message.find("positive"), std::string::npos);
}

}  // namespace
}  // namespace clv::engine
