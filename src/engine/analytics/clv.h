// Customer lifetime value: predicted (model-based), historical and the merchant formula, plus
// batch scoring of every customer. Pure functions; parallel loops are deterministic (each
// customer's numbers are computed independently, and sums use engine/parallel.h).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "engine/data/rfm.h"
#include "engine/models/gamma_gamma.h"
#include "engine/models/purchase_model.h"

namespace clv::engine {

// How the purchase model's time unit relates to months, as in lifetimes'
// customer_lifetime_value: the number of model time units per month (its `factor`):
// 4.345 for weeks, 30 for days, 1 for months.
inline constexpr double kWeeksPerMonth = 4.345;
inline constexpr double kDaysPerMonth = 30.0;

struct ClvOptions {
  int months = 12;                   // horizon: number of monthly steps
  double discount_rate_monthly = 0.01;
  double periods_per_month = kWeeksPerMonth;  // model time units per month (lifetimes' factor)
  double margin = 1.0;               // gross margin applied to spend (lifetimes has none: 1)
};

// InvalidArgument for months < 0 or > 1200, a discount rate <= -1 or not finite,
// periods_per_month <= 0, or a margin not finite.
Status ValidateClvOptions(const ClvOptions& options);

// Discounted CLV of one customer, exactly lifetimes' _customer_lifetime_value:
//   Σ_{i=1..months} (E[X(i f)] − E[X((i−1) f)]) · spend · margin / (1 + d)^i,
// with f = periods_per_month, E[X(t)] = model.ExpectedPurchases(t, x, t_x, T) and spend the
// expected spend per purchase (GammaGammaExpectedSpend for repeat customers).
double CustomerLifetimeValue(const PurchaseModel& model, double spend, double x, double t_x,
                             double T, const ClvOptions& options);

// Historical CLV: net revenue to date per customer, Σ amount × margin over the customer's
// transactions (refunds are negative amounts). customer[i] in [0, num_customers).
// InvalidArgument for mismatched lengths, an index out of range or a non-finite amount.
Result<std::vector<double>> HistoricalClv(std::span<const std::int32_t> customer,
                                          std::span<const double> amount,
                                          std::int32_t num_customers, double margin);

// The merchant "formula CLV": average order value × purchase frequency per period × gross
// margin × expected lifespan in periods, with the estimates:
//   average order value = revenue / orders;
//   purchase frequency  = orders / customers / periods observed;
//   churn rate per observation window = 1 − repeat rate (the share of customers who bought
//     more than once) — the widely published retail rule of thumb;
//   expected lifespan = periods observed / churn rate (in periods).
// So CLV = revenue / customers × margin / churn. InvalidArgument for non-positive revenue
// counts, repeat customers outside [0, customers) (churn 0 would mean an infinite lifespan),
// or non-finite input.
struct FormulaClvInput {
  double revenue = 0;
  double orders = 0;
  double customers = 0;
  double repeat_customers = 0;
  double periods_observed = 0;  // length of the observation window, in periods
  double gross_margin = 1.0;
};
struct FormulaClv {
  double average_order_value = 0;
  double purchase_frequency = 0;  // orders per customer per period
  double churn_rate = 0;          // per observation window
  double lifespan_periods = 0;
  double clv = 0;
};
Result<FormulaClv> ComputeFormulaClv(const FormulaClvInput& input);

// Batch scoring: for every row of `data` (per customer; weights ignored),
//   p_alive, expected purchases in the next `horizon` (model time unit),
//   expected spend (Gamma-Gamma conditional mean; monetary must be present when `spend` is
//   given; customers with x = 0 get the population mean p γ / (q − 1)),
//   and CLV over options.months (0 when spend is null).
// Parallel over customers (OpenMP), results independent of the thread count.
struct CustomerScores {
  std::vector<double> p_alive;
  std::vector<double> expected_purchases;
  std::vector<double> expected_spend;  // empty when no spend model
  std::vector<double> clv;             // empty when no spend model
};
Result<CustomerScores> ScoreCustomers(const PurchaseModel& model, const GammaGammaParams* spend,
                                      const RfmData& data, double horizon,
                                      const ClvOptions& options);

}  // namespace clv::engine
