#include "engine/models/pareto_nbd.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <string>

#include <boost/math/quadrature/gauss_kronrod.hpp>

#include "engine/parallel.h"
#include "engine/special/special.h"

namespace clv::engine {
namespace {

bool ValidParams(const ParetoNbdParams& p) {
  for (double v : {p.r, p.alpha, p.s, p.beta})
    if (!(v > 0) || !std::isfinite(v)) return false;
  return true;
}

bool ValidCustomer(double x, double t_x, double T) {
  return std::isfinite(x) && std::isfinite(t_x) && std::isfinite(T) && x >= 0 && t_x >= 0 &&
         t_x <= T && x == std::floor(x) && !(x == 0 && t_x != 0);
}

// log I and its gradient w.r.t. (r, alpha, s, beta), where
//   I(x, y) = ∫_y^∞ (alpha + τ)^-(r + x) (beta + τ)^-(s + 1) dτ.
// Why this integral: the Pareto/NBD likelihood is
//   L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^-(r+x) (β+T)^-s + s ∫_{t_x}^T (α+τ)^-(r+x) (β+τ)^-(s+1) dτ ]
// (death at τ between the last purchase and T), and FHL (2005)'s A_0 is
// (r+s+x)·[I(x, t_x) − I(x, T)]: their 2F1(r+s+x, s+1; r+s+x+1; (α−β)/(α+y)) / (α+y)^(r+s+x)
// (α ≥ β) or 2F1(r+s+x, r+x; r+s+x+1; (β−α)/(β+y)) / (β+y)^(r+s+x) (α < β) is (r+s+x)·I(x, y).
// I depends on (x, y) only, so the fit evaluates it once per distinct pair.
//
// Evaluation: with A = r+s+x and the larger of α, β as base (so the 2F1 argument z lies in
// [0, 1)), Euler's transformation 2F1(a, b; a+1; z) = (1−z)^(1−b) 2F1(1, a+1−b; a+1; z) gives,
// for α ≥ β (p = r+x, q = s+1, z = (α−β)/(α+y)):
//   log I = −p log(α+y) − s log(β+y) − log A + log S(p, A, z),
//   S(b, A, z) = Σ_n Π_{k<n} (b+k)/(A+1+k) · z^n,
// and symmetrically for α < β: log I = −(s+1) log(β+y) − (r+x−1) log(α+y) − log A +
// log S(s+1, A, (β−α)/(β+y)). Every term of S is positive and the term ratio is below z, so the
// sum has no cancellation, its tail is bounded by term·z/(1−z), and huge x (b = r+x large in the
// untransformed series, where (1−z)^−b overflows) costs nothing extra. The derivatives of log S
// w.r.t. b, A and z are summed alongside (d log term_n/db = Σ_{k<n} 1/(b+k), etc.).
// Slow case: z close to 1 (min(α,β)+y ≪ max(α,β)+y) needs about log(ε)/log(z) terms; there
// LogTailIntegralNearOne (below) takes over.
struct LogIntegral {
  double value = 0;
  std::array<double, 4> grad{};  // d/d(r, alpha, s, beta)
};

struct SeriesResult {
  double log_sum, dlog_db, dlog_dA, dlog_dz;
};

constexpr int kMaxLogSeriesTerms = 100000;  // never reached for z <= kSeriesMaxZ

SeriesResult LogSeries(double b, double A, double z) {
  if (z <= 0) return {0.0, 0.0, 0.0, b / (A + 1)};
  double term = 1, sum = 1, sb = 0, sA = 0, sz = 0, hb = 0, hA = 0;
  const double one_minus_z = 1 - z;
  for (int n = 0; n < kMaxLogSeriesTerms; ++n) {
    const double bn = b + n, an = A + 1 + n;
    hb += 1 / bn;
    hA -= 1 / an;
    term *= bn / an * z;  // now term_{n+1}
    sum += term;
    sb += term * hb;
    sA += term * hA;
    sz += term * (n + 1);
    // Tail bounds: Σ_{m>n+1} term_m <= term·z/(1−z); the derivative sums carry weights growing
    // like log m and m, hence the extra factors.
    if (term * (n + 2) < 1e-17 * sum * one_minus_z * one_minus_z) break;
    if (n + 1 == kMaxLogSeriesTerms) {
      const double tail = term * z / one_minus_z;
      sum += tail;
      sb += tail * hb;
      sA += tail * hA;
      sz += tail * (n + 2);
    }
  }
  return {std::log(sum), sb / sum, sA / sum, sz / (z * sum)};
}

LogIntegral LogTailIntegralSeries(double r, double alpha, double s, double beta, double x,
                                  double y, double log_ay, double log_by) {
  LogIntegral out;
  const double A = r + s + x;
  if (alpha >= beta) {
    const double z = (alpha - beta) / (alpha + y);
    const double p = r + x;
    const SeriesResult S = LogSeries(p, A, z);
    out.value = -p * log_ay - s * log_by - std::log(A) + S.log_sum;
    const double dz_dalpha = (beta + y) / ((alpha + y) * (alpha + y));
    const double dz_dbeta = -1 / (alpha + y);
    out.grad[0] = -log_ay - 1 / A + S.dlog_db + S.dlog_dA;
    out.grad[1] = -p / (alpha + y) + S.dlog_dz * dz_dalpha;
    out.grad[2] = -log_by - 1 / A + S.dlog_dA;
    out.grad[3] = -s / (beta + y) + S.dlog_dz * dz_dbeta;
  } else {
    const double z = (beta - alpha) / (beta + y);
    const double q = s + 1;
    const double pm1 = r + x - 1;
    const SeriesResult S = LogSeries(q, A, z);
    out.value = -q * log_by - pm1 * log_ay - std::log(A) + S.log_sum;
    const double dz_dbeta = (alpha + y) / ((beta + y) * (beta + y));
    const double dz_dalpha = -1 / (beta + y);
    out.grad[0] = -log_ay - 1 / A + S.dlog_dA;
    out.grad[1] = -pm1 / (alpha + y) + S.dlog_dz * dz_dalpha;
    out.grad[2] = -log_by - 1 / A + S.dlog_db + S.dlog_dA;
    out.grad[3] = -q / (beta + y) + S.dlog_dz * dz_dbeta;
  }
  return out;
}

// Above this argument the series is replaced by quadrature on [y, Y] plus the series at Y.
constexpr double kSeriesMaxZ = 0.75;

// 8-point Gauss-Legendre on [-1, 1] (nodes ±kGlNode[i], weights kGlWeight[i]).
constexpr double kGlNode[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                               0.9602898564975363};
constexpr double kGlWeight[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                                 0.1012285362903763};

// The z → 1 case (min(α,β) + y ≪ max(α,β) + y), where the series needs ~log(ε)/log(z) terms.
// I(y) = ∫_y^Y f dτ + I(Y), with Y chosen so that the series argument at Y is 1/2. The finite
// part is integrated in u = log((m + τ)/(m + y)), m = min(α, β): the sharp factor (m + τ)^-e
// becomes e^(-(e-1)u), and f is smooth on the scale of its log-slope, which sets the panel
// widths of a composite 8-point Gauss-Legendre rule; panels stop once the integrand has fallen
// below e^-46 of its peak (it only decreases from there: both factors decrease in τ once
// the slope is negative). The gradient is differentiated under the integral in τ (Y fixed: the
// dependence on Y cancels between the two parts).
LogIntegral LogTailIntegralNearOne(double r, double alpha, double s, double beta, double x,
                                   double y) {
  const double p = r + x, q = s + 1;
  const bool alpha_near = alpha < beta;
  const double near = alpha_near ? alpha : beta, far = alpha_near ? beta : alpha;
  const double e_near = alpha_near ? p : q, e_far = alpha_near ? q : p;
  const double Y = far - 2 * near;
  const LogIntegral tail =
      LogTailIntegralSeries(r, alpha, s, beta, x, Y, std::log(alpha + Y), std::log(beta + Y));
  const double b0 = near + y, gap = far - near, log_b0 = std::log(b0);
  const double U = std::log(near + Y) - log_b0;
  // log of the integrand in u, and d/du of it, at u; fills log(α+τ), log(β+τ), 1/(α+τ), 1/(β+τ).
  struct Point {
    double log_h, slope, la, lb, ia, ib;
  };
  auto at = [&](double u) {
    const double near_tau = b0 * std::exp(u);  // near + τ
    const double far_tau = gap + near_tau;     // far + τ
    const double log_near = log_b0 + u, log_far = std::log(far_tau);
    Point pt;
    pt.log_h = -(e_near - 1) * log_near - e_far * log_far;
    pt.slope = -(e_near - 1) - e_far * near_tau / far_tau;
    pt.la = alpha_near ? log_near : log_far;
    pt.lb = alpha_near ? log_far : log_near;
    pt.ia = 1 / (alpha_near ? near_tau : far_tau);
    pt.ib = 1 / (alpha_near ? far_tau : near_tau);
    return pt;
  };
  const double ref = at(0).log_h;  // values are accumulated relative to e^ref
  double sum = 0, peak = -kInf;
  std::array<double, 4> gsum{};
  double u = 0;
  for (int panel = 0; panel < 100000 && u < U; ++panel) {
    const Point start = at(u);
    peak = std::max(peak, start.log_h);
    if (start.slope < 0 && start.log_h < peak - 46) break;
    const double width = std::min({1.0, 2.0 / (std::fabs(start.slope) + 1e-300), U - u});
    const double mid = u + width / 2, half = width / 2;
    for (int k = 0; k < 8; ++k) {
      const double node = mid + (k < 4 ? -1 : 1) * half * kGlNode[k % 4];
      const Point pt = at(node);
      const double v = kGlWeight[k % 4] * half * std::exp(pt.log_h - ref);
      sum += v;
      gsum[0] -= v * pt.la;
      gsum[1] -= v * p * pt.ia;
      gsum[2] -= v * pt.lb;
      gsum[3] -= v * q * pt.ib;
    }
    u += width;
  }
  const double tail_rel = std::exp(tail.value - ref);
  const double total = sum + tail_rel;
  LogIntegral out;
  out.value = ref + std::log(total);
  for (int k = 0; k < 4; ++k) out.grad[k] = (gsum[k] + tail_rel * tail.grad[k]) / total;
  return out;
}

LogIntegral LogTailIntegral(double r, double alpha, double s, double beta, double x, double y,
                            double log_ay, double log_by) {
  const double z = std::fabs(alpha - beta) / (std::max(alpha, beta) + y);
  if (z > kSeriesMaxZ) return LogTailIntegralNearOne(r, alpha, s, beta, x, y);
  return LogTailIntegralSeries(r, alpha, s, beta, x, y, log_ay, log_by);
}

// One customer's log-likelihood from its pieces, optionally with the gradient w.r.t. the
// natural parameters and P(alive). Shared by the per-customer functions and the batch
// objective so that both compute exactly the same numbers.
//   lg = log Γ(r+x) − log Γ(r), dg = ψ(r+x) − ψ(r);
//   I_tx, I_T = LogTailIntegral at y = t_x and y = T (I_T unused when t_x == T).
struct RowTerms {
  double ll;
  double p_alive;  // share of the "alive at T" term in the likelihood
};

// Per-evaluation constants of CombineRow, hoisted out of the per-row loop.
struct ParamLogs {
  double log_alpha, log_beta, log_s;
  explicit ParamLogs(const ParetoNbdParams& p)
      : log_alpha(std::log(p.alpha)), log_beta(std::log(p.beta)), log_s(std::log(p.s)) {}
};

// Three transcendental calls per row (expm1, exp, log1p): this loop is most of an
// evaluation's cost on large data (profiled on the 1M-customer benchmark).
RowTerms CombineRow(const ParetoNbdParams& p, const ParamLogs& logs, double x, double T,
                    double lg, double dg, double log_aT, double log_bT, const LogIntegral* I_tx,
                    const LogIntegral* I_T, bool tx_eq_T, double* grad) {
  const double log_e1 = -(p.r + x) * log_aT - p.s * log_bT;  // alive at T
  double w = 1;  // I_T / I_tx
  double em = 0;  // w − 1
  // lse = log(e1 + e2) and the shares π1 = e1/(e1+e2), π2 = e2/(e1+e2), where
  // e2/e1 = s·I_tx·(1 − w)/e1 = exp(u)·(−em): one exponential of u when that cannot overflow.
  double lse = log_e1, pi1 = 1, pi2 = 0;
  if (!tx_eq_T) {
    const double d = I_T->value - I_tx->value;  // <= 0
    if (d < 0) {
      em = std::expm1(d);  // accurate also when w is close to 1
      w = 1 + em;
      const double u = logs.log_s + I_tx->value - log_e1;
      if (u < 700) {
        const double e = std::exp(u) * -em;
        lse = log_e1 + std::log1p(e), pi1 = 1 / (1 + e), pi2 = e / (1 + e);
      } else {
        const double log_e2 = logs.log_s + I_tx->value + std::log(-em);
        if (log_e2 >= log_e1) {
          const double e = std::exp(log_e1 - log_e2);
          lse = log_e2 + std::log1p(e), pi1 = e / (1 + e), pi2 = 1 / (1 + e);
        } else {
          const double e = std::exp(log_e2 - log_e1);
          lse = log_e1 + std::log1p(e), pi1 = 1 / (1 + e), pi2 = e / (1 + e);
        }
      }
    }
  }
  const double base = lg + p.r * logs.log_alpha + p.s * logs.log_beta;
  RowTerms out{base + lse, pi1};
  if (grad != nullptr) {
    grad[0] = dg + logs.log_alpha - pi1 * log_aT;
    grad[1] = p.r / p.alpha - pi1 * (p.r + x) / (p.alpha + T);
    grad[2] = logs.log_beta - pi1 * log_bT;
    grad[3] = p.s / p.beta - pi1 * p.s / (p.beta + T);
    if (pi2 > 0) {
      const double inv = -1 / em;  // 1 / (1 − w)
      for (int k = 0; k < 4; ++k) grad[k] += pi2 * (I_tx->grad[k] - w * I_T->grad[k]) * inv;
      grad[2] += pi2 / p.s;
    }
  }
  return out;
}

RowTerms CustomerTerms(const ParetoNbdParams& p, double x, double t_x, double T,
                       double* grad = nullptr) {
  const double la_tx = std::log(p.alpha + t_x), lb_tx = std::log(p.beta + t_x);
  const double la_T = std::log(p.alpha + T), lb_T = std::log(p.beta + T);
  const bool eq = t_x == T;
  LogIntegral I_tx, I_T;
  if (!eq) {
    I_tx = LogTailIntegral(p.r, p.alpha, p.s, p.beta, x, t_x, la_tx, lb_tx);
    I_T = LogTailIntegral(p.r, p.alpha, p.s, p.beta, x, T, la_T, lb_T);
  }
  const double lg = special::LogGamma(p.r + x) - special::LogGamma(p.r);
  const double dg = grad ? special::Digamma(p.r + x) - special::Digamma(p.r) : 0.0;
  return CombineRow(p, ParamLogs(p), x, T, lg, dg, la_T, lb_T, &I_tx, &I_T, eq, grad);
}

// (1 − (b/(b+t))^(s−1)) / (s − 1), continuous at s = 1 where it is log(1 + t/b).
double SurvivalIntegralFactor(double s, double b, double t) {
  const double L = std::log1p(t / b);
  return L * special::Expm1OverX(-(s - 1) * L);
}

// Unconditional P(X(t) = n) of a customer alive at time 0 with the given parameters.
// X(t) = n either because the customer is alive at t with n purchases (first term: a
// gamma-Poisson pmf times P(alive at t) = (β/(β+t))^s) or died at τ < t after n purchases:
//   ∫_0^t s β^s (β+τ)^-(s+1) · NB(n; r, α, τ) dτ,
// which is Fader & Hardie (2006)'s second term before they reduce it to 2F1 functions. We
// integrate it numerically in u = log(1 + τ/β), where the dropout density becomes the smooth
// s·e^(−s·u) (in τ it is sharply peaked when β ≪ t).
double NewCustomerPmf(double r, double alpha, double s, double beta, int n, double t) {
  const double alive = std::exp(special::LogGammaPoissonPmf(n, r, alpha, t) -
                                s * std::log1p(t / beta));
  const double U = std::log1p(t / beta);
  if (!(U > 0)) return alive;
  auto integrand = [&](double u) {
    const double tau = beta * std::expm1(u);
    return s * std::exp(-s * u + special::LogGammaPoissonPmf(n, r, alpha, tau));
  };
  double error = 0;
  const double died = boost::math::quadrature::gauss_kronrod<double, 31>::integrate(
      integrand, 0.0, U, 15, 1e-12, &error);
  return alive + died;
}

class ParetoNbdModel final : public PurchaseModel {
 public:
  explicit ParetoNbdModel(const ParetoNbdParams& p) : p_(p) {}
  std::string_view name() const override { return "pnbd"; }
  std::vector<std::string> param_names() const override { return {"r", "alpha", "s", "beta"}; }
  std::vector<double> params() const override { return {p_.r, p_.alpha, p_.s, p_.beta}; }
  double LogLikelihood(double x, double t_x, double T) const override {
    return ParetoNbdLogLikelihood(p_, x, t_x, T);
  }
  double ExpectedPurchases(double t, double x, double t_x, double T) const override {
    return ParetoNbdExpectedPurchases(p_, t, x, t_x, T);
  }
  double ProbabilityAlive(double x, double t_x, double T) const override {
    return ParetoNbdProbabilityAlive(p_, x, t_x, T);
  }
  double ExpectedPurchasesIfAlive(double t, double x, double T) const override {
    return ParetoNbdExpectedPurchasesIfAlive(p_, t, x, T);
  }
  double ProbabilityOfPurchases(int n, double t, double x, double t_x, double T) const override {
    return ParetoNbdProbabilityOfPurchases(p_, n, t, x, t_x, T);
  }
  double ExpectedPurchasesNewCustomer(double t) const override {
    return ParetoNbdExpectedPurchasesNewCustomer(p_, t);
  }

 private:
  ParetoNbdParams p_;
};

}  // namespace

Status ValidateParetoNbdParams(const ParetoNbdParams& p) {
  if (!ValidParams(p))
    return InvalidArgument("Pareto/NBD parameters r, alpha, s, beta must be finite and > 0");
  return Status::Ok();
}

double ParetoNbdLogLikelihood(const ParetoNbdParams& p, double x, double t_x, double T) {
  if (!ValidParams(p) || !ValidCustomer(x, t_x, T)) return kNaN;
  return CustomerTerms(p, x, t_x, T).ll;
}

Result<double> ParetoNbdTotalLogLikelihood(const ParetoNbdParams& p, const RfmData& data) {
  CLV_RETURN_IF_ERROR(ValidateParetoNbdParams(p));
  CLV_RETURN_IF_ERROR(ValidateRfm(data));
  ParetoNbdObjective objective(data);
  const std::array<double, 4> theta = {std::log(p.r), std::log(p.alpha), std::log(p.s),
                                       std::log(p.beta)};
  return -objective(theta, {});
}

double ParetoNbdProbabilityAlive(const ParetoNbdParams& p, double x, double t_x, double T) {
  if (!ValidParams(p) || !ValidCustomer(x, t_x, T)) return kNaN;
  return CustomerTerms(p, x, t_x, T).p_alive;
}

double ParetoNbdExpectedPurchases(const ParetoNbdParams& p, double t, double x, double t_x,
                                  double T) {
  if (!ValidParams(p) || !ValidCustomer(x, t_x, T) || !(t >= 0) || !std::isfinite(t))
    return kNaN;
  // lifetimes: P(alive) · (r+x)/(α+T) · (β+T)/(s−1) · [1 − ((β+T)/(β+T+t))^(s−1)]: the posterior
  // mean purchase rate times the expected alive time in (T, T+t]. Written as P(alive) times the
  // alive factor so that batch scoring can reuse the factor per (x, T) with the same bits.
  const double alive = CustomerTerms(p, x, t_x, T).p_alive;
  return alive * ParetoNbdExpectedPurchasesIfAlive(p, t, x, T);
}

double ParetoNbdExpectedPurchasesIfAlive(const ParetoNbdParams& p, double t, double x, double T) {
  if (!ValidParams(p) || !ValidCustomer(x, 0, T) || !(t >= 0) || !std::isfinite(t)) return kNaN;
  return (p.r + x) / (p.alpha + T) * (p.beta + T) * SurvivalIntegralFactor(p.s, p.beta + T, t);
}

double ParetoNbdProbabilityOfPurchases(const ParetoNbdParams& p, int n, double t, double x,
                                       double t_x, double T) {
  if (!ValidParams(p) || !ValidCustomer(x, t_x, T) || n < 0 || !(t >= 0) || !std::isfinite(t))
    return kNaN;
  const double alive = CustomerTerms(p, x, t_x, T).p_alive;
  const double future = NewCustomerPmf(p.r + x, p.alpha + T, p.s, p.beta + T, n, t);
  return (n == 0 ? 1 - alive : 0.0) + alive * future;
}

double ParetoNbdProbabilityOfPurchasesNewCustomer(const ParetoNbdParams& p, int n, double t) {
  if (!ValidParams(p) || n < 0 || !(t >= 0) || !std::isfinite(t)) return kNaN;
  return NewCustomerPmf(p.r, p.alpha, p.s, p.beta, n, t);
}

double ParetoNbdExpectedPurchasesNewCustomer(const ParetoNbdParams& p, double t) {
  if (!ValidParams(p) || !(t >= 0) || !std::isfinite(t)) return kNaN;
  return p.r / p.alpha * p.beta * SurvivalIntegralFactor(p.s, p.beta, t);
}

ParetoNbdObjective::ParetoNbdObjective(const RfmData& data) {
  // Merge identical (x, t_x, T) rows with Compress (engine/data/rfm.h: a radix sort of packed
  // keys for period-level data, weights summed in row order), then order the merged rows by
  // (x, T, t_x), the order the pair tables below are built in.
  const RfmData merged = Compress(data);
  struct Key {
    double x, T, t_x, w;
    bool operator<(const Key& o) const {
      if (x != o.x) return x < o.x;
      if (T != o.T) return T < o.T;
      return t_x < o.t_x;
    }
  };
  std::vector<Key> keys_sorted(merged.size());
  for (std::size_t i = 0; i < merged.size(); ++i)
    keys_sorted[i] = {merged.frequency[i], merged.age[i], merged.recency[i], merged.weight[i]};
  // Merged rows are distinct, so the order is total and the result is deterministic.
  std::sort(keys_sorted.begin(), keys_sorted.end());
  std::vector<double> rx, rt, rT;
  rx.reserve(keys_sorted.size());
  rt.reserve(keys_sorted.size());
  rT.reserve(keys_sorted.size());
  row_weight_.reserve(keys_sorted.size());
  for (const Key& key : keys_sorted) {
    total_weight_ += key.w;
    weighted_frequency_ += key.w * key.x;
    rx.push_back(key.x);
    rt.push_back(key.t_x);
    rT.push_back(key.T);
    row_weight_.push_back(key.w);
  }
  keys_sorted = {};
  // Distinct x and y values, and the distinct (x, y) pairs the rows need.
  xs_ = rx;
  xs_.erase(std::unique(xs_.begin(), xs_.end()), xs_.end());  // rx is sorted by x
  ys_ = rt;
  ys_.insert(ys_.end(), rT.begin(), rT.end());
  std::sort(ys_.begin(), ys_.end());
  ys_.erase(std::unique(ys_.begin(), ys_.end()), ys_.end());
  auto index_of = [](const std::vector<double>& v, double key) {
    return static_cast<std::uint32_t>(std::lower_bound(v.begin(), v.end(), key) - v.begin());
  };
  const std::size_t m = rx.size();
  const std::uint64_t ny = ys_.size();
  row_x_.resize(m);
  row_T_.resize(m);
  row_tx_eq_T_.resize(m);
  std::vector<std::uint64_t> keys;
  keys.reserve(2 * m);
  std::vector<std::uint32_t> row_tx(m);
  for (std::size_t k = 0; k < m; ++k) {
    row_x_[k] = index_of(xs_, rx[k]);
    row_tx[k] = index_of(ys_, rt[k]);
    row_T_[k] = index_of(ys_, rT[k]);
    row_tx_eq_T_[k] = rt[k] == rT[k];
    if (!row_tx_eq_T_[k]) {
      keys.push_back(row_x_[k] * ny + row_tx[k]);
      keys.push_back(row_x_[k] * ny + row_T_[k]);
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  pair_x_.resize(keys.size());
  pair_y_.resize(keys.size());
  for (std::size_t k = 0; k < keys.size(); ++k) {
    pair_x_[k] = static_cast<std::uint32_t>(keys[k] / ny);
    pair_y_[k] = static_cast<std::uint32_t>(keys[k] % ny);
  }
  row_pair_tx_.assign(m, 0);
  row_pair_T_.assign(m, 0);
  for (std::size_t k = 0; k < m; ++k) {
    if (row_tx_eq_T_[k]) continue;
    auto find = [&](std::uint64_t key) {
      return static_cast<std::uint32_t>(std::lower_bound(keys.begin(), keys.end(), key) -
                                        keys.begin());
    };
    row_pair_tx_[k] = find(row_x_[k] * ny + row_tx[k]);
    row_pair_T_[k] = find(row_x_[k] * ny + row_T_[k]);
  }
}

double ParetoNbdObjective::operator()(std::span<const double> theta,
                                      std::span<double> grad) const {
  const ParetoNbdParams p{std::exp(theta[0]), std::exp(theta[1]), std::exp(theta[2]),
                          std::exp(theta[3])};
  if (!ValidParams(p)) return kNaN;
  const bool want_grad = !grad.empty();
  const std::size_t ny = ys_.size(), nx = xs_.size(), np = pair_x_.size();
  // Terms that depend on y only, on x only, and on (x, y) pairs; each entry is written by one
  // iteration, so the parallel loops are deterministic.
  std::vector<double> log_ay(ny), log_by(ny);
  for (std::size_t k = 0; k < ny; ++k) {
    log_ay[k] = std::log(p.alpha + ys_[k]);
    log_by[k] = std::log(p.beta + ys_[k]);
  }
  std::vector<double> lg(nx), dg(nx);
  const double lg_r = special::LogGamma(p.r), dg_r = want_grad ? special::Digamma(p.r) : 0.0;
  for (std::size_t k = 0; k < nx; ++k) {
    lg[k] = special::LogGamma(p.r + xs_[k]) - lg_r;
    dg[k] = want_grad ? special::Digamma(p.r + xs_[k]) - dg_r : 0.0;
  }
  std::vector<LogIntegral> pairs(np);
#pragma omp parallel for schedule(dynamic, 64) if (np > 256)
  for (std::size_t k = 0; k < np; ++k) {
    const std::uint32_t iy = pair_y_[k];
    pairs[k] = LogTailIntegral(p.r, p.alpha, p.s, p.beta, xs_[pair_x_[k]], ys_[iy], log_ay[iy],
                               log_by[iy]);
  }
  const std::size_t dim = want_grad ? 5 : 1;
  const ParamLogs logs(p);
  std::array<double, 5> totals{};
  DeterministicSum(row_x_.size(), dim, std::span<double>(totals.data(), dim),
                   [&](std::size_t i, double* acc) {
                     const std::uint32_t ix = row_x_[i], iT = row_T_[i];
                     double g[4];
                     const bool eq = row_tx_eq_T_[i] != 0;
                     const RowTerms t = CombineRow(
                         p, logs, xs_[ix], ys_[iT], lg[ix], dg[ix], log_ay[iT], log_by[iT],
                         eq ? nullptr : &pairs[row_pair_tx_[i]],
                         eq ? nullptr : &pairs[row_pair_T_[i]], eq, want_grad ? g : nullptr);
                     const double w = row_weight_[i];
                     acc[0] -= w * t.ll;
                     if (want_grad)
                       for (int k = 0; k < 4; ++k) acc[k + 1] -= w * g[k];
                   });
  if (want_grad) {
    const double natural[4] = {p.r, p.alpha, p.s, p.beta};
    for (int k = 0; k < 4; ++k) grad[k] = totals[k + 1] * natural[k];  // d/d log(param)
  }
  return totals[0];
}

Result<MleResult> FitParetoNbd(const RfmData& data, const FitOptions& options) {
  CLV_RETURN_IF_ERROR(ValidateRfm(data));
  if (!options.initial_params.empty() && options.initial_params.size() != 4)
    return InvalidArgument("a Pareto/NBD warm start needs 4 parameters (r, alpha, s, beta)");
  // Rescale time so that alpha and beta are O(1) for the optimiser: with τ' = τ / c the
  // likelihood keeps its form with α' = α / c, β' = β / c, and L = L' / c^x (x purchase-time
  // densities), hence the log-likelihood offset −log(c)·Σ w·x.
  double max_age = 0;
  for (double T : data.age) max_age = std::max(max_age, T);
  const double c = max_age > 0 ? max_age / 10 : 1.0;
  RfmData scaled;
  scaled.frequency = data.frequency;
  scaled.weight = data.weight;
  scaled.recency.resize(data.size());
  scaled.age.resize(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    scaled.recency[i] = data.recency[i] / c;
    scaled.age[i] = data.age[i] / c;
  }
  auto objective = std::make_shared<ParetoNbdObjective>(scaled);

  MleProblem problem;
  problem.names = {"r", "alpha", "s", "beta"};
  problem.objective = [objective](std::span<const double> theta, std::span<double> grad) {
    return (*objective)(theta, grad);
  };
  problem.starts = {{0.5, 1.0, 0.5, 1.0}, {1.0, 1.0, 1.0, 1.0}, {0.1, 0.1, 0.1, 0.1},
                    {2.0, 5.0, 0.3, 5.0}};
  problem.num_observations = objective->total_weight();
  problem.log_likelihood_offset = -std::log(c) * objective->weighted_frequency();
  problem.require_nonpositive_log_likelihood = false;

  FitOptions scaled_options = options;
  if (!options.initial_params.empty()) {
    scaled_options.initial_params[1] /= c;
    scaled_options.initial_params[3] /= c;
  }
  MleResult r = MaximizeLikelihood(problem, scaled_options);
  // Back to the data's time unit: alpha and beta (indices 1, 3) scale by c.
  const double factor[4] = {1.0, c, 1.0, c};
  for (int i = 0; i < 4; ++i) {
    r.params[i] *= factor[i];
    r.standard_errors[i] *= factor[i];
    r.ci_lower[i] *= factor[i];
    r.ci_upper[i] *= factor[i];
    for (int j = 0; j < 4; ++j) r.covariance[i * 4 + j] *= factor[i] * factor[j];
  }
  // Data in which nobody seems to leave (e.g. every customer buying as a Poisson process to the
  // end) put the maximum on the boundary μ = 0: the likelihood keeps rising as the mean dropout
  // rate s/β goes to 0, where Pareto/NBD becomes the NBD model, s and β are no longer
  // identified and the Hessian is singular. Say so instead of the generic verdict: the fit did
  // not fail, the data have no dropout for the model to measure.
  const double dropouts_over_span = r.params[2] / r.params[3] * max_age;
  if (!r.report.converged && objective->weighted_frequency() > 0 && dropouts_over_span < 1e-6) {
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "no sign of dropout in the data: the likelihood keeps rising as the dropout "
                  "rate goes to 0 (s = %.3g, beta = %.3g: mean rate s/beta = %.3g per time unit), "
                  "where Pareto/NBD becomes the NBD model and s, beta are not identified",
                  r.params[2], r.params[3], r.params[2] / r.params[3]);
    r.report.message = buf;
  }
  return r;
}

Result<std::unique_ptr<PurchaseModel>> MakeParetoNbdModel(std::span<const double> params) {
  if (params.size() != 4)
    return InvalidArgument("Pareto/NBD needs 4 parameters (r, alpha, s, beta)");
  const ParetoNbdParams p{params[0], params[1], params[2], params[3]};
  CLV_RETURN_IF_ERROR(ValidateParetoNbdParams(p));
  return std::unique_ptr<PurchaseModel>(std::make_unique<ParetoNbdModel>(p));
}

}  // namespace clv::engine
