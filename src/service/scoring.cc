#include "service/scoring.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

#include "engine/analytics/churn.h"
#include "engine/analytics/clv.h"
#include "engine/analytics/segments.h"
#include "engine/data/transactions.h"
#include "engine/models/purchase_model.h"
#include "service/score_math.h"

namespace clv::service {
namespace {

// The calculation's numbers (service/score_math.h): the same numbers give the same scores.
using internal::kLogStep;

int ThresholdScore(std::int64_t value, const std::vector<std::int64_t>& at_least) {
  int score = 1;
  for (std::int64_t t : at_least) score += value >= t ? 1 : 0;
  return score;
}

}  // namespace

Result<std::vector<storage::CustomerScore>> ScoreWithSpec(const ScoringSpec& spec,
                                                          const CalculationInput& input,
                                                          std::int64_t fit_id, UnixMicros now) {
  const std::int32_t n = input.num_customers();
  const auto un = static_cast<std::size_t>(n);
  std::vector<storage::CustomerScore> out(un);
  if (n == 0) return out;
  const double days_per_period = engine::DaysPerPeriod(spec.period);
  const engine::Period unit = spec.resolution == Resolution::kDay ? engine::Period::kDay : spec.period;

  std::vector<double> day(input.num_purchases()), amount(input.num_purchases());
  for (std::size_t i = 0; i < day.size(); ++i) {
    day[i] = static_cast<double>(input.day[i]);
    amount[i] = static_cast<double>(input.amount_minor[i]);
  }
  const engine::TransactionLog log{input.customer, day, amount};
  Result<engine::RfmSummary> full =
      engine::SummarizeTransactions(log, n, unit, static_cast<double>(input.as_of_day));
  if (!full.ok()) return Internal("summarising the orders: " + full.status().message());
  // Every customer of the input bought on or before as_of, so the rows are the customers.
  if (full->customer.size() != un) return Internal("summary rows do not match the customers");
  engine::RfmData summary = std::move(full->data);
  if (spec.resolution == Resolution::kDay && spec.period != engine::Period::kDay) {
    for (double& v : summary.recency) v /= days_per_period;
    for (double& v : summary.age) v /= days_per_period;
  }

  std::vector<std::int64_t> orders(un, 0), first(un, 0), last(un, 0), revenue(un, 0);
  for (std::size_t i = 0; i < input.num_purchases(); ++i) {
    const auto c = static_cast<std::size_t>(input.customer[i]);
    if (orders[c]++ == 0) first[c] = input.day[i];
    last[c] = input.day[i];
    revenue[c] += input.amount_minor[i];
  }

  Result<std::unique_ptr<engine::PurchaseModel>> model_or =
      engine::MakePurchaseModel(spec.model, spec.params);
  if (!model_or.ok()) return InvalidArgument("stored fit: " + model_or.status().message());
  const engine::PurchaseModel& model = **model_or;
  const std::size_t kp = spec.params.size();
  std::vector<std::unique_ptr<engine::PurchaseModel>> perturbed;
  if (!spec.purchase_log_cov.empty()) {
    for (std::size_t j = 0; j < kp; ++j) {
      std::vector<double> p = spec.params;
      p[j] *= std::exp(kLogStep);
      CLV_ASSIGN_OR_RETURN(std::unique_ptr<engine::PurchaseModel> m, engine::MakePurchaseModel(spec.model, p));
      perturbed.push_back(std::move(m));
    }
  }
  const bool gg_usable = spec.spend_model == "gamma_gamma" && spec.gamma_gamma.has_value();
  const engine::GammaGammaParams gg = gg_usable ? *spec.gamma_gamma : engine::GammaGammaParams{};
  const bool has_interval = !spec.purchase_log_cov.empty() && (!gg_usable || !spec.spend_log_cov.empty());
  const std::array<double, 4> horizons = {30.0 / days_per_period, 90.0 / days_per_period,
                                          365.0 / days_per_period, spec.horizon_periods};
  std::vector<double> predicted(un);
  for (std::size_t c = 0; c < un; ++c) {
    storage::CustomerScore& s = out[c];
    const double x = summary.frequency[c], t_x = summary.recency[c], T = summary.age[c];
    const double m = summary.monetary[c];
    s.customer = input.customer_ids[c];
    s.fit_id = fit_id;
    s.frequency = x;
    s.recency = t_x;
    s.age = T;
    s.monetary = m;
    s.orders = orders[c];
    s.first_order_day = first[c];
    s.last_order_day = last[c];
    s.historical_clv_minor =
        spec.clv.margin == 1.0
            ? revenue[c]
            : static_cast<std::int64_t>(std::llround(static_cast<double>(revenue[c]) * spec.clv.margin));
    const double d = engine::CustomerLifetimeValue(model, 1.0, x, t_x, T, spec.clv);
    std::vector<double> gradient(kp, 0.0);
    for (std::size_t j = 0; j < perturbed.size(); ++j) {
      gradient[j] = (engine::CustomerLifetimeValue(*perturbed[j], 1.0, x, t_x, T, spec.clv) - d) / kLogStep;
    }
    std::array<double, 4> e{};
    for (std::size_t h = 0; h < horizons.size(); ++h) e[h] = model.ExpectedPurchases(horizons[h], x, t_x, T);
    const internal::SpendEstimate spend =
        internal::ExpectedSpend(gg_usable ? &gg : nullptr, x, m, revenue[c], orders[c]);
    const double clv = spend.spend * d;
    s.expected_spend_minor = spend.spend;
    s.predicted_clv_minor = clv;
    predicted[c] = clv;
    const internal::ClvBounds bounds =
        internal::ClvInterval80(has_interval, clv, d, gradient.data(), spec.purchase_log_cov, kp,
                                spend, gg_usable ? &spec.spend_log_cov : nullptr);
    s.clv_lower_minor = bounds.lower;
    s.clv_upper_minor = bounds.upper;
    s.expected_purchases_30d = e[0];
    s.expected_purchases_90d = e[1];
    s.expected_purchases_365d = e[2];
    s.expected_purchases_horizon = e[3];
    s.expected_next_order_day = internal::ExpectedNextOrderDay(input.as_of_day, e);

    // RFM against the fit's population (recency thresholds are "at most that many days").
    int r = 1;
    for (std::int64_t max_days : spec.rfm_recency_days) r += (input.as_of_day - last[c]) <= max_days ? 1 : 0;
    const int f = ThresholdScore(orders[c], spec.rfm_orders);
    const int mo = ThresholdScore(s.historical_clv_minor, spec.rfm_revenue_minor);
    s.rfm_recency = r;
    s.rfm_frequency = f;
    s.rfm_monetary = mo;
    Result<engine::RfmSegment> segment = engine::RfmSegmentOf(r, (f + mo + 1) / 2);
    if (!segment.ok()) return Internal("RFM segment: " + segment.status().message());
    s.segment = std::string(engine::RfmSegmentKey(*segment));
    engine::ClvTier tier = engine::ClvTier::kRest;
    if (spec.tier_top_1 && clv >= *spec.tier_top_1) tier = engine::ClvTier::kTop1;
    else if (spec.tier_top_10 && clv >= *spec.tier_top_10) tier = engine::ClvTier::kTop10;
    else if (spec.tier_top_50 && clv >= *spec.tier_top_50) tier = engine::ClvTier::kTop50;
    s.clv_tier = std::string(engine::ClvTierKey(tier));
    s.updated_at_us = now;
  }

  std::unique_ptr<engine::PurchaseModel> one_time;
  engine::ChurnOptions churn_options;
  churn_options.high_risk_below = spec.high_risk_below;
  churn_options.low_risk_from = spec.low_risk_from;
  if (spec.model == "bgnbd" && spec.one_time_buyer_mbgnbd) {
    CLV_ASSIGN_OR_RETURN(one_time, engine::MakePurchaseModel("mbgnbd", *spec.one_time_buyer_mbgnbd));
    churn_options.one_time_buyer_model = one_time.get();
  }
  Result<engine::ChurnReport> churn = engine::AssessChurn(model, summary, predicted, churn_options);
  if (!churn.ok()) return Internal("churn: " + churn.status().message());
  for (const engine::ChurnRow& row : churn->ranked) {
    storage::CustomerScore& s = out[static_cast<std::size_t>(row.row)];
    s.p_alive = row.p_alive;
    s.churn_risk = std::string(engine::ChurnRiskName(row.risk));
    s.value_at_risk_minor = row.value_at_risk;
  }
  return out;
}

IncrementalScorer::IncrementalScorer(storage::Store& store, const Clock& clock)
    : store_(store), clock_(clock) {}

Result<std::pair<storage::ModelFitRecord, ScoringSpec>> IncrementalScorer::CurrentFitAndSpec(
    TenantId tenant) {
  // The typed fields alone (a few hundred bytes); the report's scoring member only when this
  // fit's spec is not cached yet, i.e. once per fit and process.
  CLV_ASSIGN_OR_RETURN(storage::ModelFitRecord fit, store_.GetCurrentFitSummary(tenant, {}));
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(tenant.value);
    if (it != cache_.end() && it->second.first == fit.id) {
      return std::pair(std::move(fit), it->second.second);
    }
  }
  static constexpr std::string_view kScoring[] = {"scoring"};
  // Re-read as one row: a fit committed in between must not pair with the older spec.
  CLV_ASSIGN_OR_RETURN(fit, store_.GetCurrentFitSummary(tenant, kScoring));
  CLV_ASSIGN_OR_RETURN(ScoringSpec spec, ParseScoringSpec(fit.report_json));
  std::lock_guard<std::mutex> lock(mu_);
  auto& entry = cache_[tenant.value];
  // Two writers may race here; keep the newer fit's spec (ids increase).
  if (entry.first <= fit.id) entry = {fit.id, spec};
  return std::pair(std::move(fit), std::move(spec));
}

Result<RescoreSummary> IncrementalScorer::Rescore(TenantId tenant,
                                                  std::span<const CustomerId> customers) {
  RescoreSummary summary;
  if (customers.empty()) return summary;
  if (customers.size() > kMaxRescoreCustomers) {
    summary.skipped_too_many = true;
    return summary;
  }
  Result<std::pair<storage::ModelFitRecord, ScoringSpec>> current = CurrentFitAndSpec(tenant);
  if (!current.ok()) {
    if (current.status().code() == StatusCode::kNotFound) {
      summary.skipped_no_fit = true;
      return summary;
    }
    return current.status();
  }
  const storage::ModelFitRecord* fit = &current->first;
  const ScoringSpec& spec = current->second;
  const UnixMicros now = clock_.Now();
  const UnixMicros as_of = fit->as_of_explicit ? fit->as_of_us : now;
  for (std::size_t start = 0; start < customers.size(); start += kRescoreChunk) {
    const std::span<const CustomerId> chunk =
        customers.subspan(start, std::min(kRescoreChunk, customers.size() - start));
    CLV_ASSIGN_OR_RETURN(std::vector<storage::AnalysisRow> rows,
                         store_.AnalysisRowsForCustomers(tenant, chunk));
    CalculationInputBuilder builder(as_of);
    for (const storage::AnalysisRow& row : rows) CLV_RETURN_IF_ERROR(builder.Add(row));
    Result<CalculationInput> input = builder.Finish();
    if (!input.ok()) {
      // Several currencies: the calculation would refuse them too; the scores stay as they are.
      if (input.status().code() == StatusCode::kFailedPrecondition) continue;
      return input.status();
    }
    if (input->num_customers() == 0) continue;
    if (!input->currency.empty() && input->currency != fit->currency) continue;
    CLV_ASSIGN_OR_RETURN(std::vector<storage::CustomerScore> scores,
                         ScoreWithSpec(spec, *input, fit->id, now));
    CLV_RETURN_IF_ERROR(store_.UpsertCustomerScores(tenant, scores));
    summary.rescored += static_cast<std::int64_t>(scores.size());
  }
  return summary;
}

}  // namespace clv::service
