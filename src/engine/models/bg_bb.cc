#include "engine/models/bg_bb.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "engine/parallel.h"
#include "engine/special/special.h"

namespace clv::engine {
namespace {

bool Whole(double v) { return std::isfinite(v) && v >= 0 && v == std::floor(v); }

bool ValidParams(const BgBbParams& p) {
  for (double v : {p.alpha, p.beta, p.gamma, p.delta})
    if (!(v > 0) || !std::isfinite(v)) return false;
  return true;
}

bool ValidPattern(double x, double t_x, double n) {
  return Whole(x) && Whole(t_x) && Whole(n) && x <= t_x && t_x <= n && ((x == 0) == (t_x == 0));
}

// log B(a + da, b + db) − log B(a, b) and its derivatives w.r.t. a and b.
struct BetaRatio {
  double value, da, db;
};
BetaRatio LogBetaRatio(double a, double b, double da, double db, bool want_grad) {
  BetaRatio r{special::LogBeta(a + da, b + db) - special::LogBeta(a, b), 0, 0};
  if (want_grad) {
    const double common = special::Digamma(a + b) - special::Digamma(a + b + da + db);
    r.da = special::Digamma(a + da) - special::Digamma(a) + common;
    r.db = special::Digamma(b + db) - special::Digamma(b) + common;
  }
  return r;
}

// FHS (2010) eq. (5):
//   L = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
//     + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ).
// Terms are log-summed with a running maximum so that long histories (large n) never
// underflow; the gradient is the softmax-weighted sum of the terms' gradients.
double PatternLogLikelihood(const BgBbParams& p, double x, double t_x, double n, double* grad) {
  const bool want = grad != nullptr;
  const BetaRatio a0 = LogBetaRatio(p.alpha, p.beta, x, n - x, want);
  const BetaRatio g0 = LogBetaRatio(p.gamma, p.delta, 0, n, want);
  std::vector<double> logs, ga, gb, gg, gd;
  const int extra = static_cast<int>(n - t_x);
  logs.reserve(extra + 1);
  logs.push_back(a0.value + g0.value);
  if (want) {
    ga.push_back(a0.da);
    gb.push_back(a0.db);
    gg.push_back(g0.da);
    gd.push_back(g0.db);
  }
  for (int i = 0; i < extra; ++i) {
    const BetaRatio a = LogBetaRatio(p.alpha, p.beta, x, t_x - x + i, want);
    const BetaRatio g = LogBetaRatio(p.gamma, p.delta, 1, t_x + i, want);
    logs.push_back(a.value + g.value);
    if (want) {
      ga.push_back(a.da);
      gb.push_back(a.db);
      gg.push_back(g.da);
      gd.push_back(g.db);
    }
  }
  const double mx = *std::max_element(logs.begin(), logs.end());
  double sum = 0;
  for (double l : logs) sum += std::exp(l - mx);
  const double ll = mx + std::log(sum);
  if (want) {
    for (int k = 0; k < 4; ++k) grad[k] = 0;
    for (std::size_t j = 0; j < logs.size(); ++j) {
      const double w = std::exp(logs[j] - ll);
      grad[0] += w * ga[j];
      grad[1] += w * gb[j];
      grad[2] += w * gg[j];
      grad[3] += w * gd[j];
    }
  }
  return ll;
}

// Σ_{i=1}^{m} B(γ, δ+n+i)/B(γ, δ) = Σ_i P(alive at opportunity n+i), by the recursion
// B(γ, d+1)/B(γ, d) = d/(γ+d).
double SumAlive(double gamma, double delta, double n, double m) {
  double term = std::exp(special::LogBeta(gamma, delta + n) - special::LogBeta(gamma, delta));
  double sum = 0;
  for (double i = 1; i <= m; ++i) {
    const double d = delta + n + i - 1;
    term *= d / (gamma + d);
    sum += term;
  }
  return sum;
}

}  // namespace

Status ValidateBgBbParams(const BgBbParams& p) {
  if (!ValidParams(p))
    return InvalidArgument("BG/BB parameters alpha, beta, gamma, delta must be finite and > 0");
  return Status::Ok();
}

Status ValidateBgBbPatterns(std::span<const BgBbPattern> patterns) {
  if (patterns.empty()) return InvalidArgument("no BG/BB patterns");
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const BgBbPattern& r = patterns[i];
    if (!ValidPattern(r.frequency, r.recency, r.periods))
      return InvalidArgument("pattern " + std::to_string(i) +
                             ": need whole numbers 0 <= frequency <= recency <= periods, "
                             "recency 0 exactly when frequency is 0");
    if (!(r.weight > 0) || !std::isfinite(r.weight))
      return InvalidArgument("pattern " + std::to_string(i) + ": weight must be positive");
  }
  return Status::Ok();
}

double BgBbLogLikelihood(const BgBbParams& p, double x, double t_x, double n) {
  if (!ValidParams(p) || !ValidPattern(x, t_x, n)) return kNaN;
  return PatternLogLikelihood(p, x, t_x, n, nullptr);
}

Result<double> BgBbTotalLogLikelihood(const BgBbParams& p,
                                      std::span<const BgBbPattern> patterns) {
  CLV_RETURN_IF_ERROR(ValidateBgBbParams(p));
  CLV_RETURN_IF_ERROR(ValidateBgBbPatterns(patterns));
  double total = 0;
  DeterministicSum(patterns.size(), 1, std::span<double>(&total, 1),
                   [&](std::size_t i, double* acc) {
                     const BgBbPattern& r = patterns[i];
                     acc[0] += r.weight *
                               PatternLogLikelihood(p, r.frequency, r.recency, r.periods, nullptr);
                   });
  return total;
}

double BgBbProbabilityAlive(const BgBbParams& p, double periods_ahead, double x, double t_x,
                            double n) {
  if (!ValidParams(p) || !ValidPattern(x, t_x, n) || !Whole(periods_ahead)) return kNaN;
  const double ll = PatternLogLikelihood(p, x, t_x, n, nullptr);
  return std::exp(special::LogBeta(p.alpha + x, p.beta + n - x) -
                  special::LogBeta(p.alpha, p.beta) +
                  special::LogBeta(p.gamma, p.delta + n + periods_ahead) -
                  special::LogBeta(p.gamma, p.delta) - ll);
}

double BgBbExpectedPurchases(const BgBbParams& p, double future_periods, double x, double t_x,
                             double n) {
  if (!ValidParams(p) || !ValidPattern(x, t_x, n) || !Whole(future_periods)) return kNaN;
  // FHS eq. (13): (1/L) · B(α+x+1, β+n−x)/B(α,β) · Σ_{i=1}^{n*} B(γ, δ+n+i)/B(γ,δ).
  const double ll = PatternLogLikelihood(p, x, t_x, n, nullptr);
  const double lead = std::exp(special::LogBeta(p.alpha + x + 1, p.beta + n - x) -
                               special::LogBeta(p.alpha, p.beta) - ll);
  return lead * SumAlive(p.gamma, p.delta, n, future_periods);
}

double BgBbExpectedPurchasesNewCustomer(const BgBbParams& p, double n) {
  if (!ValidParams(p) || !Whole(n)) return kNaN;
  return p.alpha / (p.alpha + p.beta) * SumAlive(p.gamma, p.delta, 0, n);
}

Result<MleResult> FitBgBb(std::span<const BgBbPattern> patterns, const FitOptions& options) {
  CLV_RETURN_IF_ERROR(ValidateBgBbPatterns(patterns));
  if (!options.initial_params.empty() && options.initial_params.size() != 4)
    return InvalidArgument("a BG/BB warm start needs 4 parameters (alpha, beta, gamma, delta)");
  auto rows = std::make_shared<std::vector<BgBbPattern>>(patterns.begin(), patterns.end());
  MleProblem problem;
  problem.names = {"alpha", "beta", "gamma", "delta"};
  problem.objective = [rows](std::span<const double> theta, std::span<double> grad) {
    const BgBbParams p{std::exp(theta[0]), std::exp(theta[1]), std::exp(theta[2]),
                       std::exp(theta[3])};
    if (!ValidParams(p)) return kNaN;
    const bool want = !grad.empty();
    std::array<double, 5> totals{};
    DeterministicSum(rows->size(), want ? 5 : 1, std::span<double>(totals.data(), want ? 5 : 1),
                     [&](std::size_t i, double* acc) {
                       const BgBbPattern& r = (*rows)[i];
                       double g[4];
                       acc[0] -= r.weight * PatternLogLikelihood(p, r.frequency, r.recency,
                                                                 r.periods, want ? g : nullptr);
                       if (want)
                         for (int k = 0; k < 4; ++k) acc[k + 1] -= r.weight * g[k];
                     });
    if (want) {
      const double natural[4] = {p.alpha, p.beta, p.gamma, p.delta};
      for (int k = 0; k < 4; ++k) grad[k] = totals[k + 1] * natural[k];
    }
    return totals[0];
  };
  problem.starts = {{1, 1, 1, 1}, {0.5, 0.5, 0.5, 2}, {2, 1, 0.5, 5}};
  for (const BgBbPattern& r : patterns) problem.num_observations += r.weight;
  problem.require_nonpositive_log_likelihood = true;
  return MaximizeLikelihood(problem, options);
}

}  // namespace clv::engine
