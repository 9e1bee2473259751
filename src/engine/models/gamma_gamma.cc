#include "engine/models/gamma_gamma.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "engine/parallel.h"
#include "engine/special/special.h"

namespace clv::engine {
namespace {

using special::Digamma;
using special::LogGamma;

// Rows of the fit, with everything that does not depend on the parameters precomputed.
// ℓ_i = lgΓ(px+q) − lgΓ(px) − lgΓ(q) + q log γ + (px − 1) log m + px log x − (px+q) log(xm + γ).
// The terms linear in p (Σ w x log m, Σ w x log x, Σ w log m) are summed once; the
// log-gamma terms depend on x only and are computed once per distinct x; per row remains one
// log and one division.
struct GgTables {
  std::vector<double> x, xm, w;  // per row: x, x·m (scaled money), weight
  std::vector<double> xs, wx;    // distinct x, total weight per x
  double sum_wxlogm = 0, sum_wlogm = 0, sum_wxlogx = 0, total_weight = 0;
};

double GgNegLogLikelihood(const GgTables& tb, std::span<const double> theta,
                          std::span<double> grad) {
  const double p = std::exp(theta[0]), q = std::exp(theta[1]), g = std::exp(theta[2]);
  const bool want = !grad.empty();
  double ll = p * (tb.sum_wxlogm + tb.sum_wxlogx) - tb.sum_wlogm;
  double dp = tb.sum_wxlogm + tb.sum_wxlogx, dq = 0, dg = 0;
  const double lg_q = LogGamma(q), log_g = std::log(g);
  const double dg_q = want ? Digamma(q) : 0;
  for (std::size_t k = 0; k < tb.xs.size(); ++k) {
    const double x = tb.xs[k], w = tb.wx[k];
    ll += w * (LogGamma(p * x + q) - LogGamma(p * x) - lg_q + q * log_g);
    if (want) {
      const double d = Digamma(p * x + q);
      dp += w * x * (d - Digamma(p * x));
      dq += w * (d - dg_q + log_g);
      dg += w * q / g;
    }
  }
  double acc[4];
  DeterministicSum(tb.x.size(), 4, acc, [&](std::size_t i, double* out) {
    const double u = tb.xm[i] + g;
    const double l = std::log(u);
    const double pxq = p * tb.x[i] + q;
    out[0] -= tb.w[i] * pxq * l;
    out[1] -= tb.w[i] * tb.x[i] * l;  // d/dp
    out[2] -= tb.w[i] * l;            // d/dq
    out[3] -= tb.w[i] * pxq / u;      // d/dγ
  });
  ll += acc[0];
  if (want) {
    dp += acc[1];
    dq += acc[2];
    dg += acc[3];
    grad[0] = -dp * p;
    grad[1] = -dq * q;
    grad[2] = -dg * g;
  }
  return -ll;
}

}  // namespace

Status ValidateGammaGammaParams(const GammaGammaParams& params) {
  for (double v : {params.p, params.q, params.gamma}) {
    if (!(v > 0) || !std::isfinite(v)) {
      return InvalidArgument("Gamma-Gamma parameters p, q, gamma must be positive and finite");
    }
  }
  return Status::Ok();
}

double GammaGammaLogLikelihood(const GammaGammaParams& pr, double x, double m) {
  const double px = pr.p * x;
  return LogGamma(px + pr.q) - LogGamma(px) - LogGamma(pr.q) + pr.q * std::log(pr.gamma) +
         (px - 1) * std::log(m) + px * std::log(x) - (px + pr.q) * std::log(x * m + pr.gamma);
}

double GammaGammaExpectedSpend(const GammaGammaParams& pr, double x, double m) {
  const double denominator = pr.p * x + pr.q - 1;
  if (!(denominator > 0)) return std::numeric_limits<double>::infinity();
  return pr.p * (pr.gamma + x * m) / denominator;
}

Result<GammaGammaFit> FitGammaGamma(const RfmData& data, const FitOptions& options) {
  CLV_RETURN_IF_ERROR(ValidateRfm(data));
  if (data.monetary.size() != data.size()) {
    return InvalidArgument("the Gamma-Gamma model needs monetary values");
  }
  if (!options.initial_params.empty()) {
    if (options.initial_params.size() != 3) {
      return InvalidArgument("initial_params must hold p, q, gamma");
    }
    CLV_RETURN_IF_ERROR(ValidateGammaGammaParams(
        {options.initial_params[0], options.initial_params[1], options.initial_params[2]}));
  }
  // Money scale: the weighted mean of m over the repeat customers.
  double sw = 0, swm = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data.frequency[i] <= 0) continue;
    if (!(data.monetary[i] > 0)) {
      return InvalidArgument("row " + std::to_string(i) +
                             ": monetary value must be positive when frequency > 0");
    }
    sw += data.WeightOf(i);
    swm += data.WeightOf(i) * data.monetary[i];
  }
  if (sw == 0) return InvalidArgument("no customer with repeat purchases to fit spend on");
  const double scale = swm / sw;

  auto tb = std::make_shared<GgTables>();
  double sx = 0, sm = 0, sxx = 0, smm = 0, sxm = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const double x = data.frequency[i];
    if (x <= 0) continue;
    const double w = data.WeightOf(i), m = data.monetary[i] / scale;
    tb->x.push_back(x);
    tb->xm.push_back(x * m);
    tb->w.push_back(w);
    const double logm = std::log(m);
    tb->sum_wxlogm += w * x * logm;
    tb->sum_wlogm += w * logm;
    tb->sum_wxlogx += w * x * std::log(x);
    tb->total_weight += w;
    sx += w * x;
    sm += w * data.monetary[i];
    sxx += w * x * x;
    smm += w * data.monetary[i] * data.monetary[i];
    sxm += w * x * data.monetary[i];
  }
  {
    std::vector<double> sorted = tb->x;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    tb->xs = sorted;
    tb->wx.assign(sorted.size(), 0.0);
    for (std::size_t i = 0; i < tb->x.size(); ++i) {
      const auto k = std::lower_bound(sorted.begin(), sorted.end(), tb->x[i]) - sorted.begin();
      tb->wx[static_cast<std::size_t>(k)] += tb->w[i];
    }
  }

  MleProblem problem;
  problem.names = {"p", "q", "gamma"};
  problem.objective = [tb](std::span<const double> theta, std::span<double> grad) {
    return GgNegLogLikelihood(*tb, theta, grad);
  };
  problem.starts = {{1, 1, 1}, {5, 3, 3}, {0.5, 5, 0.5}, {10, 10, 10}};
  problem.num_observations = tb->total_weight;
  // The density of m scales with money: ll(money) = ll(scaled) − Σ w log(scale).
  problem.log_likelihood_offset = -tb->total_weight * std::log(scale);
  problem.require_nonpositive_log_likelihood = false;  // a density

  FitOptions scaled = options;
  if (!scaled.initial_params.empty()) scaled.initial_params[2] /= scale;
  GammaGammaFit fit;
  fit.mle = MaximizeLikelihood(problem, scaled);
  MleResult& mle = fit.mle;
  mle.params[2] *= scale;
  mle.standard_errors[2] *= scale;
  mle.ci_lower[2] *= scale;
  mle.ci_upper[2] *= scale;
  for (std::size_t j = 0; j < 3; ++j) {
    mle.covariance[2 * 3 + j] *= scale;
    mle.covariance[j * 3 + 2] *= scale;
  }
  fit.params = {mle.params[0], mle.params[1], mle.params[2]};
  fit.customers_used = tb->total_weight;
  const double n = tb->total_weight;
  const double cov = sxm / n - (sx / n) * (sm / n);
  const double vx = sxx / n - (sx / n) * (sx / n), vm = smm / n - (sm / n) * (sm / n);
  fit.frequency_monetary_correlation =
      (vx > 0 && vm > 0) ? cov / std::sqrt(vx * vm) : std::numeric_limits<double>::quiet_NaN();
  return fit;
}

}  // namespace clv::engine
