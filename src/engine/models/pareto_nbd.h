// Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), as implemented in Fader, Hardie &
// Lee (2005), "A Note on Implementing the Pareto/NBD Model in MATLAB".
//
// Symbols (engine/models/ only): x = frequency (repeat purchases), t_x = recency, T = age, all
// in the unit of the data (engine/data/rfm.h); t = a forecast horizon in the same unit.
// Parameters: purchase rate λ ~ Gamma(shape r, rate alpha); dropout rate μ ~ Gamma(shape s,
// rate beta). alpha and beta carry the time unit (they scale with it); r and s do not.
//
// Every function here is pure and thread-safe. Per-customer functions take the parameters as
// given and return NaN when an argument is outside its domain (negative or non-finite values,
// t_x > T, non-integer x, non-positive parameters); the batch functions and the fit validate
// and answer InvalidArgument instead.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/status.h"
#include "engine/data/rfm.h"
#include "engine/models/purchase_model.h"
#include "engine/optim/mle.h"

namespace clv::engine {

struct ParetoNbdParams {
  double r = 0;
  double alpha = 0;
  double s = 0;
  double beta = 0;
};

// InvalidArgument unless every parameter is finite and > 0.
Status ValidateParetoNbdParams(const ParetoNbdParams& p);

// Log-likelihood of one customer (FHL 2005 eq. 1-3, computed in log space; see the .cc).
double ParetoNbdLogLikelihood(const ParetoNbdParams& p, double x, double t_x, double T);

// Weighted sum of the per-customer log-likelihoods over `data`. InvalidArgument for bad data
// or parameters.
Result<double> ParetoNbdTotalLogLikelihood(const ParetoNbdParams& p, const RfmData& data);

// P(alive at T | x, t_x, T); lifetimes' ParetoNBDFitter.conditional_probability_alive.
double ParetoNbdProbabilityAlive(const ParetoNbdParams& p, double x, double t_x, double T);

// E[purchases in (T, T + t] | x, t_x, T); lifetimes'
// conditional_expected_number_of_purchases_up_to_time. Continuous in s at s = 1.
double ParetoNbdExpectedPurchases(const ParetoNbdParams& p, double t, double x, double t_x,
                                  double T);

// E[purchases in (T, T + t] | alive at T, x, T]: the posterior mean rate (r+x)/(alpha+T) times the
// expected alive time in (T, T + t]. ParetoNbdExpectedPurchases is ParetoNbdProbabilityAlive
// times this, bit for bit. NaN outside the domain.
double ParetoNbdExpectedPurchasesIfAlive(const ParetoNbdParams& p, double t, double x, double T);

// P(exactly n purchases in (T, T + t] | x, t_x, T), n >= 0. Derivation (documented in the .cc):
// given alive at T the posterior is λ ~ Gamma(r + x, alpha + T), μ ~ Gamma(s, beta + T), and
// the future is a fresh Pareto/NBD, so this equals (1 - P(alive))·[n = 0] +
// P(alive)·P_new(n, t; r + x, alpha + T, s, beta + T), with P_new the unconditional pmf of
// Fader & Hardie (2006), "Deriving an expression for P(X(t) = x) under the Pareto/NBD model",
// evaluated by adaptive Gauss-Kronrod quadrature of its dropout-time integral.
double ParetoNbdProbabilityOfPurchases(const ParetoNbdParams& p, int n, double t, double x,
                                       double t_x, double T);

// P(X(t) = n) for a customer who has just made a first purchase (Fader & Hardie 2006).
double ParetoNbdProbabilityOfPurchasesNewCustomer(const ParetoNbdParams& p, int n, double t);

// E[X(t)] for a new customer: r·beta / (alpha·(s − 1)) · [1 − (beta / (beta + t))^(s − 1)].
double ParetoNbdExpectedPurchasesNewCustomer(const ParetoNbdParams& p, double t);

// The fit's objective: total weighted negative log-likelihood of `data` at
// theta = log(r, alpha, s, beta), with the analytic gradient w.r.t. theta. Built once per data
// set: rows with identical (x, t_x, T) are merged, and the hypergeometric terms, which depend
// only on (x, t_x) and (x, T), are evaluated once per distinct pair per call. Deterministic:
// bit-identical results for any OpenMP thread count. `data` must pass validation (the fit
// checks it); the object keeps its own copy of what it needs.
class ParetoNbdObjective {
 public:
  explicit ParetoNbdObjective(const RfmData& data);
  double operator()(std::span<const double> theta, std::span<double> grad) const;

  std::size_t num_rows() const { return row_x_.size(); }     // after merging
  std::size_t num_pairs() const { return pair_x_.size(); }   // distinct (x, y) pairs
  double total_weight() const { return total_weight_; }
  double weighted_frequency() const { return weighted_frequency_; }

 private:
  std::vector<double> xs_, ys_;             // distinct x values, distinct t_x or T values
  std::vector<std::uint32_t> pair_x_, pair_y_;  // indices into xs_, ys_
  std::vector<std::uint32_t> row_x_, row_T_, row_pair_tx_, row_pair_T_;
  std::vector<unsigned char> row_tx_eq_T_;
  std::vector<double> row_weight_;
  double total_weight_ = 0;
  double weighted_frequency_ = 0;
};

// Maximum-likelihood fit (engine/optim/mle.h). Times are divided by a scale (a tenth of the
// largest age) for the optimiser so that alpha and beta are O(1); everything returned is on the
// data's time scale again (params, standard errors, intervals, covariance, log-likelihood).
// Parameters in the order r, alpha, s, beta. options.initial_params (a warm start) is on the
// data's scale. Note: the L2 penalty acts on the rescaled parameters. InvalidArgument for bad
// data or a warm start of the wrong size.
Result<MleResult> FitParetoNbd(const RfmData& data, const FitOptions& options);

// The PurchaseModel face ("pnbd"; params r, alpha, s, beta). InvalidArgument for a wrong count
// or a non-positive or non-finite value.
Result<std::unique_ptr<PurchaseModel>> MakeParetoNbdModel(std::span<const double> params);

}  // namespace clv::engine
