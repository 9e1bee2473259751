// Holdout backtests of purchase models, model selection, and the frequency/recency matrix
// (GET /clv/model; the calculation's model choice).
//
// A backtest takes the calibration summary (engine/data/transactions.h SplitCalibrationHoldout:
// x, t_x, T up to the calibration end) and what actually happened after it: each row's number
// of purchases in the holdout and the holdout's duration (model time unit). Per row:
//   predicted = model.ExpectedPurchases(duration, x, t_x, T)
// Aggregates, weighted by the rows' weights (w):
//   buckets   by calibration frequency 0, 1, ..., open_bucket_from − 1 and "open_bucket_from+"
//             (default 7+): customers, mean predicted, mean actual — Fader, Hardie & Lee
//             (2005) figure 4, "conditional expectations". Every bucket is listed, empty ones
//             with customers = 0 and means 0.
//   metrics   total predicted and actual, per-customer MAE and RMSE, Pearson correlation
//             (0 when either side has no variance).
//
// Model selection (SelectModel): the model with the lowest per-customer holdout RMSE. RMSE
// because the service uses individual predictions (CLV, churn) and the expected purchase count
// is exactly the prediction that minimises squared error, so RMSE rewards the right target
// (MAE would reward predicting the median, mostly 0). Ties: candidates within `tie_tolerance`
// (default 0.5%) of the best RMSE count as tied and the first of them in the input order wins
// — pass candidates simplest first (the service uses bgnbd, mbgnbd, pnbd: BG/NBD is the
// simpler, closed-form model; MBG/NBD adds one assumption; Pareto/NBD needs numerical 2F1).
//
// Frequency/recency matrix (lifetimes' plot_frequency_recency_matrix / plot_probability_alive_
// matrix): expected purchases in the next `horizon`, or P(alive), for hypothetical customers of
// age T over a grid of frequencies × recencies. Cells with x = 0 and t_x > 0 are impossible
// histories and are nullopt.
//
// Pure, thread-safe; sums are deterministic for any thread count.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/data/rfm.h"
#include "engine/models/purchase_model.h"

namespace clv::engine {

struct FrequencyBucket {
  int frequency = 0;        // calibration frequency (repeat purchases)
  bool and_more = false;    // the last bucket: frequency or more
  double customers = 0;     // Σ weights
  double mean_predicted = 0;
  double mean_actual = 0;
};

struct BacktestMetrics {
  double customers = 0;
  double total_predicted = 0;
  double total_actual = 0;
  double mae = 0;
  double rmse = 0;
  double correlation = 0;
};

struct Backtest {
  std::string model;               // model.name()
  std::vector<double> predicted;   // per row, per customer (not multiplied by the weight)
  std::vector<FrequencyBucket> buckets;
  BacktestMetrics metrics;
  double holdout_duration = 0;     // when all rows share one; else 0
};

// `holdout_duration` has one value for everybody or one per row, each > 0 and finite.
// `holdout_frequency` has one non-negative finite value per row. open_bucket_from in 1..100.
// InvalidArgument otherwise or for invalid data (ValidateRfm); Internal for a non-finite model
// prediction.
Result<Backtest> RunBacktest(const PurchaseModel& model, const RfmData& calibration,
                             std::span<const double> holdout_frequency,
                             std::span<const double> holdout_duration,
                             int open_bucket_from = 7);

// Index of the chosen backtest (see the file comment). InvalidArgument for an empty span, a
// negative or non-finite tolerance, or a backtest with a non-finite RMSE.
Result<std::size_t> SelectModel(std::span<const Backtest> backtests,
                                double tie_tolerance = 0.005);

struct ModelSelection {
  std::vector<Backtest> backtests;  // one per candidate, in input order
  std::size_t chosen = 0;
};

// RunBacktest for every candidate (non-null; simplest first), then SelectModel.
Result<ModelSelection> SelectModelByBacktest(std::span<const PurchaseModel* const> candidates,
                                             const RfmData& calibration,
                                             std::span<const double> holdout_frequency,
                                             std::span<const double> holdout_duration,
                                             double tie_tolerance = 0.005);

enum class MatrixMetric { kExpectedPurchases, kProbabilityAlive };

struct FrequencyRecencyMatrix {
  MatrixMetric metric = MatrixMetric::kExpectedPurchases;
  double age = 0;      // T of every cell
  double horizon = 0;  // for kExpectedPurchases
  std::vector<double> frequencies;  // rows
  std::vector<double> recencies;    // columns
  std::vector<std::optional<double>> values;  // row-major, frequencies × recencies
  std::optional<double> at(std::size_t row, std::size_t col) const {
    return values[row * recencies.size() + col];
  }
};

// The grid: frequencies must be whole, non-negative; recencies in [0, age]; age > 0; horizon
// > 0 for kExpectedPurchases; at most 512 × 512 cells (a dashboard heatmap, not a batch
// job). InvalidArgument otherwise.
Result<FrequencyRecencyMatrix> BuildFrequencyRecencyMatrix(const PurchaseModel& model,
                                                           std::span<const double> frequencies,
                                                           std::span<const double> recencies,
                                                           double age, double horizon,
                                                           MatrixMetric metric);

// lifetimes' default grid: frequencies 0..max_frequency and recencies 0..age in steps of 1
// (the last step may be shorter so that `age` itself is included), capped at 512 each by
// widening the step. InvalidArgument for a negative max_frequency or a non-positive age.
Result<FrequencyRecencyMatrix> DefaultFrequencyRecencyMatrix(const PurchaseModel& model,
                                                             double max_frequency, double age,
                                                             double horizon,
                                                             MatrixMetric metric);

}  // namespace clv::engine
