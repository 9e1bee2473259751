#include "service/score_math.h"

#include <algorithm>
#include <cmath>

namespace clv::service::internal {

std::vector<double> LogCovariance(const engine::MleResult& mle) {
  const std::size_t k = mle.params.size();
  if (mle.covariance.size() != k * k) return {};
  std::vector<double> out(k * k);
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < k; ++j) {
      out[i * k + j] = mle.covariance[i * k + j] / (mle.params[i] * mle.params[j]);
      if (!std::isfinite(out[i * k + j])) return {};
    }
  }
  return out;
}

double Quadratic(const double* g, const std::vector<double>& cov, std::size_t k) {
  double s = 0;
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) s += g[i] * cov[i * k + j] * g[j];
  return s;
}

SpendEstimate ExpectedSpend(const engine::GammaGammaParams* gg, double x, double m,
                            std::int64_t revenue_minor, std::int64_t orders) {
  SpendEstimate out;
  if (gg == nullptr) {
    out.spend = static_cast<double>(revenue_minor) / static_cast<double>(orders);
    return out;
  }
  out.spend = engine::GammaGammaExpectedSpend(*gg, x, m);
  // spend = p (γ + x m) / (p x + q − 1), differentiated w.r.t. log p, log q, log γ.
  const double denom = gg->p * x + gg->q - 1;
  out.log_gradient = {out.spend * (1 - gg->p * x / denom), -out.spend * gg->q / denom,
                      out.spend * gg->gamma / (gg->gamma + x * m)};
  return out;
}

ClvBounds ClvInterval80(bool has_interval, double clv, double d, const double* d_log_gradient,
                        const std::vector<double>& purchase_cov, std::size_t k,
                        const SpendEstimate& spend, const std::vector<double>* spend_cov) {
  if (!has_interval) return {std::nan(""), std::nan("")};
  if (!(clv > 0)) return {0.0, 0.0};
  double var = spend.spend * spend.spend * Quadratic(d_log_gradient, purchase_cov, k);
  if (spend_cov != nullptr) var += d * d * Quadratic(spend.log_gradient.data(), *spend_cov, 3);
  const double rel = kZ80 * std::sqrt(std::max(var, 0.0)) / clv;
  return {clv * std::exp(-rel), clv * std::exp(rel)};
}

std::int64_t ExpectedNextOrderDay(std::int64_t as_of_day, const std::array<double, 4>& e) {
  const std::array<double, 4> t = {0, 30, 90, 365};
  const std::array<double, 4> v = {0, e[0], e[1], e[2]};
  for (std::size_t k = 1; k < 4; ++k) {
    if (v[k] >= 1) {
      const double f = (1 - v[k - 1]) / (v[k] - v[k - 1]);
      return as_of_day + static_cast<std::int64_t>(std::ceil(t[k - 1] + f * (t[k] - t[k - 1])));
    }
  }
  return -1;
}

}  // namespace clv::service::internal
