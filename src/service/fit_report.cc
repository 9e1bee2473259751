#include "service/fit_report.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <cmath>
#include <limits>

#include "core/time.h"
#include "engine/analytics/backtest.h"
#include "engine/analytics/cohorts.h"
#include "engine/analytics/segments.h"
#include "service/score_math.h"

namespace clv::service {
namespace json = boost::json;
namespace {

// JSON has no NaN or infinity: such values are written as null.
json::value Num(double v) { return std::isfinite(v) ? json::value(v) : json::value(nullptr); }

json::array Nums(const std::vector<double>& v) {
  json::array out;
  out.reserve(v.size());
  for (double x : v) out.push_back(Num(x));
  return out;
}

json::object Named(const std::vector<std::string>& names, const std::vector<double>& values) {
  json::object out;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) out[names[i]] = Num(values[i]);
  return out;
}

json::object FitJson(const std::vector<std::string>& names, const engine::MleResult& mle) {
  json::object o;
  o["params"] = Named(names, mle.params);
  o["standard_errors"] = Named(names, mle.standard_errors);
  o["ci_lower"] = Named(names, mle.ci_lower);
  o["ci_upper"] = Named(names, mle.ci_upper);
  o["log_likelihood"] = Num(mle.report.log_likelihood);
  o["converged"] = mle.report.converged;
  o["message"] = mle.report.message;
  o["iterations"] = mle.report.iterations;
  o["aic"] = Num(mle.report.aic);
  o["bic"] = Num(mle.report.bic);
  o["wall_ms"] = Num(mle.report.wall_time_ms);
  return o;
}

json::object BacktestJson(const engine::Backtest& b) {
  json::object m{{"customers", Num(b.metrics.customers)},
                 {"total_predicted", Num(b.metrics.total_predicted)},
                 {"total_actual", Num(b.metrics.total_actual)},
                 {"mae", Num(b.metrics.mae)},
                 {"rmse", Num(b.metrics.rmse)},
                 {"correlation", Num(b.metrics.correlation)}};
  json::array buckets;
  for (const engine::FrequencyBucket& k : b.buckets) {
    buckets.push_back(json::object{{"frequency", k.frequency},
                                   {"and_more", k.and_more},
                                   {"customers", Num(k.customers)},
                                   {"mean_predicted", Num(k.mean_predicted)},
                                   {"mean_actual", Num(k.mean_actual)}});
  }
  return {{"metrics", std::move(m)}, {"buckets", std::move(buckets)},
          {"holdout_periods", Num(b.holdout_duration)}};
}

json::array GroupsJson(const engine::GroupTable& t) {
  json::array out;
  for (const engine::GroupSummary& g : t.groups) {
    out.push_back(json::object{{"key", g.key},
                               {"name", g.name},
                               {"customers", g.customers},
                               {"revenue_minor", g.revenue_minor},
                               {"mean_predicted_clv_minor", Num(g.mean_predicted_clv)}});
  }
  return out;
}

// Per dimension, the least value scoring k or more (k = 2..5) among `values` with `scores`;
// "never reached" is the largest value + 1 (so nobody new reaches it either... unless better
// than everyone, which is then the fair answer).
std::vector<std::int64_t> LeastValueForScore(const std::vector<std::int64_t>& values,
                                             const std::vector<std::uint8_t>& scores) {
  std::vector<std::int64_t> out(4, std::numeric_limits<std::int64_t>::max());
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (int k = 2; k <= scores[i]; ++k) out[k - 2] = std::min(out[k - 2], values[i]);
  }
  return out;
}

json::array IntArray(const std::vector<std::int64_t>& v) {
  json::array out;
  for (std::int64_t x : v) out.push_back(x);
  return out;
}

// The scoring spec must give back the very doubles that were stored (a finite-difference
// gradient turns one ulp of a parameter into 1e-11 of an interval, and tier thresholds are
// compared with equality at the boundary), and Boost.JSON's default parser is not
// correctly rounded: so the spec's numbers are hexadecimal floating-point strings ("%a"), read
// back exactly with strtod. Non-finite values are null.
json::value Exact(double v) {
  if (!std::isfinite(v)) return nullptr;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%a", v);
  return json::string(buf);
}

json::array ExactArray(const std::vector<double>& v) {
  json::array out;
  for (double x : v) out.push_back(Exact(x));
  return out;
}

json::object SpecJson(const ScoringSpec& s) {
  json::object o;
  o["model"] = s.model;
  o["params"] = ExactArray(s.params);
  o["one_time_buyer_mbgnbd"] =
      s.one_time_buyer_mbgnbd ? json::value(ExactArray(*s.one_time_buyer_mbgnbd)) : json::value(nullptr);
  o["spend_model"] = s.spend_model;
  o["gamma_gamma"] = s.gamma_gamma ? json::value(ExactArray({s.gamma_gamma->p, s.gamma_gamma->q,
                                                                 s.gamma_gamma->gamma}))
                                   : json::value(nullptr);
  o["purchase_log_cov"] = ExactArray(s.purchase_log_cov);
  o["spend_log_cov"] = ExactArray(s.spend_log_cov);
  o["clv"] = json::object{{"months", s.clv.months},
                          {"discount_rate_monthly", Exact(s.clv.discount_rate_monthly)},
                          {"margin", Exact(s.clv.margin)},
                          {"periods_per_month", Exact(s.clv.periods_per_month)}};
  o["horizon_periods"] = Exact(s.horizon_periods);
  o["period"] = engine::PeriodName(s.period);
  o["resolution"] = s.resolution == Resolution::kDay ? "day" : "period";
  o["high_risk_below"] = Exact(s.high_risk_below);
  o["low_risk_from"] = Exact(s.low_risk_from);
  // Recency thresholds are stored as day counts (k = 2..5: at most that many days).
  o["rfm_recency_days"] = IntArray(s.rfm_recency_days);
  o["rfm_orders"] = IntArray(s.rfm_orders);
  o["rfm_revenue_minor"] = IntArray(s.rfm_revenue_minor);
  auto opt = [](const std::optional<double>& v) { return v ? Exact(*v) : json::value(nullptr); };
  o["tier_top_1"] = opt(s.tier_top_1);
  o["tier_top_10"] = opt(s.tier_top_10);
  o["tier_top_50"] = opt(s.tier_top_50);
  return o;
}

}  // namespace

ScoringSpec ScoringSpecOf(const CalculationResult& r, const CalculationOptions& options) {
  ScoringSpec s;
  const ModelEvaluation& chosen = r.models[r.chosen_index];
  s.model = r.chosen_model;
  s.params = chosen.full.mle.params;
  if (s.model == "bgnbd") {
    for (const ModelEvaluation& m : r.models) {
      if (m.model == "mbgnbd" && m.full.mle.report.converged) s.one_time_buyer_mbgnbd = m.full.mle.params;
    }
  }
  s.spend_model = r.spend_model;
  if (r.spend_model == "gamma_gamma" && r.gamma_gamma) {
    s.gamma_gamma = r.gamma_gamma->params;
    s.spend_log_cov = internal::LogCovariance(r.gamma_gamma->mle);
  }
  s.purchase_log_cov = internal::LogCovariance(chosen.full.mle);
  s.clv.months = options.clv_months;
  s.clv.discount_rate_monthly = options.discount_rate_monthly;
  s.clv.margin = options.margin;
  s.clv.periods_per_month = options.period == engine::Period::kWeek  ? engine::kWeeksPerMonth
                            : options.period == engine::Period::kDay ? engine::kDaysPerMonth
                                                                     : 1.0;
  const double days_per_period = engine::DaysPerPeriod(options.period);
  s.horizon_periods = options.horizon_periods > 0 ? options.horizon_periods : 365.0 / days_per_period;
  s.period = options.period;
  s.resolution = options.resolution;
  engine::ChurnOptions churn_defaults;
  s.high_risk_below = churn_defaults.high_risk_below;
  s.low_risk_from = churn_defaults.low_risk_from;

  const CustomerScoreTable& t = r.scores;
  const std::size_t n = t.orders.size();
  std::vector<std::int64_t> neg_days(n), revenue(n);
  for (std::size_t c = 0; c < n; ++c) {
    neg_days[c] = -(r.as_of_day - t.last_order_day[c]);
    // historical_clv = revenue × margin; the RFM monetary score ranks revenue, which ranks the
    // same (margin > 0), so thresholds on historical CLV are exact for both.
    revenue[c] = t.historical_clv_minor[c];
  }
  std::vector<std::int64_t> least_neg = LeastValueForScore(neg_days, t.rfm_recency);
  for (std::int64_t& v : least_neg) {
    v = v == std::numeric_limits<std::int64_t>::max() ? -1 : -v;  // -1 days: never reached
  }
  s.rfm_recency_days = least_neg;
  s.rfm_orders = LeastValueForScore(t.orders, t.rfm_frequency);
  s.rfm_revenue_minor = LeastValueForScore(revenue, t.rfm_monetary);

  // A tier's threshold is the least CLV of its own members only.
  std::optional<double> own[3];
  for (std::size_t c = 0; c < n; ++c) {
    const int tier = static_cast<int>(t.clv_tier[c]);
    if (tier < 3 && (!own[tier] || t.predicted_clv_minor[c] < *own[tier])) own[tier] = t.predicted_clv_minor[c];
  }
  s.tier_top_1 = own[0];
  s.tier_top_10 = own[1] ? own[1] : own[0];
  s.tier_top_50 = own[2] ? own[2] : s.tier_top_10;
  return s;
}

std::string BuildFitReport(const CalculationResult& r, const CalculationInput& input,
                           const CalculationRequest& request) {
  json::object o;
  o["version"] = 1;
  o["request"] = json::parse(CalculationRequestJson(request));
  o["input"] = json::object{
      {"customers", r.customers},
      {"repeat_customers", r.repeat_customers},
      {"purchases", r.purchases},
      {"net_revenue_minor", r.net_revenue_minor},
      {"rows", r.input.rows},
      {"rows_after_as_of", r.input.rows_after_as_of},
      {"orders", r.input.orders},
      {"refunds", r.input.refunds},
      {"refunded_minor", r.input.refunded_minor},
      {"orders_fully_refunded", r.input.orders_fully_refunded},
      {"unmatched_refund_minor", r.input.unmatched_refund_minor},
      {"customers_without_purchases", r.input.customers_without_purchases},
      {"first_purchase_day", FormatDate(r.first_purchase_day * kMicrosPerDay)},
      {"calibration_end_day", FormatDate(r.calibration_end_day * kMicrosPerDay)},
      {"as_of_day", FormatDate(r.as_of_day * kMicrosPerDay)},
      {"holdout_periods", Num(r.holdout_periods)}};
  o["chosen_model"] = r.chosen_model;
  o["spend_model"] = r.spend_model;
  json::array models;
  for (std::size_t k = 0; k < r.models.size(); ++k) {
    const ModelEvaluation& m = r.models[k];
    models.push_back(json::object{
        {"model", m.model},
        {"param_names", json::value_from(m.full.param_names)},
        {"candidate", m.candidate},
        {"chosen", k == r.chosen_index},
        {"calibration", FitJson(m.calibration.param_names, m.calibration.mle)},
        {"full", m.full_skipped ? json::value(nullptr) : json::value(FitJson(m.full.param_names, m.full.mle))},
        {"full_skipped", m.full_skipped ? json::value(*m.full_skipped) : json::value(nullptr)},
        {"backtest", m.backtest ? json::value(BacktestJson(*m.backtest)) : json::value(nullptr)}});
  }
  o["models"] = std::move(models);
  if (r.gamma_gamma) {
    json::object gg = FitJson({"p", "q", "gamma"}, r.gamma_gamma->mle);
    gg["customers_used"] = Num(r.gamma_gamma->customers_used);
    gg["frequency_monetary_correlation"] = Num(r.gamma_gamma->frequency_monetary_correlation);
    o["gamma_gamma"] = std::move(gg);
  } else {
    o["gamma_gamma"] = nullptr;
  }

  // P(alive) over frequency × recency at the longest age, lifetimes' plot_probability_alive_matrix;
  // capped at 30 repeat purchases and the engine's 512 recency steps: a heatmap, cheap.
  o["frequency_recency_matrix"] = nullptr;
  {
    double max_x = 0, max_age = 0;
    for (std::size_t c = 0; c < r.summary.size(); ++c) {
      max_x = std::max(max_x, r.summary.frequency[c]);
      max_age = std::max(max_age, r.summary.age[c]);
    }
    const ModelEvaluation& chosen = r.models[r.chosen_index];
    Result<std::unique_ptr<engine::PurchaseModel>> model =
        engine::MakePurchaseModel(chosen.model, chosen.full.mle.params);
    if (model.ok() && max_age > 0) {
      Result<engine::FrequencyRecencyMatrix> m = engine::DefaultFrequencyRecencyMatrix(
          **model, std::min(max_x, 30.0), max_age, 1.0, engine::MatrixMetric::kProbabilityAlive);
      if (m.ok()) {
        json::array values;
        for (const std::optional<double>& v : m->values) values.push_back(v ? Num(*v) : json::value(nullptr));
        o["frequency_recency_matrix"] = json::object{{"metric", "probability_alive"},
                                                     {"age", Num(m->age)},
                                                     {"frequencies", Nums(m->frequencies)},
                                                     {"recencies", Nums(m->recencies)},
                                                     {"values", std::move(values)}};
      }
    }
  }

  json::array forecast;
  for (const engine::ForecastPeriod& p : r.forecast.periods) {
    forecast.push_back(json::object{{"period", p.period},
                                    {"expected_purchases", Num(p.expected_purchases)},
                                    {"purchases_lower", Num(p.purchases_lower)},
                                    {"purchases_upper", Num(p.purchases_upper)},
                                    {"expected_revenue_minor", Num(p.expected_revenue)},
                                    {"revenue_lower_minor", Num(p.revenue_lower)},
                                    {"revenue_upper_minor", Num(p.revenue_upper)}});
  }
  o["forecast"] = json::object{{"period", "month"},
                               {"period_days", engine::DaysPerPeriod(engine::Period::kMonth)},
                               {"start_day", FormatDate(r.as_of_day * kMicrosPerDay)},
                               {"has_revenue", r.forecast.has_revenue},
                               {"periods", std::move(forecast)}};

  if (r.holdout_forecast && r.holdout_forecast_check) {
    const std::vector<double>& actual = r.holdout_actual_purchases;
    json::array periods;
    for (std::size_t i = 0; i < r.holdout_forecast->periods.size(); ++i) {
      const engine::ForecastPeriod& p = r.holdout_forecast->periods[i];
      periods.push_back(json::object{{"period", p.period},
                                     {"expected_purchases", Num(p.expected_purchases)},
                                     {"purchases_lower", Num(p.purchases_lower)},
                                     {"purchases_upper", Num(p.purchases_upper)},
                                     {"actual_purchases", actual[i]}});
    }
    const engine::ForecastCheck& c = *r.holdout_forecast_check;
    o["holdout_forecast"] = json::object{
        {"start_day", FormatDate(r.calibration_end_day * kMicrosPerDay)},
        {"periods", std::move(periods)},
        {"check", json::object{{"total_expected", Num(c.total_expected)},
                               {"total_actual", Num(c.total_actual)},
                               {"mean_absolute_error", Num(c.mean_absolute_error)},
                               {"mean_absolute_percentage_error", Num(c.mean_absolute_percentage_error)},
                               {"band_coverage", Num(c.band_coverage)}}}};
  } else {
    o["holdout_forecast"] = nullptr;
  }

  o["segments"] = GroupsJson(r.segments);
  o["clv_tiers"] = GroupsJson(r.clv_tiers);
  o["churn"] = json::object{
      {"low", Num(r.churn.customers[0])},
      {"medium", Num(r.churn.customers[1])},
      {"high", Num(r.churn.customers[2])},
      {"value_at_risk_minor", Num(r.churn.total_value_at_risk)},
      {"expected_alive", Num(r.churn.expected_alive)},
      {"one_time_buyers", Num(r.churn.one_time_buyers)},
      {"one_time_buyer_p_alive_source", r.churn.one_time_buyer_p_alive_source}};
  o["predicted_clv_total_minor"] = Num(r.predicted_clv_total_minor);
  o["scoring"] = SpecJson(ScoringSpecOf(r, request.options));
  json::array timings;
  double total = 0;
  for (const StageTiming& t : r.timings) {
    timings.push_back(json::object{{"stage", t.stage}, {"wall_ms", Num(t.wall_ms)}});
    total += t.wall_ms;
  }
  o["timings"] = std::move(timings);
  o["total_ms"] = Num(total);
  return json::serialize(o);
}

storage::ModelFitRecord FitRecordOf(const CalculationResult& r, const CalculationRequest& request,
                                    UnixMicros as_of_us, std::optional<JobId> job,
                                    std::string report_json) {
  storage::ModelFitRecord f;
  f.job = job;
  f.as_of_us = as_of_us;
  f.as_of_explicit = request.as_of_us.has_value();
  f.currency = r.currency;
  f.model = r.chosen_model;
  f.model_params = r.models[r.chosen_index].full.mle.params;
  if (r.spend_model == "gamma_gamma" && r.gamma_gamma) {
    f.gamma_gamma_params = {r.gamma_gamma->params.p, r.gamma_gamma->params.q,
                            r.gamma_gamma->params.gamma};
  }
  f.spend_model = r.spend_model;
  f.period = std::string(engine::PeriodName(r.period));
  f.resolution = r.resolution == Resolution::kDay ? "day" : "period";
  f.horizon_periods = request.options.horizon_periods > 0
                          ? request.options.horizon_periods
                          : 365.0 / engine::DaysPerPeriod(request.options.period);
  f.clv_months = request.options.clv_months;
  f.discount_rate_monthly = request.options.discount_rate_monthly;
  f.margin = request.options.margin;
  f.customers = r.customers;
  f.report_json = std::move(report_json);
  return f;
}

storage::CustomerScore ScoreRowOf(const CalculationResult& r, std::size_t c, std::int64_t fit_id,
                                  UnixMicros now) {
  const CustomerScoreTable& t = r.scores;
  storage::CustomerScore s;
  s.customer = r.customer_ids[c];
  s.fit_id = fit_id;
  s.frequency = t.frequency[c];
  s.recency = t.recency[c];
  s.age = t.age[c];
  s.monetary = t.monetary[c];
  s.orders = t.orders[c];
  s.first_order_day = t.first_order_day[c];
  s.last_order_day = t.last_order_day[c];
  s.historical_clv_minor = t.historical_clv_minor[c];
  s.p_alive = t.p_alive[c];
  s.expected_purchases_30d = t.expected_purchases_30d[c];
  s.expected_purchases_90d = t.expected_purchases_90d[c];
  s.expected_purchases_365d = t.expected_purchases_365d[c];
  s.expected_purchases_horizon = t.expected_purchases_horizon[c];
  s.expected_spend_minor = t.expected_spend_minor[c];
  s.predicted_clv_minor = t.predicted_clv_minor[c];
  s.clv_lower_minor = t.clv_lower_minor[c];
  s.clv_upper_minor = t.clv_upper_minor[c];
  s.churn_risk = std::string(engine::ChurnRiskName(t.churn_risk[c]));
  s.value_at_risk_minor = t.value_at_risk_minor[c];
  s.rfm_recency = t.rfm_recency[c];
  s.rfm_frequency = t.rfm_frequency[c];
  s.rfm_monetary = t.rfm_monetary[c];
  s.segment = std::string(engine::RfmSegmentKey(t.segment[c]));
  s.clv_tier = std::string(engine::ClvTierKey(t.clv_tier[c]));
  s.expected_next_order_day = t.expected_next_order_day[c];
  s.updated_at_us = now;
  return s;
}

namespace {

// A number of the spec: a "%a" string (exact), or a plain JSON number.
std::optional<double> ExactValue(const json::value& x) {
  if (x.is_null()) return std::nan("");
  if (x.is_number()) return x.to_number<double>();
  if (!x.is_string()) return std::nullopt;
  const std::string text(x.as_string());
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') return std::nullopt;
  return d;
}

Result<std::vector<double>> DoubleArray(const json::value& v, std::string_view name) {
  if (!v.is_array()) return InvalidArgument("fit report: scoring." + std::string(name) + " is not an array");
  std::vector<double> out;
  for (const json::value& x : v.as_array()) {
    std::optional<double> d = ExactValue(x);
    if (!d) return InvalidArgument("fit report: scoring." + std::string(name) + " has a non-number");
    out.push_back(*d);
  }
  return out;
}

}  // namespace

Result<ScoringSpec> ParseScoringSpec(std::string_view report_json) {
  boost::system::error_code ec;
  json::value v = json::parse(report_json, ec);
  if (ec || !v.is_object()) return InvalidArgument("fit report is not a JSON object");
  const json::value* sp = v.as_object().if_contains("scoring");
  if (sp == nullptr || !sp->is_object()) return InvalidArgument("fit report has no scoring spec");
  const json::object& o = sp->as_object();
  try {
    ScoringSpec s;
    s.model = json::value_to<std::string>(o.at("model"));
    CLV_ASSIGN_OR_RETURN(s.params, DoubleArray(o.at("params"), "params"));
    if (!o.at("one_time_buyer_mbgnbd").is_null()) {
      CLV_ASSIGN_OR_RETURN(s.one_time_buyer_mbgnbd,
                           DoubleArray(o.at("one_time_buyer_mbgnbd"), "one_time_buyer_mbgnbd"));
    }
    s.spend_model = json::value_to<std::string>(o.at("spend_model"));
    if (!o.at("gamma_gamma").is_null()) {
      CLV_ASSIGN_OR_RETURN(std::vector<double> gg, DoubleArray(o.at("gamma_gamma"), "gamma_gamma"));
      if (gg.size() != 3) return InvalidArgument("fit report: scoring.gamma_gamma needs 3 values");
      s.gamma_gamma = engine::GammaGammaParams{gg[0], gg[1], gg[2]};
    }
    CLV_ASSIGN_OR_RETURN(s.purchase_log_cov, DoubleArray(o.at("purchase_log_cov"), "purchase_log_cov"));
    CLV_ASSIGN_OR_RETURN(s.spend_log_cov, DoubleArray(o.at("spend_log_cov"), "spend_log_cov"));
    const json::object& clv = o.at("clv").as_object();
    s.clv.months = json::value_to<int>(clv.at("months"));
    auto number = [](const json::value& x, const char* what) -> double {
      std::optional<double> d = ExactValue(x);
      if (!d) throw std::invalid_argument(std::string(what) + " is not a number");
      return *d;
    };
    s.clv.discount_rate_monthly = number(clv.at("discount_rate_monthly"), "discount_rate_monthly");
    s.clv.margin = number(clv.at("margin"), "margin");
    s.clv.periods_per_month = number(clv.at("periods_per_month"), "periods_per_month");
    s.horizon_periods = number(o.at("horizon_periods"), "horizon_periods");
    const std::string period = json::value_to<std::string>(o.at("period"));
    s.period = period == "day" ? engine::Period::kDay
               : period == "week" ? engine::Period::kWeek
                                  : engine::Period::kMonth;
    s.resolution = json::value_to<std::string>(o.at("resolution")) == "day" ? Resolution::kDay
                                                                            : Resolution::kPeriod;
    s.high_risk_below = number(o.at("high_risk_below"), "high_risk_below");
    s.low_risk_from = number(o.at("low_risk_from"), "low_risk_from");
    s.rfm_recency_days = json::value_to<std::vector<std::int64_t>>(o.at("rfm_recency_days"));
    s.rfm_orders = json::value_to<std::vector<std::int64_t>>(o.at("rfm_orders"));
    s.rfm_revenue_minor = json::value_to<std::vector<std::int64_t>>(o.at("rfm_revenue_minor"));
    if (s.rfm_recency_days.size() != 4 || s.rfm_orders.size() != 4 || s.rfm_revenue_minor.size() != 4) {
      return InvalidArgument("fit report: RFM thresholds need 4 values each");
    }
    auto opt = [&](const char* key) -> std::optional<double> {
      const json::value& x = o.at(key);
      if (x.is_null()) return std::nullopt;
      return number(x, key);
    };
    s.tier_top_1 = opt("tier_top_1");
    s.tier_top_10 = opt("tier_top_10");
    s.tier_top_50 = opt("tier_top_50");
    return s;
  } catch (const std::exception& e) {
    // Boost.JSON accessors throw on a missing key or a wrong type: a malformed report.
    return InvalidArgument(std::string("fit report: malformed scoring spec (") + e.what() + ")");
  }
}

}  // namespace clv::service
