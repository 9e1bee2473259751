#include "engine/optim/mle.h"

#include <nlopt.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/check.h"

namespace clv::engine {
namespace {

const double kLogMin = std::log(kMinParameter);
const double kLogMax = std::log(kMaxParameter);

// The function NLopt minimises: mean NLL plus the L2 penalty, over theta.
struct MeanObjective {
  const MleProblem* problem;
  const FitOptions* options;
  double weight;
  int evaluations = 0;

  double operator()(std::span<const double> theta, std::span<double> grad) {
    ++evaluations;
    const double total = problem->objective(theta, grad);
    if (!std::isfinite(total)) {
      std::fill(grad.begin(), grad.end(), 0.0);
      return std::numeric_limits<double>::infinity();
    }
    double value = total / weight;
    for (double& g : grad) g /= weight;
    if (options->l2_penalty > 0) {
      for (std::size_t i = 0; i < theta.size(); ++i) {
        const double p2 = std::exp(2 * theta[i]);
        value += options->l2_penalty * p2;
        if (!grad.empty()) grad[i] += 2 * options->l2_penalty * p2;
      }
    }
    return value;
  }

  static double Trampoline(const std::vector<double>& x, std::vector<double>& grad, void* self) {
    return (*static_cast<MeanObjective*>(self))(x, grad);
  }
};

struct Attempt {
  std::vector<double> theta;
  double value = std::numeric_limits<double>::infinity();
  double gradient_max = std::numeric_limits<double>::infinity();
  std::string failure;  // empty when every check passed
  std::string method;
};

void RunOptimizer(nlopt::algorithm algorithm, MeanObjective& f, std::vector<double>& theta,
                  int max_evaluations) {
  nlopt::opt opt(algorithm, static_cast<unsigned>(theta.size()));
  opt.set_min_objective(&MeanObjective::Trampoline, &f);
  opt.set_lower_bounds(kLogMin);
  opt.set_upper_bounds(kLogMax);
  opt.set_ftol_rel(1e-15);
  opt.set_xtol_rel(1e-12);
  opt.set_maxeval(max_evaluations);
  if (algorithm == nlopt::LD_LBFGS) opt.set_vector_storage(10);
  if (algorithm == nlopt::LN_SBPLX) opt.set_initial_step(0.5);
  double value = 0;
  try {
    opt.optimize(theta, value);
  } catch (const std::exception&) {
    // roundoff_limited, a failed line search or an infeasible evaluation: theta holds the best
    // point NLopt found, and the checks below decide whether it is good enough.
  }
}

// Evaluates and checks theta; fills value, gradient_max and failure.
void Check(const MleProblem& problem, const FitOptions& options, MeanObjective& f,
           Attempt& a) {
  std::vector<double> grad(a.theta.size());
  a.value = f(a.theta, grad);
  a.gradient_max = 0;
  for (double g : grad) a.gradient_max = std::max(a.gradient_max, std::fabs(g));
  a.failure.clear();
  if (!std::isfinite(a.value) || !std::isfinite(a.gradient_max)) {
    a.failure = "the likelihood is not finite at the optimum";
    return;
  }
  const double ll = -problem.objective(a.theta, {}) + problem.log_likelihood_offset;
  if (problem.require_nonpositive_log_likelihood && ll > 0) {
    a.failure = "the log-likelihood is positive (" + std::to_string(ll) + "), which is impossible";
    return;
  }
  for (std::size_t i = 0; i < a.theta.size(); ++i) {
    // The optimiser is bounded to [kLogMin, kLogMax]; a parameter at a bound is a divergence.
    if (a.theta[i] <= kLogMin + 1e-6 || a.theta[i] >= kLogMax - 1e-6) {
      a.failure = "parameter " + problem.names[i] + " diverged to " +
                  std::to_string(std::exp(a.theta[i]));
      return;
    }
  }
  if (a.gradient_max > options.gradient_tolerance) {
    a.failure = "the gradient did not vanish (max |g| = " + std::to_string(a.gradient_max) + ")";
  }
}

Attempt FitFrom(const MleProblem& problem, const FitOptions& options, MeanObjective& f,
                const std::vector<double>& start) {
  Attempt a;
  a.theta.resize(start.size());
  for (std::size_t i = 0; i < start.size(); ++i) {
    a.theta[i] = std::clamp(std::log(std::max(start[i], kMinParameter)), kLogMin, kLogMax);
  }
  RunOptimizer(nlopt::LD_LBFGS, f, a.theta, options.max_evaluations);
  a.method = "L-BFGS";
  Check(problem, options, f, a);
  if (a.failure.empty()) return a;
  // Fallback: a derivative-free simplex walk gets out of regions where the gradient misleads
  // (flat ridges, a failed line search near a wall), then L-BFGS polishes.
  Attempt polished = a;
  RunOptimizer(nlopt::LN_SBPLX, f, polished.theta, options.max_evaluations);
  RunOptimizer(nlopt::LD_LBFGS, f, polished.theta, options.max_evaluations);
  polished.method = "L-BFGS after Sbplx";
  Check(problem, options, f, polished);
  if (polished.failure.empty() || polished.value < a.value) return polished;
  return a;
}

bool CholeskyInverse(std::vector<double> m, std::size_t n, std::vector<double>& inverse) {
  // In-place Cholesky m = L L^T, then inverse = L^-T L^-1. n is at most 4 here.
  std::vector<double> l(n * n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    double d = m[j * n + j];
    for (std::size_t k = 0; k < j; ++k) d -= l[j * n + k] * l[j * n + k];
    if (!(d > 0) || !std::isfinite(d)) return false;
    l[j * n + j] = std::sqrt(d);
    for (std::size_t i = j + 1; i < n; ++i) {
      double s = m[i * n + j];
      for (std::size_t k = 0; k < j; ++k) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / l[j * n + j];
    }
  }
  std::vector<double> linv(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    linv[i * n + i] = 1.0 / l[i * n + i];
    for (std::size_t j = 0; j < i; ++j) {
      double s = 0;
      for (std::size_t k = j; k < i; ++k) s -= l[i * n + k] * linv[k * n + j];
      linv[i * n + j] = s / l[i * n + i];
    }
  }
  inverse.assign(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double s = 0;
      for (std::size_t k = std::max(i, j); k < n; ++k) s += linv[k * n + i] * linv[k * n + j];
      inverse[i * n + j] = s;
    }
  return true;
}

}  // namespace

std::vector<double> LogParamCovariance(const NegLogLikelihood& objective,
                                       std::span<const double> params) {
  const std::size_t n = params.size();
  std::vector<double> theta(n), hessian(n * n), gp(n), gm(n);
  for (std::size_t i = 0; i < n; ++i) theta[i] = std::log(params[i]);
  for (std::size_t i = 0; i < n; ++i) {
    const double h = 1e-5 * std::max(1.0, std::fabs(theta[i]));
    std::vector<double> tp = theta, tm = theta;
    tp[i] += h;
    tm[i] -= h;
    objective(tp, gp);
    objective(tm, gm);
    for (std::size_t j = 0; j < n; ++j) hessian[i * n + j] = (gp[j] - gm[j]) / (2 * h);
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) {
      const double s = 0.5 * (hessian[i * n + j] + hessian[j * n + i]);
      hessian[i * n + j] = hessian[j * n + i] = s;
    }
  std::vector<double> covariance;
  if (!CholeskyInverse(hessian, n, covariance)) covariance.clear();
  return covariance;
}

MleResult MaximizeLikelihood(const MleProblem& problem, const FitOptions& options) {
  const std::size_t n = problem.names.size();
  CLV_CHECK(n > 0 && problem.objective);
  CLV_CHECK(problem.num_observations > 0);
  MeanObjective f{&problem, &options, problem.num_observations};

  std::vector<std::vector<double>> starts;
  if (!options.initial_params.empty()) {
    CLV_CHECK(options.initial_params.size() == n);
    starts.push_back(options.initial_params);
  }
  for (const auto& s : problem.starts) {
    CLV_CHECK(s.size() == n);
    starts.push_back(s);
  }
  CLV_CHECK(!starts.empty());

  MleResult result;
  Attempt best;
  int tried = 0;
  for (const auto& start : starts) {
    ++tried;
    Attempt a = FitFrom(problem, options, f, start);
    const bool better = (a.failure.empty() && !best.failure.empty()) ||
                        (a.failure.empty() == best.failure.empty() && a.value < best.value) ||
                        best.theta.empty();
    if (better) best = std::move(a);
    if (best.failure.empty()) break;
  }

  FitReport& r = result.report;
  r.converged = best.failure.empty();
  r.message = r.converged ? "converged (" + best.method + ")" : best.failure;
  r.iterations = f.evaluations;
  r.starts_tried = tried;
  r.num_observations = problem.num_observations;
  r.gradient_norm = best.gradient_max;
  const double nll = problem.objective(best.theta, {});
  r.log_likelihood = -nll + problem.log_likelihood_offset;
  const double k = static_cast<double>(n);
  r.aic = 2 * k - 2 * r.log_likelihood;
  r.bic = k * std::log(problem.num_observations) - 2 * r.log_likelihood;

  result.params.resize(n);
  for (std::size_t i = 0; i < n; ++i) result.params[i] = std::exp(best.theta[i]);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  result.standard_errors.assign(n, nan);
  result.ci_lower.assign(n, nan);
  result.ci_upper.assign(n, nan);
  result.covariance.assign(n * n, nan);
  if (std::isfinite(nll)) {
    const std::vector<double> cov = LogParamCovariance(problem.objective, result.params);
    if (!cov.empty()) {
      constexpr double kZ95 = 1.959963984540054;
      for (std::size_t i = 0; i < n; ++i) {
        const double se_theta = std::sqrt(cov[i * n + i]);
        result.standard_errors[i] = result.params[i] * se_theta;
        result.ci_lower[i] = std::exp(best.theta[i] - kZ95 * se_theta);
        result.ci_upper[i] = std::exp(best.theta[i] + kZ95 * se_theta);
        for (std::size_t j = 0; j < n; ++j)
          result.covariance[i * n + j] = result.params[i] * result.params[j] * cov[i * n + j];
      }
    } else if (r.converged) {
      // A vanishing gradient on a flat ridge (e.g. nobody ever buys again, so BG/NBD's a and b
      // do not enter the likelihood) is not an estimate: the optimiser stopped somewhere on the
      // ridge and the reported numbers would be arbitrary. Only a strict maximum counts.
      r.converged = false;
      r.message =
          "the data do not identify every parameter: the Hessian of the log-likelihood is not "
          "positive definite at the optimum (the likelihood is flat in some direction)";
    }
  }
  return result;
}

}  // namespace clv::engine
