#include "engine/models/gamma_gamma.h"

#include <algorithm>
#include <bit>
#include <cstdint>
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

// The fit's tables. Per customer
//   ℓ_i = lgΓ(px+q) − lgΓ(px) − lgΓ(q) + q log γ + (px − 1) log m + px log x − (px+q) log(xm + γ).
// The log-gamma terms depend on x only (a few dozen distinct values); the terms linear in p
// need Σ w x log m, Σ w log m and Σ w x log x once. What remains couples every customer to γ:
//   (px + q) log(c + γ) with c = x m,  i.e.  p·S1(γ) + q·S0(γ),
//   S0 = Σ w log(c + γ),  S1 = Σ w x log(c + γ),  and for the gradient T0, T1 = dS0/dγ, dS1/dγ.
// These depend on γ alone, so instead of a log per customer per evaluation they are computed
// from power moments. Customers are binned by c into bins of relative width 1/16 (the top four
// mantissa bits of c, so no log is needed to bin); within a bin with centre c0 and
// d = c − c0, |d| <= c0/32, and
//   log(c + γ) = log(c0 + γ) + Σ_{k>=1} (−1)^(k+1) (d / (c0 + γ))^k / k,
// a series with ratio |d| / (c0 + γ) <= 1/32 for every γ >= 0. With the moments
// M_k = Σ_bin w d^k (and N_k = Σ_bin w x d^k) up to k = kOrder the truncation error is below
// (1/32)^(kOrder+1) / (kOrder+1) ≈ 2e-18 per customer, far under double rounding. An
// evaluation then costs one log per occupied bin (a few hundred) instead of one per customer.
// At γ = 0 the same expansion gives Σ w log c and Σ w x log c, so setting up needs no log either.
constexpr int kOrder = 10;
constexpr std::size_t kMoments = kOrder + 1;

struct GgTables {
  std::vector<double> xs, wx;    // distinct x, total weight per distinct x
  std::vector<double> c0;        // bin centres
  std::vector<double> moments;   // per bin: M_0..M_kOrder, then N_0..N_kOrder
  double sum_wxlogm = 0, sum_wlogm = 0, sum_wxlogx = 0, total_weight = 0;
};

// S0, S1, T0, T1 at γ (see above).
struct RowSums {
  double s0 = 0, s1 = 0, t0 = 0, t1 = 0;
};

RowSums SumOverCustomers(const GgTables& tb, double g) {
  RowSums r;
  for (std::size_t j = 0; j < tb.c0.size(); ++j) {
    const double* m = &tb.moments[j * 2 * kMoments];
    const double* nx = m + kMoments;
    const double u = tb.c0[j] + g, inv = 1.0 / u, log_u = std::log(u);
    // Σ_k (−1)^(k+1) M_k u^(−k) / k and its γ-derivative Σ_k (−1)^k M_k u^(−k−1).
    double f0 = 0, f1 = 0, d0 = 0, d1 = 0, pw = 1;
    for (std::size_t k = 1; k < kMoments; ++k) {
      pw *= -inv;  // (−1/u)^k
      const double kd = static_cast<double>(k);
      f0 -= m[k] * pw / kd;
      f1 -= nx[k] * pw / kd;
      d0 += m[k] * pw;
      d1 += nx[k] * pw;
    }
    r.s0 += m[0] * log_u + f0;
    r.s1 += nx[0] * log_u + f1;
    r.t0 += (m[0] + d0) * inv;
    r.t1 += (nx[0] + d1) * inv;
  }
  return r;
}

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
  const RowSums rs = SumOverCustomers(tb, g);
  ll -= p * rs.s1 + q * rs.s0;
  if (want) {
    dp -= rs.s1;
    dq -= rs.s0;
    dg -= p * rs.t1 + q * rs.t0;
    grad[0] = -dp * p;
    grad[1] = -dq * q;
    grad[2] = -dg * g;
  }
  return -ll;
}

// Builds the tables from the repeat customers, money divided by `scale`. Rows with x > 0 must
// have m > 0 (checked by the caller). One pass, in row order, so the sums are deterministic.
GgTables BuildGgTables(const RfmData& data, double scale) {
  GgTables tb;
  // Bin id = the top 16 bits of c's IEEE pattern (sign, exponent, 4 mantissa bits); c > 0.
  std::vector<std::int32_t> slot_of_bin(1u << 16, -1);
  std::vector<double> weight_of_x;  // indexed by x (a whole number, ValidateRfm) while small
  std::vector<std::pair<double, double>> large_x;  // (x, w) beyond that, rare
  constexpr double kMaxIndexedX = 1 << 20;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const double x = data.frequency[i];
    if (x <= 0) continue;
    const double w = data.WeightOf(i), c = x * (data.monetary[i] / scale);
    const std::uint64_t bits = std::bit_cast<std::uint64_t>(c);
    const auto bin = static_cast<std::size_t>(bits >> 48);
    std::int32_t& slot = slot_of_bin[bin];
    if (slot < 0) {
      slot = static_cast<std::int32_t>(tb.c0.size());
      // Centre: the bin's lower edge with the next mantissa bit set (the midpoint).
      tb.c0.push_back(std::bit_cast<double>((static_cast<std::uint64_t>(bin) << 48) |
                                            (std::uint64_t{1} << 47)));
      tb.moments.resize(tb.moments.size() + 2 * kMoments, 0.0);
    }
    double* m = &tb.moments[static_cast<std::size_t>(slot) * 2 * kMoments];
    const double d = c - tb.c0[static_cast<std::size_t>(slot)];
    double pw = w;
    for (std::size_t k = 0; k < kMoments; ++k) {
      m[k] += pw;
      m[kMoments + k] += pw * x;
      pw *= d;
    }
    if (x < kMaxIndexedX) {
      const auto xi = static_cast<std::size_t>(x);
      if (xi >= weight_of_x.size()) weight_of_x.resize(xi + 1, 0.0);
      weight_of_x[xi] += w;
    } else {
      large_x.emplace_back(x, w);
    }
  }
  for (std::size_t v = 1; v < weight_of_x.size(); ++v) {
    if (weight_of_x[v] > 0) {
      tb.xs.push_back(static_cast<double>(v));
      tb.wx.push_back(weight_of_x[v]);
    }
  }
  std::sort(large_x.begin(), large_x.end());
  for (const auto& [x, w] : large_x) {
    if (tb.xs.empty() || tb.xs.back() != x) {
      tb.xs.push_back(x);
      tb.wx.push_back(0);
    }
    tb.wx.back() += w;
  }
  double sum_wxlogx = 0;
  for (std::size_t k = 0; k < tb.xs.size(); ++k) {
    tb.total_weight += tb.wx[k];
    sum_wxlogx += tb.wx[k] * tb.xs[k] * std::log(tb.xs[k]);
  }
  tb.sum_wxlogx = sum_wxlogx;
  // Σ w log m = Σ w log c − Σ w log x (and with a factor x), from the expansion at γ = 0.
  const RowSums at_zero = SumOverCustomers(tb, 0.0);
  double sum_wlogx = 0;
  for (std::size_t k = 0; k < tb.xs.size(); ++k) sum_wlogx += tb.wx[k] * std::log(tb.xs[k]);
  tb.sum_wlogm = at_zero.s0 - sum_wlogx;
  tb.sum_wxlogm = at_zero.s1 - sum_wxlogx;
  return tb;
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
  // Money scale: the weighted mean of m over the repeat customers; the moments give the
  // frequency-monetary correlation.
  double sw = 0, sx = 0, sm = 0, sxx = 0, smm = 0, sxm = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const double x = data.frequency[i];
    if (x <= 0) continue;
    const double w = data.WeightOf(i), m = data.monetary[i];
    if (!(m > 0)) {
      return InvalidArgument("row " + std::to_string(i) +
                             ": monetary value must be positive when frequency > 0");
    }
    sw += w;
    sx += w * x;
    sm += w * m;
    sxx += w * x * x;
    smm += w * m * m;
    sxm += w * x * m;
  }
  if (sw == 0) return InvalidArgument("no customer with repeat purchases to fit spend on");
  const double scale = sm / sw;
  auto tb = std::make_shared<const GgTables>(BuildGgTables(data, scale));

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
