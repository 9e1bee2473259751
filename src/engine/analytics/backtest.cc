#include "engine/analytics/backtest.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "engine/parallel.h"

namespace clv::engine {
namespace {

constexpr std::size_t kMaxGrid = 512;

// Evenly spaced points 0, step, 2·step, ... below `last`, then `last` itself; at most kMaxGrid.
std::vector<double> Grid(double last, bool whole) {
  double step = 1;
  if (last / step > static_cast<double>(kMaxGrid - 2)) {
    step = last / static_cast<double>(kMaxGrid - 2);
    if (whole) step = std::ceil(step);
  }
  std::vector<double> g;
  for (std::size_t k = 0;; ++k) {
    const double v = static_cast<double>(k) * step;
    if (v >= last) break;
    g.push_back(v);
  }
  g.push_back(last);
  return g;
}

}  // namespace

Result<Backtest> RunBacktest(const PurchaseModel& model, const RfmData& calibration,
                             std::span<const double> holdout_frequency,
                             std::span<const double> holdout_duration, int open_bucket_from) {
  CLV_RETURN_IF_ERROR(ValidateRfm(calibration));
  const std::size_t n = calibration.size();
  if (holdout_frequency.size() != n) {
    return InvalidArgument("holdout frequency has " + std::to_string(holdout_frequency.size()) +
                           " values for " + std::to_string(n) + " rows");
  }
  if (holdout_duration.size() != 1 && holdout_duration.size() != n) {
    return InvalidArgument("holdout duration must have one value or one per row");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(holdout_frequency[i]) || holdout_frequency[i] < 0) {
      return InvalidArgument("holdout frequency of row " + std::to_string(i) +
                             " must be finite and not negative");
    }
  }
  for (std::size_t i = 0; i < holdout_duration.size(); ++i) {
    if (!(holdout_duration[i] > 0) || !std::isfinite(holdout_duration[i])) {
      return InvalidArgument("holdout duration " + std::to_string(i) +
                             " must be positive and finite");
    }
  }
  if (open_bucket_from < 1 || open_bucket_from > 100) {
    return InvalidArgument("the open frequency bucket must start at 1..100");
  }

  Backtest bt;
  bt.model = std::string(model.name());
  if (holdout_duration.size() == 1) bt.holdout_duration = holdout_duration[0];
  bt.predicted.resize(n);
  std::atomic<bool> finite = true;
#pragma omp parallel for schedule(static) if (n > 4096)
  for (std::size_t i = 0; i < n; ++i) {
    const double t = holdout_duration.size() == 1 ? holdout_duration[0] : holdout_duration[i];
    bt.predicted[i] = model.ExpectedPurchases(t, calibration.frequency[i],
                                              calibration.recency[i], calibration.age[i]);
    if (!std::isfinite(bt.predicted[i])) finite.store(false, std::memory_order_relaxed);
  }
  if (!finite.load()) return Internal("the model returned a non-finite holdout prediction");

  // Accumulators: per bucket (weight, Σ predicted, Σ actual), then Σw, Σw·p, Σw·a, Σw·|p−a|,
  // Σw·(p−a)², Σw·p², Σw·a², Σw·p·a.
  const auto buckets = static_cast<std::size_t>(open_bucket_from) + 1;
  const std::size_t base = buckets * 3;
  std::vector<double> sums(base + 8, 0.0);
  DeterministicSum(n, sums.size(), sums, [&](std::size_t i, double* acc) {
    const double w = calibration.WeightOf(i);
    const double p = bt.predicted[i], a = holdout_frequency[i];
    const auto b = static_cast<std::size_t>(
        std::min(calibration.frequency[i], static_cast<double>(open_bucket_from)));
    acc[b * 3] += w;
    acc[b * 3 + 1] += w * p;
    acc[b * 3 + 2] += w * a;
    double* m = acc + base;
    m[0] += w;
    m[1] += w * p;
    m[2] += w * a;
    m[3] += w * std::abs(p - a);
    m[4] += w * (p - a) * (p - a);
    m[5] += w * p * p;
    m[6] += w * a * a;
    m[7] += w * p * a;
  });
  for (std::size_t b = 0; b < buckets; ++b) {
    FrequencyBucket fb;
    fb.frequency = static_cast<int>(b);
    fb.and_more = b + 1 == buckets;
    fb.customers = sums[b * 3];
    if (fb.customers > 0) {
      fb.mean_predicted = sums[b * 3 + 1] / fb.customers;
      fb.mean_actual = sums[b * 3 + 2] / fb.customers;
    }
    bt.buckets.push_back(fb);
  }
  const double* m = sums.data() + base;
  BacktestMetrics& k = bt.metrics;
  k.customers = m[0];
  k.total_predicted = m[1];
  k.total_actual = m[2];
  k.mae = m[3] / m[0];
  k.rmse = std::sqrt(m[4] / m[0]);
  // Pearson correlation from weighted moments; the centred sums are formed once from the
  // raw ones, which is accurate enough for counts of order 1–100.
  const double mp = m[1] / m[0], ma = m[2] / m[0];
  const double var_p = m[5] / m[0] - mp * mp, var_a = m[6] / m[0] - ma * ma;
  const double cov = m[7] / m[0] - mp * ma;
  if (var_p > 0 && var_a > 0) k.correlation = std::clamp(cov / std::sqrt(var_p * var_a), -1.0, 1.0);
  return bt;
}

Result<std::size_t> SelectModel(std::span<const Backtest> backtests, double tie_tolerance) {
  if (backtests.empty()) return InvalidArgument("no models to choose from");
  if (!(tie_tolerance >= 0) || !std::isfinite(tie_tolerance)) {
    return InvalidArgument("tie tolerance must be finite and not negative");
  }
  double best = INFINITY;
  for (std::size_t i = 0; i < backtests.size(); ++i) {
    const double r = backtests[i].metrics.rmse;
    if (!std::isfinite(r)) {
      return InvalidArgument("backtest of " + backtests[i].model + " has no finite RMSE");
    }
    best = std::min(best, r);
  }
  // The first candidate (the simplest) within the tolerance of the best.
  for (std::size_t i = 0; i < backtests.size(); ++i) {
    if (backtests[i].metrics.rmse <= best * (1.0 + tie_tolerance)) return i;
  }
  return InvalidArgument("no model selected");  // unreachable: the best is within tolerance
}

Result<ModelSelection> SelectModelByBacktest(std::span<const PurchaseModel* const> candidates,
                                             const RfmData& calibration,
                                             std::span<const double> holdout_frequency,
                                             std::span<const double> holdout_duration,
                                             double tie_tolerance) {
  if (candidates.empty()) return InvalidArgument("no models to choose from");
  ModelSelection sel;
  for (const PurchaseModel* model : candidates) {
    if (model == nullptr) return InvalidArgument("a candidate model is missing");
    Result<Backtest> bt =
        RunBacktest(*model, calibration, holdout_frequency, holdout_duration);
    if (!bt.ok()) return bt.status();
    sel.backtests.push_back(std::move(bt).value());
  }
  CLV_ASSIGN_OR_RETURN(sel.chosen, SelectModel(sel.backtests, tie_tolerance));
  return sel;
}

Result<FrequencyRecencyMatrix> BuildFrequencyRecencyMatrix(const PurchaseModel& model,
                                                           std::span<const double> frequencies,
                                                           std::span<const double> recencies,
                                                           double age, double horizon,
                                                           MatrixMetric metric) {
  if (!(age > 0) || !std::isfinite(age)) return InvalidArgument("age must be positive");
  if (metric == MatrixMetric::kExpectedPurchases && (!(horizon > 0) || !std::isfinite(horizon))) {
    return InvalidArgument("horizon must be positive");
  }
  if (frequencies.empty() || recencies.empty() || frequencies.size() > kMaxGrid ||
      recencies.size() > kMaxGrid) {
    return InvalidArgument("the grid needs 1..512 frequencies and 1..512 recencies");
  }
  for (double x : frequencies) {
    if (!std::isfinite(x) || x < 0 || x != std::floor(x)) {
      return InvalidArgument("grid frequencies must be whole and not negative");
    }
  }
  for (double t_x : recencies) {
    if (!std::isfinite(t_x) || t_x < 0 || t_x > age) {
      return InvalidArgument("grid recencies must be in [0, age]");
    }
  }
  FrequencyRecencyMatrix out;
  out.metric = metric;
  out.age = age;
  out.horizon = horizon;
  out.frequencies.assign(frequencies.begin(), frequencies.end());
  out.recencies.assign(recencies.begin(), recencies.end());
  out.values.resize(frequencies.size() * recencies.size());
  const std::size_t cells = out.values.size();
#pragma omp parallel for schedule(dynamic, 64) if (cells > 1024)
  for (std::size_t c = 0; c < cells; ++c) {
    const double x = out.frequencies[c / recencies.size()];
    const double t_x = out.recencies[c % recencies.size()];
    if (x == 0 && t_x > 0) continue;  // no such history: recency is 0 without repeat purchases
    out.values[c] = metric == MatrixMetric::kExpectedPurchases
                        ? model.ExpectedPurchases(horizon, x, t_x, age)
                        : model.ProbabilityAlive(x, t_x, age);
  }
  return out;
}

Result<FrequencyRecencyMatrix> DefaultFrequencyRecencyMatrix(const PurchaseModel& model,
                                                             double max_frequency, double age,
                                                             double horizon,
                                                             MatrixMetric metric) {
  if (!(max_frequency >= 0) || !std::isfinite(max_frequency)) {
    return InvalidArgument("max frequency must be finite and not negative");
  }
  if (!(age > 0) || !std::isfinite(age)) return InvalidArgument("age must be positive");
  const std::vector<double> f = Grid(std::floor(max_frequency), /*whole=*/true);
  const std::vector<double> r = Grid(age, /*whole=*/false);
  return BuildFrequencyRecencyMatrix(model, f, r, age, horizon, metric);
}

}  // namespace clv::engine
