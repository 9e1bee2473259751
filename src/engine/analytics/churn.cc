#include "engine/analytics/churn.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>

#include "engine/parallel.h"

namespace clv::engine {

std::string_view ChurnRiskName(ChurnRisk risk) {
  switch (risk) {
    case ChurnRisk::kLow: return "low";
    case ChurnRisk::kMedium: return "medium";
    case ChurnRisk::kHigh: return "high";
  }
  return "low";
}

namespace {

// The model that gives one-time buyers (x = 0) their P(alive); see the header.
struct OneTimeBuyerModel {
  const PurchaseModel* model = nullptr;  // the main model when no correction applies
  std::unique_ptr<PurchaseModel> owned;  // MBG/NBD at the BG/NBD parameters, when built here
  std::string source = "model";          // ChurnReport::one_time_buyer_p_alive_source
};

Result<OneTimeBuyerModel> SelectOneTimeBuyerModel(const PurchaseModel& model,
                                                  const ChurnOptions& options) {
  OneTimeBuyerModel out;
  out.model = &model;
  if (model.name() != "bgnbd") return out;  // only BG/NBD needs the correction
  if (options.one_time_buyer_model != nullptr) {
    out.model = options.one_time_buyer_model;
    out.source = "fallback_model";
    return out;
  }
  Result<std::unique_ptr<PurchaseModel>> mbg = MakePurchaseModel("mbgnbd", model.params());
  if (!mbg.ok()) return mbg.status().WithContext("one-time-buyer correction");
  out.owned = std::move(mbg).value();
  out.model = out.owned.get();
  out.source = "mbgnbd_at_bgnbd_params";
  return out;
}

// Clamped: a probability a hair outside [0, 1] from rounding must not make a negative value at
// risk. NaN passes through the clamp; callers report it.
double ClampedPAlive(const PurchaseModel& m, double x, double t_x, double T) {
  return std::clamp(m.ProbabilityAlive(x, t_x, T), 0.0, 1.0);
}

}  // namespace

Result<std::vector<double>> ChurnPAlive(const PurchaseModel& model, const RfmData& data,
                                        const ChurnOptions& options) {
  CLV_RETURN_IF_ERROR(ValidateRfm(data));
  CLV_ASSIGN_OR_RETURN(OneTimeBuyerModel x0, SelectOneTimeBuyerModel(model, options));
  std::vector<double> p(data.size());
  // Runs of rows with the same model (one-time buyers or not), each evaluated by the model's
  // row batch (a curve's runs of equal (x, t_x) share their logs), then clamped as
  // ClampedPAlive clamps.
  const std::span<const double> x(data.frequency), t_x(data.recency), T(data.age);
  for (std::size_t begin = 0, end = 0; begin < p.size(); begin = end) {
    const bool one_time = x[begin] == 0;
    for (end = begin + 1; end < p.size() && (x[end] == 0) == one_time;) ++end;
    const std::size_t n = end - begin;
    (one_time ? *x0.model : model)
        .ProbabilityAliveRows(x.subspan(begin, n), t_x.subspan(begin, n), T.subspan(begin, n),
                              std::span<double>(p).subspan(begin, n));
  }
  for (std::size_t i = 0; i < p.size(); ++i) {
    p[i] = std::clamp(p[i], 0.0, 1.0);
    if (!std::isfinite(p[i])) {
      return Internal("the model returned no finite P(alive) for row " + std::to_string(i));
    }
  }
  return p;
}

Result<ChurnReport> AssessChurn(const PurchaseModel& model, const RfmData& data,
                                std::span<const double> predicted_clv,
                                const ChurnOptions& options) {
  CLV_RETURN_IF_ERROR(ValidateRfm(data));
  const std::size_t n = data.size();
  if (predicted_clv.size() != n) {
    return InvalidArgument("predicted CLV has " + std::to_string(predicted_clv.size()) +
                           " values for " + std::to_string(n) + " rows");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(predicted_clv[i]) || predicted_clv[i] < 0) {
      return InvalidArgument("predicted CLV of row " + std::to_string(i) +
                             " must be finite and not negative");
    }
  }
  const double hi = options.high_risk_below, lo = options.low_risk_from;
  if (!(0 <= hi && hi <= lo && lo <= 1)) {
    return InvalidArgument("churn thresholds must satisfy 0 <= high_risk_below <= "
                           "low_risk_from <= 1");
  }

  ChurnReport report;
  CLV_ASSIGN_OR_RETURN(OneTimeBuyerModel x0, SelectOneTimeBuyerModel(model, options));
  report.one_time_buyer_p_alive_source = x0.source;
  const PurchaseModel* x0_model = x0.model;

  report.ranked.resize(n);
  // Each row independently: the same answer for any thread count.
#pragma omp parallel for schedule(static) if (n > 4096)
  for (std::size_t i = 0; i < n; ++i) {
    const double x = data.frequency[i], t_x = data.recency[i], T = data.age[i];
    ChurnRow& r = report.ranked[i];
    r.row = static_cast<std::int32_t>(i);
    r.one_time_buyer = x == 0;
    const PurchaseModel& m = r.one_time_buyer ? *x0_model : model;
    r.p_alive_corrected = r.one_time_buyer && x0_model != &model;
    r.p_alive = ClampedPAlive(m, x, t_x, T);
    r.value_at_risk = predicted_clv[i] * (1.0 - r.p_alive);
    r.risk = r.p_alive >= lo ? ChurnRisk::kLow
             : r.p_alive < hi ? ChurnRisk::kHigh
                              : ChurnRisk::kMedium;
  }
  for (const ChurnRow& r : report.ranked) {
    if (!std::isfinite(r.p_alive) || !std::isfinite(r.value_at_risk)) {
      return Internal("the model returned no finite P(alive) for row " + std::to_string(r.row));
    }
  }

  // Totals: 3 customers per band, 3 value per band, alive, one-time buyers.
  std::array<double, 8> sums{};
  DeterministicSum(n, sums.size(), sums, [&](std::size_t i, double* acc) {
    const ChurnRow& r = report.ranked[i];
    const double w = data.WeightOf(i);
    const auto band = static_cast<std::size_t>(r.risk);
    acc[band] += w;
    acc[3 + band] += w * r.value_at_risk;
    acc[6] += w * r.p_alive;
    if (r.one_time_buyer) acc[7] += w;
  });
  for (std::size_t b = 0; b < 3; ++b) {
    report.customers[b] = sums[b];
    report.value_at_risk[b] = sums[3 + b];
    report.total_customers += sums[b];
    report.total_value_at_risk += sums[3 + b];
  }
  report.expected_alive = sums[6];
  report.one_time_buyers = sums[7];

  std::sort(report.ranked.begin(), report.ranked.end(), [](const ChurnRow& a, const ChurnRow& b) {
    if (a.value_at_risk != b.value_at_risk) return a.value_at_risk > b.value_at_risk;
    if (a.p_alive != b.p_alive) return a.p_alive < b.p_alive;
    return a.row < b.row;
  });
  return report;
}

}  // namespace clv::engine
