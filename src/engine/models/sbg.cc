#include "engine/models/sbg.h"

#include <cmath>
#include <memory>
#include <string>

#include "engine/special/special.h"

namespace clv::engine {
namespace {

bool ValidParams(const SbgParams& p) {
  return p.alpha > 0 && p.beta > 0 && std::isfinite(p.alpha) && std::isfinite(p.beta);
}
bool Whole(double v) { return std::isfinite(v) && v >= 0 && v == std::floor(v); }

// 2F1(1, b; c; z) for 0 <= z < 1 and 0 < b < c: Σ_k (b)_k/(c)_k z^k. Every term is positive and
// the term ratio (b+k)/(c+k)·z is below z, so the tail after a term is at most term·z/(1−z).
double Hyp2F1OneBC(double b, double c, double z) {
  double term = 1, sum = 1;
  for (long k = 0; k < 100000000; ++k) {
    term *= (b + k) / (c + k) * z;
    sum += term;
    if (term * z < 1e-17 * sum * (1 - z)) break;
  }
  return sum;
}

// d/dα and d/dβ of log B(α + da, β + db) − log B(α, β).
void LogBetaRatioGrad(double a, double b, double da, double db, double* ga, double* gb) {
  const double common = special::Digamma(a + b) - special::Digamma(a + b + da + db);
  *ga = special::Digamma(a + da) - special::Digamma(a) + common;
  *gb = special::Digamma(b + db) - special::Digamma(b) + common;
}

double Objective(std::span<const double> alive, std::span<const double> theta,
                 std::span<double> grad) {
  const double a = std::exp(theta[0]), b = std::exp(theta[1]);
  if (!std::isfinite(a) || !std::isfinite(b) || !(a > 0) || !(b > 0)) return kNaN;
  const double lb0 = special::LogBeta(a, b);
  double nll = 0, ga = 0, gb = 0;
  const std::size_t N = alive.size() - 1;
  for (std::size_t t = 1; t <= N; ++t) {
    const double churned = alive[t - 1] - alive[t];
    if (churned == 0) continue;
    nll -= churned * (special::LogBeta(a + 1, b + t - 1) - lb0);
    if (!grad.empty()) {
      double da, db;
      LogBetaRatioGrad(a, b, 1, t - 1, &da, &db);
      ga -= churned * da;
      gb -= churned * db;
    }
  }
  if (alive[N] > 0) {
    nll -= alive[N] * (special::LogBeta(a, b + N) - lb0);
    if (!grad.empty()) {
      double da, db;
      LogBetaRatioGrad(a, b, 0, N, &da, &db);
      ga -= alive[N] * da;
      gb -= alive[N] * db;
    }
  }
  if (!grad.empty()) {
    grad[0] = ga * a;
    grad[1] = gb * b;
  }
  return nll;
}

}  // namespace

Status ValidateSbgParams(const SbgParams& p) {
  if (!ValidParams(p)) return InvalidArgument("sBG parameters alpha, beta must be finite and > 0");
  return Status::Ok();
}

Status ValidateSurvivalCounts(std::span<const double> alive) {
  if (alive.size() < 2)
    return InvalidArgument("need customers alive at the start of at least periods 0 and 1");
  if (!(alive[0] > 0) || !std::isfinite(alive[0]))
    return InvalidArgument("the cohort size (period 0) must be positive");
  for (std::size_t t = 1; t < alive.size(); ++t) {
    if (!std::isfinite(alive[t]) || alive[t] < 0 || alive[t] > alive[t - 1])
      return InvalidArgument("period " + std::to_string(t) +
                             ": survivors must be finite, >= 0 and never increase");
  }
  return Status::Ok();
}

double SbgSurvival(const SbgParams& p, double t) {
  if (!ValidParams(p) || !Whole(t)) return kNaN;
  return std::exp(special::LogBeta(p.alpha, p.beta + t) - special::LogBeta(p.alpha, p.beta));
}

double SbgRetention(const SbgParams& p, double t) {
  if (!ValidParams(p) || !Whole(t) || t < 1) return kNaN;
  return (p.beta + t - 1) / (p.alpha + p.beta + t - 1);
}

double SbgChurnProbability(const SbgParams& p, double t) {
  if (!ValidParams(p) || !Whole(t) || t < 1) return kNaN;
  return std::exp(special::LogBeta(p.alpha + 1, p.beta + t - 1) -
                  special::LogBeta(p.alpha, p.beta));
}

Result<double> SbgLogLikelihood(const SbgParams& p, std::span<const double> alive) {
  CLV_RETURN_IF_ERROR(ValidateSbgParams(p));
  CLV_RETURN_IF_ERROR(ValidateSurvivalCounts(alive));
  const double theta[2] = {std::log(p.alpha), std::log(p.beta)};
  return -Objective(alive, theta, {});
}

Result<MleResult> FitSbg(std::span<const double> alive, const FitOptions& options) {
  CLV_RETURN_IF_ERROR(ValidateSurvivalCounts(alive));
  if (!options.initial_params.empty() && options.initial_params.size() != 2)
    return InvalidArgument("an sBG warm start needs 2 parameters (alpha, beta)");
  auto counts = std::make_shared<std::vector<double>>(alive.begin(), alive.end());
  MleProblem problem;
  problem.names = {"alpha", "beta"};
  problem.objective = [counts](std::span<const double> theta, std::span<double> grad) {
    return Objective(*counts, theta, grad);
  };
  problem.starts = {{1, 1}, {0.5, 2}, {2, 0.5}, {0.1, 0.1}};
  problem.num_observations = alive[0];
  problem.require_nonpositive_log_likelihood = true;
  return MaximizeLikelihood(problem, options);
}

std::vector<double> SbgProjectSurvivors(const SbgParams& p, double cohort_size, int horizon) {
  if (!ValidParams(p) || !(cohort_size >= 0) || !std::isfinite(cohort_size) || horizon < 0)
    return {};
  std::vector<double> out(static_cast<std::size_t>(horizon) + 1);
  double s = 1;
  out[0] = cohort_size;
  for (int t = 1; t <= horizon; ++t) {
    s *= SbgRetention(p, t);  // S(t) = Π r(i): the recursion avoids one LogBeta per period
    out[t] = cohort_size * s;
  }
  return out;
}

double SbgDiscountedExpectedLifetime(const SbgParams& p, double discount_rate) {
  if (!ValidParams(p) || !(discount_rate > 0) || !std::isfinite(discount_rate)) return kNaN;
  return Hyp2F1OneBC(p.beta, p.alpha + p.beta, 1 / (1 + discount_rate));
}

double SbgDiscountedExpectedResidualLifetime(const SbgParams& p, double discount_rate,
                                             double renewals) {
  if (!ValidParams(p) || !(discount_rate > 0) || !std::isfinite(discount_rate) ||
      !Whole(renewals))
    return kNaN;
  const double b = p.beta + renewals, c = p.alpha + p.beta + renewals;
  return b / c * Hyp2F1OneBC(b + 1, c + 1, 1 / (1 + discount_rate));
}

}  // namespace clv::engine
