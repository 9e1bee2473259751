#include "engine/analytics/forecast.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>

#include <boost/math/distributions/normal.hpp>

#include "engine/analytics/histories.h"
#include "engine/parallel.h"

namespace clv::engine {

Result<RepeatForecast> ForecastRepeatPurchases(const PurchaseModel& model, const RfmData& data,
                                               std::span<const double> spend,
                                               const ForecastOptions& options) {
  CLV_RETURN_IF_ERROR(ValidateRfm(data));
  return ForecastRepeatPurchases(model, data, IndexHistories(data), spend, options);
}

Result<RepeatForecast> ForecastRepeatPurchases(const PurchaseModel& model, const RfmData& data,
                                               const HistoryIndex& index,
                                               std::span<const double> spend,
                                               const ForecastOptions& options) {
  CLV_RETURN_IF_ERROR(ValidateRfm(data));
  if (index.rows.group_of_row.size() != data.size()) {
    return InvalidArgument("the history index does not belong to these rows");
  }
  const std::size_t n = data.size();
  if (!spend.empty() && spend.size() != n) {
    return InvalidArgument("spend has " + std::to_string(spend.size()) + " values for " +
                           std::to_string(n) + " rows");
  }
  for (std::size_t i = 0; i < spend.size(); ++i) {
    if (!std::isfinite(spend[i]) || spend[i] < 0) {
      return InvalidArgument("spend of row " + std::to_string(i) +
                             " must be finite and not negative");
    }
  }
  if (options.horizon < 1 || options.horizon > 1200) {
    return InvalidArgument("forecast horizon must be 1..1200 periods");
  }
  if (!(options.period_length > 0) || !std::isfinite(options.period_length)) {
    return InvalidArgument("forecast period length must be positive and finite");
  }
  if (!(options.band_probability > 0 && options.band_probability < 1)) {
    return InvalidArgument("band probability must be in (0, 1)");
  }

  const auto horizon = static_cast<std::size_t>(options.horizon);
  const bool has_revenue = !spend.empty();
  // Accumulators per period: mean and variance of purchases, then of revenue.
  constexpr std::size_t kStride = 4;
  std::vector<double> sums(horizon * kStride, 0.0);
  std::atomic<bool> finite = true;
  // The cumulative expectations per distinct history (engine/analytics/histories.h: P(alive)
  // per history times the alive factor per distinct (x, T)), the same bits as
  // model.ExpectedPurchases(t, x, t_x, T) per row, at a fraction of the cost.
  std::vector<double> times(horizon);
  for (std::size_t k = 0; k < horizon; ++k) times[k] = static_cast<double>(k + 1) * options.period_length;
  const std::vector<double> alive = ProbabilityAliveOfHistories(model, index);
  const std::vector<double> if_alive = ExpectedPurchasesIfAliveOfPairs(model, index, times);
  DeterministicSum(n, sums.size(), sums, [&](std::size_t i, double* acc) {
    const auto h = static_cast<std::size_t>(index.rows.group_of_row[i]);
    const double p_alive = alive[h];
    const double* q = if_alive.data() + static_cast<std::size_t>(index.pair_of_history[h]) * horizon;
    const double w = data.WeightOf(i);
    const double s = has_revenue ? spend[i] : 0.0;
    double previous = 0;
    for (std::size_t k = 0; k < horizon; ++k) {
      const double cumulative = p_alive * q[k];
      // A cumulative expectation is non-decreasing; a rounding dip must not make a negative
      // period (and a negative Poisson variance).
      const double m = std::max(0.0, cumulative - previous);
      previous = std::max(previous, cumulative);
      if (!std::isfinite(cumulative)) finite.store(false, std::memory_order_relaxed);
      double* a = acc + k * kStride;
      a[0] += w * m;
      a[1] += w * m;  // Poisson: variance = mean
      a[2] += w * s * m;
      a[3] += w * s * s * m;
    }
  });
  if (!finite.load()) return Internal("the model returned a non-finite expected purchase count");

  RepeatForecast out;
  out.has_revenue = has_revenue;
  const boost::math::normal standard;
  out.z = boost::math::quantile(standard, (1.0 + options.band_probability) / 2.0);
  double cum_purchases = 0, cum_revenue = 0;
  for (std::size_t k = 0; k < horizon; ++k) {
    const double* a = sums.data() + k * kStride;
    ForecastPeriod p;
    p.period = static_cast<int>(k + 1);
    p.expected_purchases = a[0];
    const double sd = std::sqrt(a[1]);
    p.purchases_lower = std::max(0.0, a[0] - out.z * sd);
    p.purchases_upper = a[0] + out.z * sd;
    p.expected_revenue = a[2];
    const double rsd = std::sqrt(a[3]);
    p.revenue_lower = std::max(0.0, a[2] - out.z * rsd);
    p.revenue_upper = a[2] + out.z * rsd;
    cum_purchases += a[0];
    cum_revenue += a[2];
    p.cumulative_purchases = cum_purchases;
    p.cumulative_revenue = cum_revenue;
    out.periods.push_back(p);
  }
  return out;
}

Result<ForecastCheck> CheckForecast(const RepeatForecast& forecast,
                                    std::span<const double> actual_purchases) {
  const std::size_t h = forecast.periods.size();
  if (actual_purchases.size() != h) {
    return InvalidArgument("got " + std::to_string(actual_purchases.size()) +
                           " actual counts for a forecast of " + std::to_string(h) + " periods");
  }
  for (std::size_t k = 0; k < h; ++k) {
    if (!std::isfinite(actual_purchases[k]) || actual_purchases[k] < 0) {
      return InvalidArgument("actual count of period " + std::to_string(k + 1) +
                             " must be finite and not negative");
    }
  }
  ForecastCheck c;
  if (h == 0) return c;
  double abs_err = 0, pct_err = 0, covered = 0, with_actual = 0;
  for (std::size_t k = 0; k < h; ++k) {
    const ForecastPeriod& p = forecast.periods[k];
    const double a = actual_purchases[k];
    c.total_expected += p.expected_purchases;
    c.total_actual += a;
    abs_err += std::abs(p.expected_purchases - a);
    if (a > 0) {
      pct_err += std::abs(p.expected_purchases - a) / a;
      with_actual += 1;
    }
    if (a >= p.purchases_lower && a <= p.purchases_upper) covered += 1;
  }
  const auto n = static_cast<double>(h);
  c.mean_absolute_error = abs_err / n;
  c.mean_absolute_percentage_error = with_actual > 0 ? pct_err / with_actual : 0.0;
  c.band_coverage = covered / n;
  return c;
}

Result<std::vector<double>> ExpectedCumulativeRepeatPurchases(
    const PurchaseModel& model, std::span<const double> acquisition_time,
    std::span<const double> weight, std::span<const double> at_time) {
  const std::size_t n = acquisition_time.size();
  if (n == 0) return InvalidArgument("no acquisitions");
  if (!weight.empty() && weight.size() != n) {
    return InvalidArgument("weight must be empty or have one value per acquisition time");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(acquisition_time[i])) {
      return InvalidArgument("acquisition time " + std::to_string(i) + " is not finite");
    }
    if (!weight.empty() && !(weight[i] > 0 && std::isfinite(weight[i]))) {
      return InvalidArgument("weight " + std::to_string(i) + " must be positive and finite");
    }
  }
  for (std::size_t j = 0; j < at_time.size(); ++j) {
    if (!std::isfinite(at_time[j])) {
      return InvalidArgument("time " + std::to_string(j) + " is not finite");
    }
  }
  std::vector<double> out(at_time.size(), 0.0);
  // One deterministic reduction per evaluation time (dimension = |at_time|).
  std::atomic<bool> finite = true;
  DeterministicSum(n, out.size(), out, [&](std::size_t i, double* acc) {
    const double w = weight.empty() ? 1.0 : weight[i];
    for (std::size_t j = 0; j < at_time.size(); ++j) {
      const double age = at_time[j] - acquisition_time[i];
      if (age <= 0) continue;
      const double e = model.ExpectedPurchasesNewCustomer(age);
      if (!std::isfinite(e)) finite.store(false, std::memory_order_relaxed);
      acc[j] += w * e;
    }
  });
  if (!finite.load()) return Internal("the model returned a non-finite expected purchase count");
  return out;
}

}  // namespace clv::engine
