// The per-customer arithmetic of a score that the calculation (service/calculation.cc, every
// customer of a fit at once) and rescoring (ScoreWithSpec in service/scoring.cc, the customers
// of new orders) share. One definition, so that a rescored customer gets the very numbers the
// calculation gave it. Internal to service/.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/models/gamma_gamma.h"
#include "engine/optim/mle.h"

namespace clv::service::internal {

// Φ⁻¹(0.9): the half-width of a central 80% normal interval.
inline constexpr double kZ80 = 1.2815515655446004;
// Forward-difference step on log-parameters for the CLV gradient. CLV is smooth in the
// parameters and computed to ~1e-15 relative, so 1e-5 leaves ~1e-5 relative error in the
// gradient — far below what an interval needs.
inline constexpr double kLogStep = 1e-5;

// Covariance of log-parameters from the natural-scale covariance (delta method:
// cov(log p_i, log p_j) = cov(p_i, p_j) / (p_i p_j)), row-major. Empty when not available (no
// covariance, or a non-finite entry).
std::vector<double> LogCovariance(const engine::MleResult& mle);

// g' Σ g for a k-vector g and row-major k×k Σ.
double Quadratic(const double* g, const std::vector<double>& cov, std::size_t k);

// A customer's expected spend per order and its gradient w.r.t. (log p, log q, log γ).
struct SpendEstimate {
  double spend = 0;
  std::array<double, 3> log_gradient = {0, 0, 0};
};
// Gamma-Gamma's E[spend | x, m] when `gg` is not null; otherwise the customer's own mean order
// value, revenue / orders (gradient 0).
SpendEstimate ExpectedSpend(const engine::GammaGammaParams* gg, double x, double m,
                            std::int64_t revenue_minor, std::int64_t orders);

// The 80% interval of clv = spend · d, log-normal around clv: Var(spend · D) ≈ spend² Var(D) +
// D² Var(spend), the fits being independent; Var(D) from `d_log_gradient` (k = purchase_cov's
// order) and Var(spend) from `spend_cov` (3×3), left out when null. Without an interval
// (`has_interval` false) the bounds are NaN; a CLV of 0 or less has bounds 0.
struct ClvBounds {
  double lower = 0;
  double upper = 0;
};
ClvBounds ClvInterval80(bool has_interval, double clv, double d, const double* d_log_gradient,
                        const std::vector<double>& purchase_cov, std::size_t k,
                        const SpendEstimate& spend, const std::vector<double>* spend_cov);

// The first day on which a customer's expected purchases reach 1, by linear interpolation of
// E[purchases](t) through (0, 0), (30, e[0]), (90, e[1]), (365, e[2]) days after `as_of_day`;
// -1 when they do not within 365 days.
std::int64_t ExpectedNextOrderDay(std::int64_t as_of_day, const std::array<double, 4>& e);

}  // namespace clv::service::internal
