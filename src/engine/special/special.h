// Small special-function helpers shared by the engine's models. Pure, thread-safe, no I/O.
//
// Why not std::lgamma: glibc's lgamma writes the global `signgam`, a data race when fits run on
// several threads; lgamma_r does not. Boost.Math is used with a policy that returns NaN instead
// of throwing, so nothing here throws.
#pragma once

#include <cmath>
#include <limits>

namespace clv::engine {

// The quiet NaN a failed evaluation returns, and +infinity.
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace clv::engine

namespace clv::engine::special {

// log Γ(x) for x > 0 (NaN for x <= 0 is not guaranteed; callers pass positive arguments).
double LogGamma(double x);

// ψ(x) = d/dx log Γ(x), x > 0.
double Digamma(double x);

// log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b), a, b > 0.
double LogBeta(double a, double b);

// log(exp(a) + exp(b)) without overflow or underflow; -inf when both are -inf.
inline double LogAddExp(double a, double b) {
  if (a < b) std::swap(a, b);
  if (a == -std::numeric_limits<double>::infinity()) return a;
  return a + std::log1p(std::exp(b - a));
}

// 1 / (1 + exp(-z)), stable for large |z|.
inline double Sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// expm1(y) / y, equal to 1 at y = 0 (accurate for every y because expm1 is).
inline double Expm1OverX(double y) { return y == 0 ? 1.0 : std::expm1(y) / y; }

// log P(N = k) for N ~ NegBin with shape `shape` and success odds given as the mean-scaled
// gamma-Poisson mixture: λ ~ Gamma(shape, rate), N | λ ~ Poisson(λ t). That is
// Γ(shape+k)/(Γ(shape) k!) (rate/(rate+t))^shape (t/(rate+t))^k.
double LogGammaPoissonPmf(int k, double shape, double rate, double t);

}  // namespace clv::engine::special
