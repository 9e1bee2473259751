// BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way") and its
// modification MBG/NBD (Batislam, Denizel & Filiztekin 2007), which share one implementation:
// they differ only in whether a customer can drop out right after the first purchase.
//
// Symbols (engine/data/rfm.h): x = repeat purchases, t_x = recency, T = age, t = horizon, in the
// time unit of the data. Parameters: purchase rate λ ~ Gamma(r, rate α) while alive; drop-out
// probability after a purchase p ~ Beta(a, b).
//   BG/NBD:  drop-out is possible after each *repeat* purchase;
//   MBG/NBD: also right after the first purchase (time 0); formulas as in lifetimes'
//            ModifiedBetaGeoFitter (lifetimes 0.11.3), which is our reference definition.
//
// Every conditional prediction follows from the posterior of an *alive* customer:
//   λ | alive ~ Gamma(r + x, α + T),   p | alive ~ Beta(a, b + x + s)   (s = 0 BG, 1 MBG),
// and from P(alive) (the Bayes factor of "alive at T" against "dropped after the last
// purchase"). That gives the papers' 2F1 expressions; see bg_nbd.cc for how they are evaluated.
//
// Thread safety: BetaGeoModel is immutable; every function here is pure.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engine/data/rfm.h"
#include "engine/models/purchase_model.h"
#include "engine/optim/mle.h"

namespace clv::engine {

enum class BetaGeoVariant { kBgNbd, kMbgNbd };

struct BetaGeoParams {
  double r = 1, alpha = 1, a = 1, b = 1;
};

// InvalidArgument unless every parameter is finite and positive.
Status ValidateBetaGeoParams(const BetaGeoParams& params);

// Log-likelihood of one customer, FHL (2005) eq. (6) / lifetimes' MBG likelihood, combined in
// log space so that neither term underflows for large x or T.
double BetaGeoLogLikelihood(BetaGeoVariant variant, const BetaGeoParams& params, double x,
                            double t_x, double T);

// Total weighted log-likelihood of validated data, computed by the same fast path the fit uses
// (compression, per-x and per-time tables, deterministic parallel sum). InvalidArgument for bad
// data or parameters.
Result<double> BetaGeoTotalLogLikelihood(BetaGeoVariant variant, const BetaGeoParams& params,
                                         const RfmData& data);

class BetaGeoModel final : public PurchaseModel {
 public:
  BetaGeoModel(BetaGeoVariant variant, const BetaGeoParams& params);

  BetaGeoVariant variant() const { return variant_; }
  const BetaGeoParams& beta_geo_params() const { return params_; }

  std::string_view name() const override;
  std::vector<std::string> param_names() const override;  // r, alpha, a, b
  std::vector<double> params() const override;

  double LogLikelihood(double x, double t_x, double T) const override;
  // Conditional expected purchases in (T, T + t]: lifetimes'
  // conditional_expected_number_of_purchases_up_to_time.
  double ExpectedPurchases(double t, double x, double t_x, double T) const override;
  double ProbabilityAlive(double x, double t_x, double T) const override;
  // log(a) − log(b + x − 1 + s) and log(α + t_x) are taken once per run of rows with equal
  // (x, t_x): one log per row instead of three on a P(alive) curve.
  void ProbabilityAliveRows(std::span<const double> x, std::span<const double> t_x,
                            std::span<const double> T, std::span<double> out) const override;
  // Expected purchases in (T, T + t] of a customer known to be alive at T. It depends on (x, T)
  // only, and ExpectedPurchases(t, x, t_x, T) == ProbabilityAlive(x, t_x, T) * this, bit for
  // bit, so batch scoring (engine/analytics/clv.h) evaluates the costly 2F1 series once per
  // distinct (x, T) instead of once per customer.
  double ExpectedPurchasesIfAlive(double t, double x, double T) const override;
  // P(X(T, T + t] = n | history) = (1 − P(alive)) [n = 0] + P(alive) · P_fresh(n), where
  // P_fresh is FHL (2005) eq. (8) evaluated at the alive posterior (r + x, α + T, a, b + x + s):
  // an alive customer restarts the process (Poisson purchases, drop-out only after purchases).
  // At x = t_x = T = 0 this is the unconditional probability (lifetimes'
  // probability_of_n_purchases_up_to_time) for BG/NBD. Returns 0 for n < 0.
  double ProbabilityOfPurchases(int n, double t, double x, double t_x, double T) const override;
  // lifetimes' expected_number_of_purchases_up_to_time (= the conditional value at x=t_x=T=0).
  double ExpectedPurchasesNewCustomer(double t) const override;

  // Expected waiting time from T to the next purchase *given the customer is alive*:
  // E[1/λ | alive] = (α + T) / (r + x − 1); +infinity when r + x <= 1 (the posterior mean of
  // 1/λ does not exist). Multiply nothing by P(alive): a dead customer never buys again, so
  // report it next to ProbabilityAlive.
  double ExpectedTimeToNextPurchase(double x, double t_x, double T) const;
  // Median of that waiting time given alive: the posterior predictive survival is
  // ((α + T) / (α + T + w))^(r + x), so the median is (α + T)(2^(1/(r+x)) − 1). Always finite.
  double MedianTimeToNextPurchase(double x, double t_x, double T) const;

 private:
  BetaGeoVariant variant_;
  BetaGeoParams params_;
};

struct BetaGeoFit {
  BetaGeoModel model;
  MleResult mle;  // r, alpha, a, b in the data's time unit
};

// Maximum-likelihood fit. The data are compressed (identical rows weighted) and time is divided
// by max(T) so that α is O(1) for the optimiser; α, its standard error and CI are mapped back
// and the log-likelihood is reported in the data's unit. options.l2_penalty applies to the
// parameters on that rescaled time axis (lifetimes applies its penalizer to the parameters it
// optimises, too); options.initial_params is in the data's unit. InvalidArgument for bad data.
// A stationary point that is not a strict maximum (Hessian not positive definite, e.g. data in
// which nobody repeats) is reported with mle.report.converged = false.
Result<BetaGeoFit> FitBetaGeo(BetaGeoVariant variant, const RfmData& data,
                              const FitOptions& options);

}  // namespace clv::engine
