// The common face of the purchase-count models (BG/NBD, MBG/NBD, Pareto/NBD), so that callers
// (the CLI, the analytics service) can fit, compare and score them by name.
//
// Notation inside engine/models/: x = frequency, t_x = recency, T = age (engine/data/rfm.h),
// all in the unit of the data the model was fitted on; t = a forecast horizon in that unit.
// Implementations are immutable after construction and thread-safe.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engine/data/rfm.h"
#include "engine/optim/mle.h"

namespace clv::engine {

class PurchaseModel {
 public:
  virtual ~PurchaseModel() = default;

  virtual std::string_view name() const = 0;                 // "bgnbd", "mbgnbd", "pnbd"
  virtual std::vector<std::string> param_names() const = 0;  // the papers' names
  virtual std::vector<double> params() const = 0;

  // Log-likelihood of one customer's (x, t_x, T).
  virtual double LogLikelihood(double x, double t_x, double T) const = 0;
  // Expected number of purchases in (T, T + t] given the history (conditional expectation).
  virtual double ExpectedPurchases(double t, double x, double t_x, double T) const = 0;
  // P(the customer is still alive at T | history).
  virtual double ProbabilityAlive(double x, double t_x, double T) const = 0;
  // ProbabilityAlive(x[i], t_x[i], T[i]) into out[i] for every row (all four the same length),
  // bit for bit. A model may share the work of consecutive rows with equal (x, t_x) — a
  // customer's P(alive) curve is one such run per purchase; the default evaluates each row.
  virtual void ProbabilityAliveRows(std::span<const double> x, std::span<const double> t_x,
                                    std::span<const double> T, std::span<double> out) const;
  // Expected purchases in (T, T + t] of a customer known to be alive at T. Every model here
  // factors its conditional expectation as ExpectedPurchases(t, x, t_x, T) ==
  // ProbabilityAlive(x, t_x, T) * ExpectedPurchasesIfAlive(t, x, T), bit for bit, and this
  // factor depends on (x, T) only; batch scoring, forecasts and the calculation use that to
  // evaluate the costly part once per distinct (x, T) (engine/analytics/histories.h).
  virtual double ExpectedPurchasesIfAlive(double t, double x, double T) const = 0;
  // P(exactly n purchases in (T, T + t] | history).
  virtual double ProbabilityOfPurchases(int n, double t, double x, double t_x,
                                        double T) const = 0;
  // Expected purchases in (0, t] of a customer who has just made a first purchase.
  virtual double ExpectedPurchasesNewCustomer(double t) const = 0;
};

struct PurchaseFit {
  std::unique_ptr<PurchaseModel> model;
  MleResult mle;  // parameters in the order of model->param_names()
};

// Model names accepted below: "bgnbd", "mbgnbd", "pnbd".
bool IsPurchaseModel(std::string_view name);

// Fits the named model. InvalidArgument for bad data (ValidateRfm) or an unknown name. A fit
// that does not converge is still returned, with mle.report.converged = false.
Result<PurchaseFit> FitPurchaseModel(std::string_view name, const RfmData& data,
                                     const FitOptions& options);

// A model at given parameters (in param_names() order). InvalidArgument for a wrong count or a
// non-positive or non-finite value.
Result<std::unique_ptr<PurchaseModel>> MakePurchaseModel(std::string_view name,
                                                         std::span<const double> params);

}  // namespace clv::engine
