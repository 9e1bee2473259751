#include "engine/analytics/clv.h"

#include <cmath>
#include <limits>
#include <string>

#include "engine/data/group_rows.h"
#include "engine/models/bg_nbd.h"

namespace clv::engine {

Status ValidateClvOptions(const ClvOptions& o) {
  if (o.months < 0 || o.months > 1200) return InvalidArgument("months must be in [0, 1200]");
  if (!std::isfinite(o.discount_rate_monthly) || o.discount_rate_monthly <= -1) {
    return InvalidArgument("the monthly discount rate must be finite and greater than -1");
  }
  if (!(o.periods_per_month > 0) || !std::isfinite(o.periods_per_month)) {
    return InvalidArgument("periods_per_month must be positive");
  }
  if (!std::isfinite(o.margin)) return InvalidArgument("margin must be finite");
  return Status::Ok();
}

namespace {

// Σ_i (E[X(i f)] − E[X((i−1) f)]) / (1 + d)^i: the purchase part of the CLV, which depends only
// on (x, t_x, T), so batch scoring computes it once per distinct history.
double DiscountedPurchases(const PurchaseModel& model, double x, double t_x, double T,
                           const ClvOptions& o) {
  double total = 0, previous = 0;
  for (int step = 1; step <= o.months; ++step) {
    // lifetimes evaluates at i = step · factor and discounts by (1 + d)^(i / factor).
    const double t = step * o.periods_per_month;
    const double current = model.ExpectedPurchases(t, x, t_x, T);
    total += (current - previous) / std::pow(1 + o.discount_rate_monthly, t / o.periods_per_month);
    previous = current;
  }
  return total;
}

// BG/NBD and MBG/NBD factor as E[X(t) | x, t_x, T] = P(alive | x, t_x, T) · E[X(t) | alive, x, T],
// and the second factor (the 2F1 series, nearly all of the scoring time) depends on (x, T) only:
// a day-level cohort of a million customers has ~1.8e5 distinct (x, t_x, T) but only ~6.5e3
// distinct (x, T) (bench/engine_bench.cc). So the series run once per (x, T) pair and each history multiplies by its
// P(alive). Expected purchases stay bit-identical to BetaGeoModel::ExpectedPurchases; the
// discounted sum Σ (E_i − E_(i−1)) / (1 + d)^i becomes P(alive) · Σ (Q_i − Q_(i−1)) / (1 + d)^i,
// equal up to rounding (~1e-16 relative).
void ScoreBetaGeoGroups(const BetaGeoModel& model, const RfmData& data,
                        const std::vector<std::size_t>& representative, double horizon,
                        bool with_clv, const ClvOptions& o, std::vector<double>& g_alive,
                        std::vector<double>& g_expected, std::vector<double>& g_discounted) {
  const std::size_t groups = representative.size();
  RfmData pair_keys;  // (x, 0, T) per history, grouped by the same hash grouping as the rows
  pair_keys.frequency.resize(groups);
  pair_keys.recency.assign(groups, 0.0);
  pair_keys.age.resize(groups);
  for (std::size_t g = 0; g < groups; ++g) {
    pair_keys.frequency[g] = data.frequency[representative[g]];
    pair_keys.age[g] = data.age[representative[g]];
  }
  const RowGroups pairs = GroupIdenticalRows(pair_keys);
  const std::size_t num_pairs = pairs.first_row.size();
  // The same discount factors as DiscountedPurchases, computed once.
  const int steps = with_clv ? o.months : 0;
  std::vector<double> discount(static_cast<std::size_t>(steps) + 1, 1.0);
  for (int step = 1; step <= steps; ++step) {
    const double t = step * o.periods_per_month;
    discount[static_cast<std::size_t>(step)] =
        std::pow(1 + o.discount_rate_monthly, t / o.periods_per_month);
  }
  std::vector<double> p_expected(num_pairs), p_discounted(num_pairs, 0.0);
  const auto n_pairs = static_cast<std::int64_t>(num_pairs);
#pragma omp parallel for schedule(dynamic, 16)
  for (std::int64_t k = 0; k < n_pairs; ++k) {
    const std::size_t row = pairs.first_row[static_cast<std::size_t>(k)];
    const double x = pair_keys.frequency[row], T = pair_keys.age[row];
    p_expected[k] = model.ExpectedPurchasesIfAlive(horizon, x, T);
    double total = 0, previous = 0;
    for (int step = 1; step <= steps; ++step) {
      const double current = model.ExpectedPurchasesIfAlive(step * o.periods_per_month, x, T);
      total += (current - previous) / discount[static_cast<std::size_t>(step)];
      previous = current;
    }
    p_discounted[k] = total;
  }
  const auto num_groups = static_cast<std::int64_t>(groups);
#pragma omp parallel for schedule(static)
  for (std::int64_t g = 0; g < num_groups; ++g) {
    const std::size_t r = representative[static_cast<std::size_t>(g)];
    const auto k = static_cast<std::size_t>(pairs.group_of_row[static_cast<std::size_t>(g)]);
    const double alive = model.ProbabilityAlive(data.frequency[r], data.recency[r], data.age[r]);
    g_alive[g] = alive;
    g_expected[g] = alive * p_expected[k];
    g_discounted[g] = alive * p_discounted[k];
  }
}

}  // namespace

double CustomerLifetimeValue(const PurchaseModel& model, double spend, double x, double t_x,
                             double T, const ClvOptions& options) {
  return spend * options.margin * DiscountedPurchases(model, x, t_x, T, options);
}

Result<std::vector<double>> HistoricalClv(std::span<const std::int32_t> customer,
                                          std::span<const double> amount,
                                          std::int32_t num_customers, double margin) {
  if (customer.size() != amount.size()) {
    return InvalidArgument("customer and amount arrays differ in length");
  }
  if (num_customers < 0) return InvalidArgument("num_customers must not be negative");
  if (!std::isfinite(margin)) return InvalidArgument("margin must be finite");
  std::vector<double> out(static_cast<std::size_t>(num_customers), 0.0);
  for (std::size_t i = 0; i < customer.size(); ++i) {
    if (customer[i] < 0 || customer[i] >= num_customers) {
      return InvalidArgument("transaction " + std::to_string(i) + ": customer index out of range");
    }
    if (!std::isfinite(amount[i])) {
      return InvalidArgument("transaction " + std::to_string(i) + ": amount must be finite");
    }
    out[static_cast<std::size_t>(customer[i])] += amount[i];
  }
  for (double& v : out) v *= margin;
  return out;
}

Result<FormulaClv> ComputeFormulaClv(const FormulaClvInput& in) {
  for (double v : {in.revenue, in.orders, in.customers, in.repeat_customers,
                   in.periods_observed, in.gross_margin}) {
    if (!std::isfinite(v)) return InvalidArgument("formula CLV inputs must be finite");
  }
  if (!(in.orders > 0) || !(in.customers > 0) || !(in.periods_observed > 0)) {
    return InvalidArgument("orders, customers and periods observed must be positive");
  }
  if (in.repeat_customers < 0 || in.repeat_customers >= in.customers) {
    return InvalidArgument(
        "repeat customers must be in [0, customers): with no churn the lifespan is unbounded");
  }
  FormulaClv f;
  f.average_order_value = in.revenue / in.orders;
  f.purchase_frequency = in.orders / in.customers / in.periods_observed;
  f.churn_rate = 1 - in.repeat_customers / in.customers;
  f.lifespan_periods = in.periods_observed / f.churn_rate;
  f.clv = f.average_order_value * f.purchase_frequency * in.gross_margin * f.lifespan_periods;
  return f;
}

Result<CustomerScores> ScoreCustomers(const PurchaseModel& model, const GammaGammaParams* spend,
                                      const RfmData& data, double horizon,
                                      const ClvOptions& options) {
  CLV_RETURN_IF_ERROR(ValidateRfm(data));
  CLV_RETURN_IF_ERROR(ValidateClvOptions(options));
  if (!(horizon >= 0) || !std::isfinite(horizon)) {
    return InvalidArgument("the horizon must be finite and not negative");
  }
  if (spend) {
    CLV_RETURN_IF_ERROR(ValidateGammaGammaParams(*spend));
    if (data.monetary.size() != data.size()) {
      return InvalidArgument("scoring CLV needs monetary values");
    }
  }
  const std::size_t n = data.size();

  // Distinct histories: customers share (x, t_x, T) massively (day-level data of a million
  // customers has ~1e5 distinct rows), and everything but the spend depends on those only.
  const RowGroups row_groups = GroupIdenticalRows(data);
  const std::vector<std::int32_t>& group = row_groups.group_of_row;
  const std::vector<std::size_t>& representative = row_groups.first_row;
  const std::size_t groups = representative.size();
  std::vector<double> g_alive(groups), g_expected(groups), g_discounted(groups, 0.0);
  const auto num_groups = static_cast<std::int64_t>(groups);
  if (const auto* beta_geo = dynamic_cast<const BetaGeoModel*>(&model)) {
    ScoreBetaGeoGroups(*beta_geo, data, representative, horizon, spend != nullptr, options,
                       g_alive, g_expected, g_discounted);
  } else {
#pragma omp parallel for schedule(dynamic, 256)
    for (std::int64_t g = 0; g < num_groups; ++g) {
      const std::size_t r = representative[static_cast<std::size_t>(g)];
      const double x = data.frequency[r], t_x = data.recency[r], T = data.age[r];
      g_alive[g] = model.ProbabilityAlive(x, t_x, T);
      g_expected[g] = model.ExpectedPurchases(horizon, x, t_x, T);
      if (spend) g_discounted[g] = DiscountedPurchases(model, x, t_x, T, options);
    }
  }

  CustomerScores s;
  s.p_alive.resize(n);
  s.expected_purchases.resize(n);
  if (spend) {
    s.expected_spend.resize(n);
    s.clv.resize(n);
  }
  const auto num_rows = static_cast<std::int64_t>(n);
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < num_rows; ++i) {
    const std::size_t g = static_cast<std::size_t>(group[i]);
    s.p_alive[i] = g_alive[g];
    s.expected_purchases[i] = g_expected[g];
    if (spend) {
      const double m = data.monetary[i];
      const double e = GammaGammaExpectedSpend(*spend, data.frequency[i], m);
      s.expected_spend[i] = e;
      s.clv[i] = e * options.margin * g_discounted[g];
    }
  }
  return s;
}

}  // namespace clv::engine
