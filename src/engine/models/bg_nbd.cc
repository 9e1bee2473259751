#include "engine/models/bg_nbd.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>

#include <boost/math/policies/policy.hpp>
#include <boost/math/quadrature/tanh_sinh.hpp>
#include <boost/math/special_functions/beta.hpp>

#include "engine/parallel.h"
#include "engine/special/special.h"

namespace clv::engine {
namespace {

using special::Digamma;
using special::LogBeta;
using special::LogGamma;

// s: MBG/NBD lets a customer drop out after the first purchase too, which adds one Bernoulli
// survival to every history: b + x becomes b + x + 1 throughout.
double Shift(BetaGeoVariant v) { return v == BetaGeoVariant::kMbgNbd ? 1.0 : 0.0; }

// log of the odds "dropped out after the last purchase" : "alive at T". BG/NBD: a customer
// without repeat purchases cannot have dropped out (-inf odds).
// LogOddsHead + (r + x) · (log(α + T) − log(α + t_x)): the head and log(α + t_x) depend on
// (x, t_x) only (ProbabilityAliveRows reuses them along a run; same operations, same bits).
double LogOddsHead(BetaGeoVariant v, const BetaGeoParams& p, double x) {
  return std::log(p.a) - std::log(p.b + x - 1 + Shift(v));
}
double LogOddsDead(BetaGeoVariant v, const BetaGeoParams& p, double x, double t_x, double T) {
  if (v == BetaGeoVariant::kBgNbd && x == 0) return -kInf;
  return LogOddsHead(v, p, x) + (p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + t_x));
}

// Q(n, a, bp, u) = E[(1 − (1 + p u)^(−n)) / p] for p ~ Beta(a, bp): the expected purchases in
// the next t of an alive customer with λ | alive ~ Gamma(n, rate A) and u = t / A (integrate
// (1 − e^(−λ p t)) / p over λ first). This equals the papers'
//   (a + bp − 1)/(a − 1) · (1 − 2F1(n, bp; a + bp − 1; z) (1 − z)^n),  z = u / (1 + u),
// but stays finite at a = 1 and when a + bp <= 1, where that expression is 0/0 or undefined.
// Three evaluations, each used only where it is accurate:
//  (1) the moment series in u (|u| small): Σ_k≥1 (−1)^(k+1) (n)_k (a)_(k−1) / (k! (a+bp)_(k−1)) u^k;
//  (2) Euler's transformation: 2F1(n, bp; c; z)(1 − z)^n = (1 − z)^(a−1) 2F1(c − n, a − 1; c; z)
//      with c = a + bp − 1, whose series converges fast for large x (c grows with x), written
//      so that the factor 1/(a − 1) cancels analytically:
//      Q = c · [ −L · expm1((a−1)L)/((a−1)L) − (1 − z)^(a−1) Σ_k≥1 (c−n)_k (a)_(k−1) z^k / ((c)_k k!) ],
//      L = log(1 − z);
//  (3) tanh-sinh quadrature of the defining integral, for what is left (c <= 0, or cancellation).
// Each series is accepted only if it converged and its largest term is small against the sum
// (bounding the rounding error of the alternating sums).
constexpr int kMaxSeriesTerms = 200000;
// Relative size of the last term kept; the series' tails shrink geometrically, so the
// truncation error is of this order (times 1/(1 − ratio)), far below the 1e-6 we promise.
constexpr double kSeriesTol = 1e-15;

bool MomentSeries(double n, double a, double bp, double u, double& out) {
  double term = n * u, sum = term, max_term = std::fabs(term);
  for (int k = 1; k < kMaxSeriesTerms; ++k) {
    const double kd = k;
    term *= -(n + kd) * (a + kd - 1) / ((kd + 1) * (a + bp + kd - 1)) * u;
    sum += term;
    max_term = std::max(max_term, std::fabs(term));
    if (std::fabs(term) <= kSeriesTol * std::fabs(sum)) {
      out = sum;
      return std::isfinite(sum) && max_term <= 1e4 * std::fabs(sum);
    }
  }
  return false;
}

bool EulerSeries(double n, double a, double bp, double u, double& out) {
  const double c = a + bp - 1;
  if (!(c > 0)) return false;
  const double z = u / (1 + u);
  const double log1mz = -std::log1p(u);
  const double ca = c - n;
  double term = ca / c * z, s = term, max_term = std::fabs(term);
  for (int k = 1; k < kMaxSeriesTerms && term != 0; ++k) {
    const double kd = k;
    term *= (ca + kd) * (a + kd - 1) / ((c + kd) * (kd + 1)) * z;
    s += term;
    max_term = std::max(max_term, std::fabs(term));
    if (std::fabs(term) <= kSeriesTol * std::fabs(s)) break;
    if (k == kMaxSeriesTerms - 1) return false;
  }
  const double first = -log1mz * special::Expm1OverX((a - 1) * log1mz);
  const double second = std::exp((a - 1) * log1mz) * s;
  const double diff = first - second;
  out = c * diff;
  const double scale = std::max({std::fabs(first), std::fabs(second), max_term});
  return std::isfinite(out) && std::fabs(diff) >= 1e-4 * scale && out >= 0;
}

double Quadrature(double n, double a, double bp, double u) {
  const double log_b = LogBeta(a, bp);
  // Boost passes the distance to the nearer endpoint as the second argument (b − p on the right
  // half), which keeps (1 − p)^(bp − 1) accurate next to p = 1.
  auto f = [&](double p, double complement) {
    const double q = p > 0.5 ? complement : 1 - p;
    if (p <= 0 || q <= 0) return 0.0;
    const double g = p == 0 ? n * u : -std::expm1(-n * std::log1p(p * u)) / p;
    const double log_density = (a - 1) * std::log(p) + (bp - 1) * std::log(q) - log_b;
    return g * std::exp(log_density);
  };
  try {
    boost::math::quadrature::tanh_sinh<double> integrator(15);
    return integrator.integrate(f, 0.0, 1.0, 1e-12);
  } catch (const std::exception&) {
    return kNaN;  // boost signals a non-finite integrand by throwing; report "undefined"
  }
}

double AliveExpectedPurchases(double n, double a, double bp, double u) {
  if (u <= 0) return 0.0;
  double q = 0;
  // Euler's series first: its terms shrink like z^k = (u/(1+u))^k, faster than the moment
  // series' u^k, and it has no cancellation for large x.
  if (EulerSeries(n, a, bp, u, q)) return q;
  if (u < 1 && MomentSeries(n, a, bp, u, q)) return q;
  return Quadrature(n, a, bp, u);
}

// P(X(t) = k) for a customer alive at the start, with λ ~ Gamma(R, rate A), p ~ Beta(a, B):
// FHL (2005) eq. (8).
double FreshProbability(int k, double t, double R, double A, double a, double B) {
  const double kd = k;
  const double log_nb = special::LogGammaPoissonPmf(k, R, A, t);
  double prob = std::exp(LogBeta(a, B + kd) - LogBeta(a, B) + log_nb);
  if (k > 0 && t > 0) {
    // P(N >= k) for the gamma-Poisson count N: I_{t/(A+t)}(k, R), computed directly so that a
    // small tail does not vanish in 1 − Σ.
    const double tail = boost::math::ibeta(kd, R, t / (A + t),
                                           boost::math::policies::make_policy(
                                               boost::math::policies::domain_error<
                                                   boost::math::policies::ignore_error>(),
                                               boost::math::policies::overflow_error<
                                                   boost::math::policies::ignore_error>(),
                                               boost::math::policies::evaluation_error<
                                                   boost::math::policies::ignore_error>()));
    prob += std::exp(LogBeta(a + 1, B + kd - 1) - LogBeta(a, B)) * tail;
  }
  return prob;
}

// ---- the fit's fast path -------------------------------------------------------------------
//
// After compression a day-level cohort of a million customers has ~1e5 distinct rows but only a
// few hundred distinct times and a few dozen distinct x. Every term of the log-likelihood that
// depends only on x (the log-gamma and digamma terms) or only on a time (log(α + t)) is
// therefore computed once per evaluation in small tables, and the per-row work is one
// exp, one division and (for rows of several customers) one log.
struct Tables {
  BetaGeoVariant variant;
  std::vector<double> xs;      // distinct x, ascending
  std::vector<double> wx;      // total weight per distinct x
  std::vector<double> times;   // distinct times (t_x and T), ascending, already scaled
  struct Row {
    std::int32_t ix, itx, iT;
    double w;
  };
  std::vector<Row> rows;
  double total_weight = 0;
  double weighted_x = 0;       // Σ w x, for the Jacobian of the time rescaling
};

Tables BuildTables(BetaGeoVariant variant, const RfmData& compressed, double scale) {
  Tables tb;
  tb.variant = variant;
  const std::size_t n = compressed.size();
  // Distinct times. Day- or week-level data have whole-number times below a few thousand: a
  // presence table indexed by the time finds them and indexes every row in O(1); otherwise
  // sort them and binary-search.
  double max_time = 0;
  bool whole = true;
  for (std::size_t i = 0; i < n; ++i) {
    const double t_x = compressed.recency[i], T = compressed.age[i];
    max_time = std::max(max_time, T);
    whole = whole && t_x == std::floor(t_x) && T == std::floor(T);
  }
  std::vector<std::int32_t> dense;  // time value -> index into tb.times, when `whole`
  if (whole && max_time <= 4.0 * static_cast<double>(n) + 4096) {
    dense.assign(static_cast<std::size_t>(max_time) + 1, -1);
    for (std::size_t i = 0; i < n; ++i) {
      dense[static_cast<std::size_t>(compressed.recency[i])] = 0;
      dense[static_cast<std::size_t>(compressed.age[i])] = 0;
    }
    for (std::size_t v = 0; v < dense.size(); ++v) {
      if (dense[v] < 0) continue;
      dense[v] = static_cast<std::int32_t>(tb.times.size());
      tb.times.push_back(static_cast<double>(v) / scale);
    }
  } else {
    tb.times.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
      tb.times.push_back(compressed.recency[i] / scale);
      tb.times.push_back(compressed.age[i] / scale);
    }
    std::sort(tb.times.begin(), tb.times.end());
    tb.times.erase(std::unique(tb.times.begin(), tb.times.end()), tb.times.end());
  }
  auto time_index = [&](double v) {
    if (!dense.empty()) return dense[static_cast<std::size_t>(v)];
    return static_cast<std::int32_t>(
        std::lower_bound(tb.times.begin(), tb.times.end(), v / scale) - tb.times.begin());
  };
  tb.rows.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double x = compressed.frequency[i], w = compressed.WeightOf(i);
    if (tb.xs.empty() || tb.xs.back() != x) {  // Compress sorts by x
      tb.xs.push_back(x);
      tb.wx.push_back(0);
    }
    tb.wx.back() += w;
    tb.rows.push_back({static_cast<std::int32_t>(tb.xs.size() - 1),
                       time_index(compressed.recency[i]), time_index(compressed.age[i]), w});
    tb.total_weight += w;
    tb.weighted_x += w * x;
  }
  return tb;
}

// Total negative log-likelihood and its gradient w.r.t. log-parameters.
double BetaGeoNll(const Tables& tb, std::span<const double> theta, std::span<double> grad) {
  const double r = std::exp(theta[0]), alpha = std::exp(theta[1]);
  const double a = std::exp(theta[2]), b = std::exp(theta[3]);
  const double s = Shift(tb.variant);
  const bool want_grad = !grad.empty();

  const std::size_t nt = tb.times.size();
  std::vector<double> log_t(nt), inv_t(nt);
  for (std::size_t j = 0; j < nt; ++j) {
    log_t[j] = std::log(alpha + tb.times[j]);
    inv_t[j] = 1.0 / (alpha + tb.times[j]);
  }

  // Per distinct x: the x-only part A1 + A2 (FHL eq. 6) and the coefficients of the second
  // likelihood term, c4 = log a − log(b + x − 1 + s).
  const std::size_t nx = tb.xs.size();
  std::vector<double> c4(nx), dc4_db(nx), rx(nx);
  std::vector<char> has4(nx);
  double ll = 0, g_r = 0, g_alpha = 0, g_a = 0, g_b = 0;
  const double lg_r = LogGamma(r), lg_ab = LogGamma(a + b), lg_b = LogGamma(b);
  const double dg_r = want_grad ? Digamma(r) : 0, dg_ab = want_grad ? Digamma(a + b) : 0;
  const double dg_b = want_grad ? Digamma(b) : 0;
  const double log_alpha = std::log(alpha), log_a = std::log(a);
  for (std::size_t k = 0; k < nx; ++k) {
    const double x = tb.xs[k], w = tb.wx[k];
    rx[k] = r + x;
    ll += w * (LogGamma(r + x) - lg_r + r * log_alpha + lg_ab + LogGamma(b + x + s) - lg_b -
               LogGamma(a + b + x + s));
    if (want_grad) {
      const double dg_abx = Digamma(a + b + x + s);
      g_r += w * (Digamma(r + x) - dg_r + log_alpha);
      g_alpha += w * r / alpha;
      g_a += w * (dg_ab - dg_abx);
      g_b += w * (dg_ab + Digamma(b + x + s) - dg_b - dg_abx);
    }
    has4[k] = (s > 0 || x > 0) ? 1 : 0;
    if (has4[k]) {
      c4[k] = log_a - std::log(b + x - 1 + s);
      dc4_db[k] = -1.0 / (b + x - 1 + s);
    }
  }

  // Per row: log(exp(A3) + exp(A4)), A3 = −(r+x) log(α+T), A4 = c4 − (r+x) log(α+t_x).
  // Σ over rows, blocked like DeterministicSum (engine/parallel.h) so the answer does not depend
  // on the thread count. The softplus term log(1 + e) of unit-weight rows (most distinct
  // histories are one customer) is summed as the log of a running product: one multiplication
  // per row instead of a log, with the exponent taken out (frexp, exact) before it can
  // overflow; the product's rounding error (< 1e-16 relative per factor) becomes an absolute
  // error of the same size in the sum of logs, as with one log per row.
  constexpr std::size_t kDim = 5;
  const std::size_t num_rows = tb.rows.size();
  const std::size_t blocks = (num_rows + kReductionBlock - 1) / kReductionBlock;
  std::vector<double> partial(blocks * kDim, 0.0);
#pragma omp parallel for schedule(static) if (blocks > 1)
  for (std::size_t blk = 0; blk < blocks; ++blk) {
    double* out = partial.data() + blk * kDim;
    double product = 1;
    int exponent = 0;
    const std::size_t end = std::min(num_rows, (blk + 1) * kReductionBlock);
    for (std::size_t i = blk * kReductionBlock; i < end; ++i) {
      const Tables::Row& row = tb.rows[i];
      const double n = rx[row.ix];
      const double a3 = -n * log_t[row.iT];
      if (!has4[row.ix]) {
        out[0] += row.w * a3;
        out[1] -= row.w * log_t[row.iT];
        out[2] -= row.w * n * inv_t[row.iT];
        continue;
      }
      const double a4 = c4[row.ix] - n * log_t[row.itx];
      const double d = a4 - a3;
      const double e = std::exp(-std::fabs(d));
      const double one_plus_e = 1.0 + e;
      const double inv = 1.0 / one_plus_e;
      const double w4 = d > 0 ? inv : e * inv;
      const double w3 = 1.0 - w4;
      // log(1 + e) rather than log1p(e): e is in (0, 1], so the absolute error is below an ulp
      // of 1 (2.2e-16) against a row log-likelihood of order 1 or more.
      if (row.w == 1.0) {
        product *= one_plus_e;  // factors are in (1, 2]
        if (product > 0x1p900) {
          int ex = 0;
          product = std::frexp(product, &ex);
          exponent += ex;
        }
        out[0] += std::max(a3, a4);
      } else {
        out[0] += row.w * (std::max(a3, a4) + std::log(one_plus_e));
      }
      out[1] -= row.w * (w3 * log_t[row.iT] + w4 * log_t[row.itx]);
      out[2] -= row.w * n * (w3 * inv_t[row.iT] + w4 * inv_t[row.itx]);
      out[3] += row.w * w4;
      out[4] += row.w * w4 * dc4_db[row.ix];
    }
    out[0] += std::log(product) + exponent * std::numbers::ln2;
  }
  double acc[kDim] = {0, 0, 0, 0, 0};
  for (std::size_t blk = 0; blk < blocks; ++blk)
    for (std::size_t k = 0; k < kDim; ++k) acc[k] += partial[blk * kDim + k];
  ll += acc[0];
  if (want_grad) {
    g_r += acc[1];
    g_alpha += acc[2];
    g_a += acc[3] / a;
    g_b += acc[4];
    grad[0] = -g_r * r;
    grad[1] = -g_alpha * alpha;
    grad[2] = -g_a * a;
    grad[3] = -g_b * b;
  }
  return -ll;
}

}  // namespace

Status ValidateBetaGeoParams(const BetaGeoParams& p) {
  for (double v : {p.r, p.alpha, p.a, p.b}) {
    if (!(v > 0) || !std::isfinite(v)) {
      return InvalidArgument("BG/NBD parameters r, alpha, a, b must be positive and finite");
    }
  }
  return Status::Ok();
}

double BetaGeoLogLikelihood(BetaGeoVariant variant, const BetaGeoParams& p, double x,
                            double t_x, double T) {
  const double s = Shift(variant);
  const double a12 = LogGamma(p.r + x) - LogGamma(p.r) + p.r * std::log(p.alpha) +
                     LogBeta(p.a, p.b + x + s) - LogBeta(p.a, p.b);
  const double a3 = -(p.r + x) * std::log(p.alpha + T);
  if (variant == BetaGeoVariant::kBgNbd && x == 0) return a12 + a3;
  const double a4 = std::log(p.a) - std::log(p.b + x - 1 + s) - (p.r + x) * std::log(p.alpha + t_x);
  return a12 + special::LogAddExp(a3, a4);
}

Result<double> BetaGeoTotalLogLikelihood(BetaGeoVariant variant, const BetaGeoParams& params,
                                         const RfmData& data) {
  CLV_RETURN_IF_ERROR(ValidateRfm(data));
  CLV_RETURN_IF_ERROR(ValidateBetaGeoParams(params));
  const Tables tb = BuildTables(variant, Compress(data), 1.0);
  const double theta[4] = {std::log(params.r), std::log(params.alpha), std::log(params.a),
                           std::log(params.b)};
  return -BetaGeoNll(tb, theta, {});
}

BetaGeoModel::BetaGeoModel(BetaGeoVariant variant, const BetaGeoParams& params)
    : variant_(variant), params_(params) {}

std::string_view BetaGeoModel::name() const {
  return variant_ == BetaGeoVariant::kBgNbd ? "bgnbd" : "mbgnbd";
}

std::vector<std::string> BetaGeoModel::param_names() const { return {"r", "alpha", "a", "b"}; }

std::vector<double> BetaGeoModel::params() const {
  return {params_.r, params_.alpha, params_.a, params_.b};
}

double BetaGeoModel::LogLikelihood(double x, double t_x, double T) const {
  return BetaGeoLogLikelihood(variant_, params_, x, t_x, T);
}

double BetaGeoModel::ProbabilityAlive(double x, double t_x, double T) const {
  return special::Sigmoid(-LogOddsDead(variant_, params_, x, t_x, T));
}

void BetaGeoModel::ProbabilityAliveRows(std::span<const double> x, std::span<const double> t_x,
                                        std::span<const double> T, std::span<double> out) const {
  const BetaGeoParams& p = params_;
  bool cached = false;  // head and log_alpha_tx hold the values of (cached_x, cached_t_x)
  double cached_x = 0, cached_t_x = 0, head = 0, log_alpha_tx = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (variant_ == BetaGeoVariant::kBgNbd && x[i] == 0) {
      out[i] = special::Sigmoid(kInf);  // LogOddsDead's −inf
      continue;
    }
    // Equal as doubles is enough: ±0 give the same sums, and NaN never equals (recomputed).
    if (!cached || x[i] != cached_x || t_x[i] != cached_t_x) {
      head = LogOddsHead(variant_, p, x[i]);
      log_alpha_tx = std::log(p.alpha + t_x[i]);
      cached = true, cached_x = x[i], cached_t_x = t_x[i];
    }
    out[i] = special::Sigmoid(-(head + (p.r + x[i]) * (std::log(p.alpha + T[i]) - log_alpha_tx)));
  }
}

double BetaGeoModel::ExpectedPurchasesIfAlive(double t, double x, double T) const {
  return AliveExpectedPurchases(params_.r + x, params_.a, params_.b + x + Shift(variant_),
                                t / (params_.alpha + T));
}

double BetaGeoModel::ExpectedPurchases(double t, double x, double t_x, double T) const {
  return ProbabilityAlive(x, t_x, T) * ExpectedPurchasesIfAlive(t, x, T);
}

double BetaGeoModel::ProbabilityOfPurchases(int n, double t, double x, double t_x,
                                            double T) const {
  if (n < 0) return 0.0;
  const double alive = ProbabilityAlive(x, t_x, T);
  const double fresh = FreshProbability(n, t, params_.r + x, params_.alpha + T, params_.a,
                                        params_.b + x + Shift(variant_));
  return alive * fresh + (n == 0 ? 1.0 - alive : 0.0);
}

double BetaGeoModel::ExpectedPurchasesNewCustomer(double t) const {
  return ExpectedPurchases(t, 0, 0, 0);
}

double BetaGeoModel::ExpectedTimeToNextPurchase(double x, double t_x, double T) const {
  const double shape = params_.r + x;
  return shape > 1 ? (params_.alpha + T) / (shape - 1) : kInf;
}

double BetaGeoModel::MedianTimeToNextPurchase(double x, double t_x, double T) const {
  return (params_.alpha + T) * std::expm1(std::log(2.0) / (params_.r + x));
}

Result<BetaGeoFit> FitBetaGeo(BetaGeoVariant variant, const RfmData& data,
                              const FitOptions& options) {
  CLV_RETURN_IF_ERROR(ValidateRfm(data));
  if (!options.initial_params.empty()) {
    if (options.initial_params.size() != 4) {
      return InvalidArgument("initial_params must hold r, alpha, a, b");
    }
    CLV_RETURN_IF_ERROR(ValidateBetaGeoParams({options.initial_params[0],
                                               options.initial_params[1],
                                               options.initial_params[2],
                                               options.initial_params[3]}));
  }
  const double max_age = *std::max_element(data.age.begin(), data.age.end());
  // Time is divided by max T, so α is O(1) whatever the unit (days, weeks). All-zero ages
  // (everyone bought in the last period) leave time as it is.
  const double scale = max_age > 0 ? max_age : 1.0;
  auto tables = std::make_shared<const Tables>(BuildTables(variant, Compress(data), scale));

  MleProblem problem;
  problem.names = {"r", "alpha", "a", "b"};
  problem.objective = [tables](std::span<const double> theta, std::span<double> grad) {
    return BetaGeoNll(*tables, theta, grad);
  };
  // lifetimes starts at all ones; the others cover short-lived (large a) and long-lived (large b)
  // populations and heterogeneous rates (small r).
  problem.starts = {{1, 1, 1, 1}, {0.25, 0.1, 0.8, 2.5}, {0.5, 0.05, 2, 0.5}, {2, 1, 0.3, 5}};
  problem.num_observations = tables->total_weight;
  // Densities in t_x scale with the time unit: ll(unit) = ll(scaled) − Σ w x log(scale).
  problem.log_likelihood_offset = -tables->weighted_x * std::log(scale);
  problem.require_nonpositive_log_likelihood = false;  // a density for x > 0

  FitOptions scaled = options;
  if (!scaled.initial_params.empty()) scaled.initial_params[1] /= scale;
  // On a flat ridge (nobody repeats: a and b do not enter the likelihood) MaximizeLikelihood
  // reports converged = false because the Hessian is not positive definite.
  MleResult mle = MaximizeLikelihood(problem, scaled);
  auto unscale = [&](double& v) { v *= scale; };
  unscale(mle.params[1]);
  unscale(mle.standard_errors[1]);
  unscale(mle.ci_lower[1]);
  unscale(mle.ci_upper[1]);
  for (std::size_t j = 0; j < 4; ++j) {
    unscale(mle.covariance[1 * 4 + j]);
    unscale(mle.covariance[j * 4 + 1]);
  }
  // The other flat ridge: data in which nobody seems to leave put the maximum on the boundary
  // p = 0 (the dropout probability a/(a+b) goes to 0 with b → ∞), where the model becomes NBD
  // and a, b are no longer identified. Say so instead of the generic verdict.
  const double mean_p = mle.params[2] / (mle.params[2] + mle.params[3]);
  if (!mle.report.converged && tables->weighted_x > 0 && mean_p < 1e-4) {
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "no sign of dropout in the data: the likelihood keeps rising as the dropout "
                  "probability goes to 0 (a = %.3g, b = %.3g: mean a/(a+b) = %.3g), where %s "
                  "becomes the NBD model and a, b are not identified",
                  mle.params[2], mle.params[3], mean_p,
                  variant == BetaGeoVariant::kMbgNbd ? "MBG/NBD" : "BG/NBD");
    mle.report.message = buf;
  }
  const BetaGeoParams fitted{mle.params[0], mle.params[1], mle.params[2], mle.params[3]};
  return BetaGeoFit{BetaGeoModel(variant, fitted), std::move(mle)};
}

}  // namespace clv::engine
