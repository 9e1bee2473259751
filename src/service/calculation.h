// The CLV calculation (POST /clv/calculate's work): from a tenant's purchase log
// (service/calculation_input.h) to fitted, backtested models and per-customer scores, in memory.
// Storage and jobs are the caller's (a later step persists CalculationResult as a versioned
// model fit with its scores).
//
// Steps (engine/ does the numerics; this file decides what goes in):
//  1. Summary. resolution kDay (default): repeat purchases are distinct days and times are days
//     divided by the days per period — how Fader, Hardie & Lee (2005) made the CDNOW summary and
//     lifetimes' freq='D' with freq_multiplier; kPeriod: distinct calendar periods, whole periods
//     (lifetimes' freq=period, `clv fit --resolution period`). Model time unit = `period`.
//  2. Holdout backtest. calibration end = as_of_day − round(holdout_fraction × span), span = days
//     from the first purchase to as_of. Every model in `models` is fitted on the calibration
//     summary (engine::SplitCalibrationHoldout), its holdout purchases predicted
//     (engine::RunBacktest), and the model is chosen by engine::SelectModelByBacktest (lowest
//     per-customer RMSE; candidates in the order bgnbd, mbgnbd, pnbd, so ties go to the
//     simplest) among the models whose calibration AND full-period fits converged.
//  3. Full-period fits at as_of of every requested model whose calibration fit converged (the
//     chosen one scores; the others are kept for the model page); a model whose calibration fit
//     failed cannot be chosen, so its full-period fit is skipped and the result says why
//     (ModelEvaluation::full_skipped). Gamma-Gamma on the repeat customers' mean net order
//     values.
//  4. Scores per customer: historical CLV (net revenue to date, exact int64), P(alive) (with the
//     engine's one-time-buyer correction for BG/NBD, engine/analytics/churn.h), expected
//     purchases in 30/90/365 days and over horizon_periods, expected spend, predicted CLV over
//     clv_months (engine::CustomerLifetimeValue) with an 80% interval, churn band and value at
//     risk, RFM scores and segment, CLV tier, expected next order day.
//  5. Aggregates: segments, CLV tiers, churn ranking, monthly cohorts, a monthly forecast of
//     repeat purchases (forecast_months) and the same forecast made at the calibration end
//     checked against the holdout.
//
// Spend. Predicted CLV = expected spend per purchase × margin × discounted expected purchases.
// Expected spend is Gamma-Gamma's conditional mean. When Gamma-Gamma does not converge or its
// population mean is infinite (q <= 1), each customer's own mean net order value is used
// instead and `spend_model` says "customer_mean".
//
// CLV interval (80%): parameter uncertainty only, by the delta method: the gradient of each
// customer's CLV w.r.t. the log-parameters of the purchase model (forward differences, one
// rescoring per parameter) and of Gamma-Gamma (analytic: spend scales CLV) combined with the
// fits' covariance (the two fits are independent: block-diagonal), and the interval
// CLV × exp(±1.2816 · sd / CLV) (log-normal, so never negative). It says how sure the model is
// about a customer's expected value, not where the customer's actual future spend will fall
// (that spread — one customer's purchase process — is much wider). With the customer-mean
// spend fallback only the purchase model's uncertainty enters. NaN when a covariance is not
// available (Hessian not positive definite); [0, 0] when the CLV is 0.
//
// Errors: InvalidArgument for bad options (unknown model, fractions out of range, ...);
// FailedPrecondition with the minimum when the data cannot support a calculation: fewer than
// min_customers customers, no repeat purchases, a span too short for the holdout, or no model
// converging. A model that does not converge is reported in the result, never an error by itself.
//
// Determinism: the same input and options give a bit-identical result (fits are deterministic,
// per-customer loops are independent, sums use the engine's deterministic reductions), except
// the measured timings. Thread-safe: no shared state; uses OpenMP inside, and one extra thread
// of its own for work that is independent: the holdout split beside the full-period summary,
// and the models' fits two at a time (each fit's own evaluation stays in parallel; a fit's
// wall_ms is then measured while it shares the cores with another).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engine/analytics/backtest.h"
#include "engine/analytics/churn.h"
#include "engine/analytics/cohorts.h"
#include "engine/analytics/forecast.h"
#include "engine/analytics/segments.h"
#include "engine/data/rfm.h"
#include "engine/data/transactions.h"
#include "engine/models/gamma_gamma.h"
#include "engine/optim/mle.h"
#include "service/calculation_input.h"

namespace clv::service {

enum class Resolution { kDay, kPeriod };

struct CalculationOptions {
  // Purchase models to fit, any of "bgnbd", "mbgnbd", "pnbd" (each at most once).
  std::vector<std::string> models = {"bgnbd", "mbgnbd", "pnbd"};
  engine::Period period = engine::Period::kWeek;  // the models' time unit
  Resolution resolution = Resolution::kDay;
  // Per-customer "expected purchases over the horizon", in periods; 0 = one year (365 days).
  double horizon_periods = 0;
  int clv_months = 12;                  // 1..1200
  double discount_rate_monthly = 0.01;  // > -1
  double margin = 1.0;                  // gross margin, (0, 1]
  double holdout_fraction = 0.2;        // (0, 0.5]
  std::int32_t min_customers = 100;     // >= 1
  int forecast_months = 12;             // 1..120
};

// fraction in [0, 1], non-decreasing; stage is a stable name ("summary", "calibration_fits",
// "backtest", "full_fits", "spend_model", "scoring", "aggregates", "done").
using ProgressCallback = std::function<void(double fraction, std::string_view stage)>;

struct StageTiming {
  std::string stage;
  double wall_ms = 0;
  // CPU time of the whole process (every thread, so in a server it includes whatever else ran
  // meanwhile) during the stage: on a shared machine the load-independent figure.
  double cpu_ms = 0;
};

struct ModelFit {
  std::string model;  // "bgnbd", ...
  std::vector<std::string> param_names;
  engine::MleResult mle;  // report.wall_time_ms measured here
};

// One requested model: its fits, its backtest (when its calibration fit converged) and whether
// it was a candidate for selection.
struct ModelEvaluation {
  std::string model;
  ModelFit calibration;
  // The full-period fit. Not run when the calibration fit did not converge (such a model has no
  // backtest, so it can never be chosen, and on large data a fit that does not converge is the
  // costliest kind): then `full_skipped` says why, `full` holds only the model and parameter
  // names, and full.mle is empty (no parameters, converged = false, message = the reason).
  ModelFit full;
  std::optional<std::string> full_skipped;
  std::optional<engine::Backtest> backtest;
  bool candidate = false;  // converged on both
};

// Per-customer scores, structure of arrays, one entry per customer of the input (dense index).
// Times in days are UTC day numbers; `frequency`, `recency`, `age` are in the model unit.
struct CustomerScoreTable {
  std::vector<double> frequency, recency, age, monetary;
  std::vector<std::int64_t> orders;            // purchases (orders with net value > 0)
  std::vector<std::int64_t> first_order_day, last_order_day;
  std::vector<std::int64_t> historical_clv_minor;  // net revenue × margin, rounded; margin 1: exact
  std::vector<double> p_alive;
  std::vector<double> expected_purchases_30d, expected_purchases_90d, expected_purchases_365d;
  std::vector<double> expected_purchases_horizon;
  std::vector<double> expected_spend_minor;  // per purchase
  std::vector<double> predicted_clv_minor, clv_lower_minor, clv_upper_minor;
  std::vector<engine::ChurnRisk> churn_risk;
  std::vector<double> value_at_risk_minor;
  std::vector<std::uint8_t> rfm_recency, rfm_frequency, rfm_monetary;
  std::vector<engine::RfmSegment> segment;
  std::vector<engine::ClvTier> clv_tier;
  // Day by which the expected number of further purchases reaches 1 (linear between the 30,
  // 90 and 365-day expectations); -1 when fewer than one purchase is expected within 365 days.
  std::vector<std::int64_t> expected_next_order_day;
};

struct CalculationResult {
  // What was analysed.
  std::string currency;
  std::int64_t as_of_day = 0;
  std::int64_t first_purchase_day = 0;
  std::int64_t calibration_end_day = 0;
  double holdout_periods = 0;           // in the model unit
  engine::Period period = engine::Period::kWeek;
  Resolution resolution = Resolution::kDay;
  std::int64_t customers = 0;
  std::int64_t repeat_customers = 0;    // frequency > 0
  std::int64_t purchases = 0;
  std::int64_t net_revenue_minor = 0;   // Σ purchases' net amounts
  InputStats input;

  // Models.
  std::vector<ModelEvaluation> models;  // in the order bgnbd, mbgnbd, pnbd (those requested)
  std::string chosen_model;
  std::size_t chosen_index = 0;         // into `models`
  std::optional<engine::GammaGammaFit> gamma_gamma;  // absent when it could not be fitted
  std::string spend_model;              // "gamma_gamma" or "customer_mean"
  engine::RfmData summary;              // full-period summary, one row per customer

  // Scores and aggregates.
  std::vector<CustomerId> customer_ids;  // dense index -> id
  CustomerScoreTable scores;
  engine::GroupTable segments;
  engine::GroupTable clv_tiers;
  engine::ChurnReport churn;             // ranked by value at risk
  engine::CohortMatrix cohorts;          // monthly
  engine::RepeatForecast forecast;       // monthly, forecast_months, from as_of
  std::optional<engine::RepeatForecast> holdout_forecast;  // made at the calibration end
  std::optional<engine::ForecastCheck> holdout_forecast_check;
  // With holdout_forecast: the repeat purchase occasions that happened in each of its months.
  std::vector<double> holdout_actual_purchases;
  double predicted_clv_total_minor = 0;

  std::vector<StageTiming> timings;
};

// InvalidArgument for options out of range (see CalculationOptions).
Status ValidateCalculationOptions(const CalculationOptions& options);

Result<CalculationResult> RunCalculation(const CalculationInput& input,
                                         const CalculationOptions& options,
                                         const ProgressCallback& progress = {});

}  // namespace clv::service
