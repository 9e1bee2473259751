// The stored form of a calculation: the ModelFitRecord's typed fields, its report_json (what
// GET /clv/model and GET /clv/forecast show) and the scores, and the "scoring spec" inside the
// report that lets service/scoring.h rescore single customers later without refitting.
//
// report_json (version 1), snake_case, non-finite numbers as null:
//   {"version": 1,
//    "request": {...the canonical request (service/clv_job.h)...},
//    "input": {customers, repeat_customers, purchases, net_revenue_minor, rows, orders, refunds,
//              refunded_minor, orders_fully_refunded, unmatched_refund_minor,
//              customers_without_purchases, first_purchase_day, calibration_end_day, as_of_day,
//              holdout_periods},
//    "chosen_model": "pnbd", "spend_model": "gamma_gamma",
//    "models": [{model, param_names, candidate, chosen,
//                calibration: FIT, full: FIT | null, full_skipped: string | null (why the
//                full-period fit was not run: its calibration fit did not converge),
//                backtest: {metrics: {customers, total_predicted, total_actual, mae, rmse,
//                                     correlation},
//                           buckets: [{frequency, and_more, customers, mean_predicted,
//                                      mean_actual}]} | null}],
//       FIT = {params: {name: value}, standard_errors, ci_lower, ci_upper (95%, same keys),
//              log_likelihood, converged, message, iterations, aic, bic, wall_ms}
//    "gamma_gamma": FIT + {customers_used, frequency_monetary_correlation} | null,
//    "frequency_recency_matrix": {metric: "probability_alive", age, frequencies, recencies,
//                                 values (row-major, frequencies × recencies)} | null,
//    "forecast": {period: "month", period_days: 30.4375, has_revenue, periods: [{period,
//                 expected_purchases, purchases_lower, purchases_upper, expected_revenue_minor,
//                 revenue_lower_minor, revenue_upper_minor}]},   80% bands
//    "holdout_forecast": {start_day, periods: [{period, expected_purchases, purchases_lower,
//                         purchases_upper, actual_purchases}], check: {total_expected,
//                         total_actual, mean_absolute_error, mean_absolute_percentage_error,
//                         band_coverage}} | null,
//    "segments": [{key, name, customers, revenue_minor, mean_predicted_clv_minor}],
//    "clv_tiers": [...same...],
//    "churn": {low, medium, high (customers), value_at_risk_minor, expected_alive,
//              one_time_buyers, one_time_buyer_p_alive_source},
//    "predicted_clv_total_minor",
//    "scoring": SPEC (below),
//    "timings": [{stage, wall_ms}], "total_ms"}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/analytics/clv.h"
#include "engine/data/transactions.h"
#include "engine/models/gamma_gamma.h"
#include "service/calculation.h"
#include "service/calculation_input.h"
#include "service/clv_job.h"
#include "storage/store.h"

namespace clv::service {

// Everything needed to score a customer under a stored fit exactly as the calculation did
// (service/calculation.cc step 4), plus the population thresholds of the rank-based scores:
//  - RFM: for each dimension and k = 2..5, the least value (recency: the most days since the
//    last order) that scored k or more in the fit's population; a customer scores 1 + the
//    number of thresholds reached. On the fit's own customers this reproduces their scores
//    exactly (the mid-rank score is monotone in the value); a new value is placed among the
//    fit's population, so segments stay comparable until the next refit.
//  - CLV tiers: the least predicted CLV in top_1, top_10, top_50 (absent when the tier is
//    empty); a customer at or above a threshold is in that tier.
struct ScoringSpec {
  std::string model;                      // "bgnbd" | "mbgnbd" | "pnbd"
  std::vector<double> params;
  std::optional<std::vector<double>> one_time_buyer_mbgnbd;  // BG/NBD's x = 0 correction
  std::string spend_model;                // "gamma_gamma" | "customer_mean"
  std::optional<engine::GammaGammaParams> gamma_gamma;       // when spend_model = gamma_gamma
  std::vector<double> purchase_log_cov;   // k×k, empty when not available
  std::vector<double> spend_log_cov;      // 3×3, empty when not available
  engine::ClvOptions clv;
  double horizon_periods = 0;             // resolved (never 0)
  engine::Period period = engine::Period::kWeek;
  Resolution resolution = Resolution::kDay;
  double high_risk_below = 0.3, low_risk_from = 0.7;
  std::vector<std::int64_t> rfm_recency_days;  // 4 values, k = 2..5: days <= value
  std::vector<std::int64_t> rfm_orders;        // 4 values: orders >= value
  std::vector<std::int64_t> rfm_revenue_minor; // 4 values: revenue >= value
  std::optional<double> tier_top_1, tier_top_10, tier_top_50;
};

// The spec of a calculation's result (its chosen model).
ScoringSpec ScoringSpecOf(const CalculationResult& result, const CalculationOptions& options);

// report_json of a calculation (see the file comment). `input` is the calculation's input (not
// read any more: the result carries the holdout's actual purchases per month).
std::string BuildFitReport(const CalculationResult& result, const CalculationInput& input,
                           const CalculationRequest& request);

// The typed record (everything but id and created_at, which the store assigns / the caller sets).
storage::ModelFitRecord FitRecordOf(const CalculationResult& result,
                                    const CalculationRequest& request, UnixMicros as_of_us,
                                    std::optional<JobId> job, std::string report_json);

// Customer `c` of the result as a stored score.
storage::CustomerScore ScoreRowOf(const CalculationResult& result, std::size_t c,
                                  std::int64_t fit_id, UnixMicros now);

// The spec inside a stored report. InvalidArgument when the report is malformed or has none.
Result<ScoringSpec> ParseScoringSpec(std::string_view report_json);

}  // namespace clv::service
