// Maximum-likelihood fitting shared by every model in engine/models/.
//
// A model describes its negative log-likelihood over unconstrained parameters
// theta = log(params) (all our model parameters are positive) with an analytic gradient, and a
// list of starting points. MaximizeLikelihood minimises the *mean* negative log-likelihood
// (total / total weight, which keeps the scale O(1) whatever the number of customers) plus an
// optional L2 penalty, with NLopt's L-BFGS, and then checks the answer instead of trusting the
// optimiser's return code:
//   - the log-likelihood is finite and not positive (for the discrete-data models a
//     log-likelihood is a log-probability; for continuous-time ones a positive value is
//     possible only on absurd time scales, which the models rule out by rescaling time);
//   - the largest gradient component (on the mean scale, w.r.t. log-parameters) is small;
//   - every parameter lies within [kMinParameter, kMaxParameter].
// A start that fails a check is polished with a derivative-free method and L-BFGS again; if it
// still fails the next start is tried. The best valid answer wins; when there is none the result
// says converged = false with the reason, and the parameters of the best attempt. Nothing here
// throws or prints.
//
// Determinism: NLopt's L-BFGS is deterministic, so identical objectives give bit-identical
// answers. Objectives must therefore sum in an order that does not depend on the thread count
// (engine/parallel.h).
//
// A stationary point whose Hessian is not positive definite (the likelihood is flat in some
// direction, so the data do not identify every parameter) is reported as converged = false.
//
// Standard errors come from the inverse of the Hessian of the total negative log-likelihood,
// which is obtained by central differences of the analytic gradient, w.r.t. theta; the
// delta method gives se(param) = param * se(theta). Confidence intervals are exp(theta ± z se),
// so they never include impossible negative values.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

namespace clv::engine {

inline constexpr double kMinParameter = 1e-9;
inline constexpr double kMaxParameter = 1e9;

// Returns the total (weighted) negative log-likelihood at theta = log(params) and, when `grad`
// is not empty, writes d(total NLL)/d(theta_i) into it. Must be thread-safe to call serially
// from one thread (it may use parallelism inside). Returns +inf or NaN where undefined; the
// optimiser treats that as a wall.
using NegLogLikelihood = std::function<double(std::span<const double> theta, std::span<double> grad)>;

struct FitOptions {
  // lifetimes' penalizer_coef: adds l2_penalty * sum(params^2) to the mean NLL.
  double l2_penalty = 0.0;
  // Warm start on the natural scale (e.g. the previous fit's parameters); tried first.
  std::vector<double> initial_params;
  int max_evaluations = 5000;
  // Largest |d(mean NLL)/d(log param)| accepted as converged.
  double gradient_tolerance = 1e-5;
};

struct FitReport {
  bool converged = false;
  std::string message;         // why not converged, or which method finished
  int iterations = 0;          // objective evaluations over every attempt
  int starts_tried = 0;
  double log_likelihood = 0;   // total, at the returned parameters (without the penalty)
  double gradient_norm = 0;    // max |d(mean NLL)/d(log param)| at the returned parameters
  double aic = 0;
  double bic = 0;
  double num_observations = 0; // total weight (customers)
  // Measured by the caller (the engine has no clock): cli/ and service/ fill it in.
  double wall_time_ms = 0;
};

struct MleProblem {
  std::vector<std::string> names;        // parameter names, as the papers print them
  NegLogLikelihood objective;
  std::vector<std::vector<double>> starts;  // natural-scale starting points, tried in order
  double num_observations = 0;           // total weight, for the mean scale and BIC
  // Added to -objective to report the log-likelihood in the caller's units (a model that
  // rescales time for the optimiser puts the Jacobian term here).
  double log_likelihood_offset = 0;
  // Discrete-data likelihoods are probabilities, so a positive log-likelihood is impossible;
  // continuous-time ones are densities, and the check applies to the reported value.
  bool require_nonpositive_log_likelihood = true;
};

struct MleResult {
  std::vector<double> params;            // natural scale
  std::vector<double> standard_errors;   // NaN when the Hessian is not positive definite
  std::vector<double> ci_lower, ci_upper;  // 95%
  std::vector<double> covariance;        // natural scale, row-major n x n (NaN when singular)
  FitReport report;
};

MleResult MaximizeLikelihood(const MleProblem& problem, const FitOptions& options);

// Covariance of theta = log(params) from the Hessian of the total NLL at `params`
// (row-major n x n). Empty when the Hessian is not positive definite.
std::vector<double> LogParamCovariance(const NegLogLikelihood& objective,
                                       std::span<const double> params);

}  // namespace clv::engine
