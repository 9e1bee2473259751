// Forecasts of repeat purchases by the existing customer base (GET /clv/forecast) and the
// population "tracking" curve of a cohort (Fader, Hardie & Lee 2005, figure 2).
//
// Time is in the purchase model's unit (the unit of the RfmData it was fitted on, e.g. weeks);
// a forecast period is `period_length` of those units (a month of a weekly model is
// 30.4375 / 7). Period k = 1..H covers (T_i + (k−1)·Δ, T_i + k·Δ] for each customer, where T_i
// is the customer's age at the as-of date, so the periods are calendar-aligned across
// customers: period 1 starts at the as-of date for everybody.
//
// Mean: E[N_k] = Σ_i w_i · (E_i(kΔ) − E_i((k−1)Δ)), E_i(t) = model.ExpectedPurchases(t, x_i,
// t_x_i, T_i), E_i(0) = 0; revenue = Σ_i w_i · spend_i · (same difference). So the per-period
// figures add up exactly (up to rounding) to the cumulative expectation Σ_i w_i E_i(HΔ).
//
// Band: a central `band_probability` interval (default 80%) from a normal approximation of the
// total, with each customer's count in a period treated as Poisson with its expected value
// (variance = mean; for revenue, variance = spend² · mean) and customers independent:
//   mean ± z · sqrt(Σ variances),  z = Φ⁻¹((1 + band_probability) / 2),  lower end clipped at 0.
// This is the process noise only: it ignores parameter uncertainty and the extra dispersion of
// the alive/dead and rate mixtures, so it understates the spread for small customer bases and
// long horizons; a later step may widen it with the fit's covariance. Its width grows with the
// sum of the variances (more or more valuable expected purchases → wider band).
//
// Pure; sums are deterministic for any thread count (engine/parallel.h).
#pragma once

#include <span>
#include <vector>

#include "core/status.h"
#include "engine/analytics/histories.h"
#include "engine/data/rfm.h"
#include "engine/models/purchase_model.h"

namespace clv::engine {

struct ForecastOptions {
  int horizon = 12;               // H, number of periods, 1..1200
  double period_length = 1;       // Δ, in the model's time unit, > 0
  double band_probability = 0.8;  // in (0, 1)
};

struct ForecastPeriod {
  int period = 0;  // 1..H
  double expected_purchases = 0;
  double purchases_lower = 0, purchases_upper = 0;
  double expected_revenue = 0;  // in the unit of spend (minor units); 0 without spend
  double revenue_lower = 0, revenue_upper = 0;
  double cumulative_purchases = 0;  // Σ of expected_purchases over periods 1..period
  double cumulative_revenue = 0;
};

struct RepeatForecast {
  std::vector<ForecastPeriod> periods;
  bool has_revenue = false;
  double z = 0;  // the normal quantile used for the band
};

// `spend` is the expected spend per purchase of each row (e.g. Gamma-Gamma's conditional
// expectation), in minor units; it may be empty (purchases only; revenue fields stay 0).
// InvalidArgument for invalid data (ValidateRfm), a spend span of another length or with a
// negative or non-finite value, or options out of range. Internal if the model returns a
// non-finite expectation.
// Evaluated per distinct history and (x, T) pair (engine/analytics/histories.h); the same
// numbers as summing model.ExpectedPurchases row by row.
Result<RepeatForecast> ForecastRepeatPurchases(const PurchaseModel& model, const RfmData& data,
                                               std::span<const double> spend,
                                               const ForecastOptions& options);
// The same with `index` = IndexHistories(data), built by a caller that reuses it (InvalidArgument
// when it does not have one entry per row).
Result<RepeatForecast> ForecastRepeatPurchases(const PurchaseModel& model, const RfmData& data,
                                               const HistoryIndex& index,
                                               std::span<const double> spend,
                                               const ForecastOptions& options);

// The backtest of a forecast (GET /clv/forecast's "how did this forecast do on the holdout"):
// a forecast made at the calibration end, against the purchases that actually happened in each
// of its periods (same order, one value per forecast period).
struct ForecastCheck {
  double total_expected = 0;
  double total_actual = 0;
  double mean_absolute_error = 0;  // per period, in purchases
  // Mean of |expected − actual| / actual over the periods with actual > 0; 0 when none has.
  double mean_absolute_percentage_error = 0;
  double band_coverage = 0;  // share of periods whose actual lies in [lower, upper]
};

// InvalidArgument when the counts differ from the forecast's periods in number, or a count is
// negative or not finite.
Result<ForecastCheck> CheckForecast(const RepeatForecast& forecast,
                                    std::span<const double> actual_purchases);

// The tracking curve: expected cumulative repeat purchases at each time in `at_time` of a cohort
// whose members made their first purchases at `acquisition_time` (both in the model's time
// unit on one axis, e.g. weeks since the cohort window opened):
//   C(t) = Σ_i w_i · E[X(t − a_i)] for a_i < t (0 otherwise),
// with E[X(s)] = model.ExpectedPurchasesNewCustomer(s). Group customers acquired at the same
// time (e.g. per day) and pass the group sizes as `weight` (may be empty: 1 each) — the cost is
// |acquisition_time| × |at_time| model evaluations. InvalidArgument for mismatched or empty
// spans, non-finite times, or non-positive weights.
Result<std::vector<double>> ExpectedCumulativeRepeatPurchases(
    const PurchaseModel& model, std::span<const double> acquisition_time,
    std::span<const double> weight, std::span<const double> at_time);

}  // namespace clv::engine
