#include "service/calculation.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <future>
#include <memory>
#include <numeric>
#include <system_error>
#include <type_traits>
#include <utility>

#include "core/time.h"
#include "engine/analytics/clv.h"
#include "engine/analytics/histories.h"
#include "engine/data/transactions.h"
#include "engine/models/purchase_model.h"
#include "service/score_math.h"

namespace clv::service {
namespace {

using SteadyClock = std::chrono::steady_clock;
using internal::kLogStep;
using internal::LogCovariance;

constexpr std::array<std::string_view, 3> kModelOrder = {"bgnbd", "mbgnbd", "pnbd"};

// std::async on a new thread; when no thread can be started (resource exhaustion), the work
// runs deferred, on the caller's thread at get(): slower, never an exception to the caller.
template <typename F>
std::future<std::invoke_result_t<F>> StartConcurrently(F f) {
  try {
    return std::async(std::launch::async, f);
  } catch (const std::system_error&) {
    return std::async(std::launch::deferred, std::move(f));
  }
}

// Runs task(i) for every i in [0, count), each once, on this thread and one more; the tasks are
// taken in order of i. Returns when all are done.
void RunOnTwoThreads(std::size_t count, const std::function<void(std::size_t)>& task) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) task(i);
  };
  std::future<void> other;
  if (count > 1) other = StartConcurrently(worker);
  worker();
  if (other.valid()) other.get();
}

double MsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

double ProcessCpuMs() {
  timespec ts{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

std::string DayText(std::int64_t day) { return FormatDate(day * kMicrosPerDay); }

// Reports progress and records the time of each stage.
class Stages {
 public:
  Stages(const ProgressCallback& progress, std::vector<StageTiming>& timings)
      : progress_(progress), timings_(timings) {}
  void Begin(std::string_view stage, double fraction) {
    End();
    stage_ = stage;
    start_ = SteadyClock::now();
    cpu_start_ = ProcessCpuMs();
    if (progress_) progress_(fraction, stage);
  }
  void End() {
    if (!stage_.empty()) timings_.push_back({stage_, MsSince(start_), ProcessCpuMs() - cpu_start_});
    stage_.clear();
  }

 private:
  const ProgressCallback& progress_;
  std::vector<StageTiming>& timings_;
  std::string stage_;
  SteadyClock::time_point start_;
  double cpu_start_ = 0;
};

Result<ModelFit> Fit(std::string_view name, const engine::RfmData& data,
                     std::unique_ptr<engine::PurchaseModel>& model_out) {
  const auto start = SteadyClock::now();
  Result<engine::PurchaseFit> fit = engine::FitPurchaseModel(name, data, engine::FitOptions{});
  // Our summaries are valid by construction, so an engine error here is a bug, not bad input.
  if (!fit.ok()) return Internal("fitting " + std::string(name) + ": " + fit.status().message());
  ModelFit out;
  out.model = std::string(name);
  out.param_names = fit->model->param_names();
  out.mle = std::move(fit->mle);
  out.mle.report.wall_time_ms = MsSince(start);
  model_out = std::move(fit->model);
  return out;
}

// In day resolution the engine summarises in days; the models work in `period`.
void DaysToPeriods(engine::RfmData& data, const CalculationOptions& o) {
  if (o.resolution != Resolution::kDay || o.period == engine::Period::kDay) return;
  const double days = engine::DaysPerPeriod(o.period);
  for (double& v : data.recency) v /= days;
  for (double& v : data.age) v /= days;
}

}  // namespace

Status ValidateCalculationOptions(const CalculationOptions& o) {
  if (o.models.empty()) return InvalidArgument("models: choose at least one of bgnbd, mbgnbd, pnbd");
  for (std::size_t i = 0; i < o.models.size(); ++i) {
    if (std::find(kModelOrder.begin(), kModelOrder.end(), o.models[i]) == kModelOrder.end()) {
      return InvalidArgument("models: unknown model '" + o.models[i] +
                             "' (choose from bgnbd, mbgnbd, pnbd)");
    }
    if (std::find(o.models.begin(), o.models.begin() + static_cast<std::ptrdiff_t>(i),
                  o.models[i]) != o.models.begin() + static_cast<std::ptrdiff_t>(i)) {
      return InvalidArgument("models: '" + o.models[i] + "' is listed twice");
    }
  }
  if (!std::isfinite(o.horizon_periods) || o.horizon_periods < 0 || o.horizon_periods > 1e5) {
    return InvalidArgument("horizon must be between 0 (one year) and 100000 periods");
  }
  if (o.clv_months < 1 || o.clv_months > 1200) {
    return InvalidArgument("clv_months must be in 1..1200");
  }
  if (!std::isfinite(o.discount_rate_monthly) || o.discount_rate_monthly <= -1 ||
      o.discount_rate_monthly > 1) {
    return InvalidArgument("discount_rate must be a monthly rate in (-1, 1]");
  }
  if (!std::isfinite(o.margin) || !(o.margin > 0) || o.margin > 1) {
    return InvalidArgument("margin must be a gross margin in (0, 1]");
  }
  if (!(o.holdout_fraction > 0) || !(o.holdout_fraction <= 0.5)) {
    return InvalidArgument("holdout_fraction must be in (0, 0.5]");
  }
  if (o.min_customers < 1) return InvalidArgument("min_customers must be at least 1");
  if (o.forecast_months < 1 || o.forecast_months > 120) {
    return InvalidArgument("forecast_months must be in 1..120");
  }
  return Status::Ok();
}

Result<CalculationResult> RunCalculation(const CalculationInput& input,
                                         const CalculationOptions& options,
                                         const ProgressCallback& progress) {
  CLV_RETURN_IF_ERROR(ValidateCalculationOptions(options));
  CalculationResult res;
  Stages stages(progress, res.timings);
  const std::int32_t n = input.num_customers();
  const auto un = static_cast<std::size_t>(n);
  const double days_per_period = engine::DaysPerPeriod(options.period);
  const engine::Period unit =
      options.resolution == Resolution::kDay ? engine::Period::kDay : options.period;

  res.currency = input.currency;
  res.as_of_day = input.as_of_day;
  res.period = options.period;
  res.resolution = options.resolution;
  res.customers = n;
  res.purchases = static_cast<std::int64_t>(input.num_purchases());
  res.input = input.stats;
  res.customer_ids = input.customer_ids;

  // ---- Minimums that need no model ------------------------------------------------------
  const std::string as_of_text = DayText(input.as_of_day);
  if (n < options.min_customers) {
    return FailedPrecondition(std::to_string(n) + " customer" + (n == 1 ? "" : "s") +
                              " bought up to " + as_of_text +
                              "; a CLV calculation needs at least " +
                              std::to_string(options.min_customers) + " customers");
  }

  stages.Begin("summary", 0.0);
  std::vector<double> day(input.num_purchases()), amount(input.num_purchases());
  for (std::size_t i = 0; i < day.size(); ++i) {
    day[i] = static_cast<double>(input.day[i]);
    amount[i] = static_cast<double>(input.amount_minor[i]);
    res.net_revenue_minor += input.amount_minor[i];  // per-customer sums were checked
  }
  const engine::TransactionLog log{input.customer, day, amount};
  const auto as_of = static_cast<double>(input.as_of_day);
  // The holdout split needs only the first purchase day and as_of, not the full summary, so it
  // runs on a second thread while this one summarises the full period: both are serial passes
  // over every purchase (~0.7 s each at 5 M purchases) reading the same immutable log. The
  // checks below keep their order; a future of std::async joins when it goes out of scope, so
  // an early return cannot leave the thread behind.
  res.first_purchase_day = *std::min_element(input.day.begin(), input.day.end());
  const std::int64_t span_days = input.as_of_day - res.first_purchase_day;
  const auto holdout_days =
      static_cast<std::int64_t>(std::llround(options.holdout_fraction * static_cast<double>(span_days)));
  const auto min_holdout_days = static_cast<std::int64_t>(std::ceil(days_per_period));
  std::future<Result<engine::CalibrationHoldout>> split_future;
  if (holdout_days >= min_holdout_days) {
    const double calibration_end = static_cast<double>(input.as_of_day - holdout_days);
    split_future = StartConcurrently([&log, n, unit, calibration_end, as_of] {
      return engine::SplitCalibrationHoldout(log, n, unit, calibration_end, as_of);
    });
  }
  Result<engine::RfmSummary> full = engine::SummarizeTransactions(log, n, unit, as_of);
  if (!full.ok()) return Internal("summarising the orders: " + full.status().message());
  // Every indexed customer has a purchase on or before as_of, so rows = customers in order.
  CLV_CHECK(full->customer.size() == un);
  res.summary = std::move(full->data);
  DaysToPeriods(res.summary, options);
  for (double x : res.summary.frequency) res.repeat_customers += x > 0 ? 1 : 0;
  if (res.repeat_customers == 0) {
    return FailedPrecondition(
        "no customer has a repeat purchase (a second order on a later " +
        std::string(options.resolution == Resolution::kDay ? "day"
                                                           : engine::PeriodName(options.period)) +
        ") up to " + as_of_text +
        "; the purchase models need customers who came back");
  }

  const auto min_span_days = static_cast<std::int64_t>(
      std::ceil(static_cast<double>(min_holdout_days) / options.holdout_fraction));
  const std::string holdout_percent =
      std::to_string(static_cast<int>(std::lround(options.holdout_fraction * 100)));
  if (holdout_days < min_holdout_days) {
    return FailedPrecondition(
        "the orders span " + std::to_string(span_days) + " days (" +
        DayText(res.first_purchase_day) + " to " + as_of_text + "); the backtest holds out the last " +
        holdout_percent + "% and needs at least one " + std::string(engine::PeriodName(options.period)) +
        " of it, so at least " + std::to_string(min_span_days) + " days of orders");
  }
  res.calibration_end_day = input.as_of_day - holdout_days;
  Result<engine::CalibrationHoldout> split = split_future.get();
  if (!split.ok()) return Internal("splitting the orders: " + split.status().message());
  engine::RfmData calibration = std::move(split->calibration.data);
  DaysToPeriods(calibration, options);
  res.holdout_periods = options.resolution == Resolution::kDay && options.period != engine::Period::kDay
                            ? split->holdout_duration / days_per_period
                            : split->holdout_duration;
  const bool calibration_has_repeats =
      std::any_of(calibration.frequency.begin(), calibration.frequency.end(),
                  [](double x) { return x > 0; });
  if (calibration.size() == 0 || !calibration_has_repeats || !(res.holdout_periods > 0)) {
    return FailedPrecondition("no repeat purchases before " + DayText(res.calibration_end_day) +
                              ", the end of the first " +
                              std::to_string(100 - std::stoi(holdout_percent)) +
                              "% of the orders' span: the backtest needs customers who came "
                              "back before the holdout");
  }

  // ---- Calibration fits and backtests ------------------------------------------------------
  std::vector<std::string_view> names;
  for (std::string_view m : kModelOrder) {
    if (std::find(options.models.begin(), options.models.end(), m) != options.models.end()) {
      names.push_back(m);
    }
  }
  std::vector<std::unique_ptr<engine::PurchaseModel>> calibration_models(names.size());
  std::vector<std::unique_ptr<engine::PurchaseModel>> full_models(names.size());
  res.models.resize(names.size());
  for (std::size_t k = 0; k < names.size(); ++k) res.models[k].model = std::string(names[k]);
  // The models' fits are independent: they run two at a time (RunOnTwoThreads), costliest
  // first — Pareto/NBD, then MBG/NBD, then BG/NBD (the reverse of kModelOrder) — so that the
  // long one starts at once and the short ones fill the other thread. Each fit still runs its
  // likelihood in parallel (OpenMP, one team per thread) and is deterministic whatever the
  // thread count, so the results are the bits of fitting them one after the other. Each task
  // writes only its own model's slots.
  std::vector<Status> fit_errors(names.size());
  auto fit_all = [&](const std::vector<std::size_t>& which, const engine::RfmData& data,
                     bool full) -> Status {
    RunOnTwoThreads(which.size(), [&](std::size_t i) {
      const std::size_t k = which[which.size() - 1 - i];  // `which` is in kModelOrder
      ModelEvaluation& m = res.models[k];
      Result<ModelFit> fit = Fit(names[k], data, full ? full_models[k] : calibration_models[k]);
      if (!fit.ok()) {
        fit_errors[k] = fit.status();
      } else {
        (full ? m.full : m.calibration) = std::move(fit).value();
      }
    });
    for (const std::size_t k : which) CLV_RETURN_IF_ERROR(fit_errors[k]);
    return Status::Ok();
  };
  std::vector<std::size_t> all_models(names.size());
  std::iota(all_models.begin(), all_models.end(), std::size_t{0});
  stages.Begin("calibration_fits", 0.05);
  CLV_RETURN_IF_ERROR(fit_all(all_models, calibration, false));
  stages.Begin("backtest", 0.4);
  const std::vector<double> duration = {res.holdout_periods};
  for (std::size_t k = 0; k < names.size(); ++k) {
    if (!res.models[k].calibration.mle.report.converged) continue;
    Result<engine::Backtest> bt =
        engine::RunBacktest(*calibration_models[k], calibration, split->holdout_frequency, duration);
    if (!bt.ok()) return Internal("backtest of " + res.models[k].model + ": " + bt.status().message());
    res.models[k].backtest = std::move(bt).value();
  }

  // ---- Full-period fits and the choice -----------------------------------------------------
  stages.Begin("full_fits", 0.42);
  std::vector<std::size_t> to_fit;
  for (std::size_t k = 0; k < names.size(); ++k) {
    ModelEvaluation& m = res.models[k];
    if (!m.calibration.mle.report.converged) {
      // No backtest, so never a candidate: fitting it again on the full period could change
      // nothing that is chosen or scored, and a fit that fails is the costliest kind (it runs
      // until its checks give up; on 1 M customers the two skipped here took 7.7 s of 20.6).
      m.full_skipped = "skipped: the calibration fit did not converge (" +
                       m.calibration.mle.report.message + "), so the model cannot be chosen";
      m.full.model = m.model;
      m.full.param_names = m.calibration.param_names;
      m.full.mle.report.message = *m.full_skipped;
      continue;
    }
    to_fit.push_back(k);
  }
  CLV_RETURN_IF_ERROR(fit_all(to_fit, res.summary, true));
  for (const std::size_t k : to_fit) {
    res.models[k].candidate = res.models[k].backtest.has_value() && res.models[k].full.mle.report.converged;
  }
  std::vector<engine::Backtest> candidate_backtests;
  std::vector<std::size_t> candidate_index;
  for (std::size_t k = 0; k < names.size(); ++k) {
    if (!res.models[k].candidate) continue;
    candidate_backtests.push_back(*res.models[k].backtest);
    candidate_index.push_back(k);
  }
  if (candidate_backtests.empty()) {
    std::string why;
    for (const ModelEvaluation& m : res.models) {
      const engine::FitReport& bad = m.calibration.mle.report.converged ? m.full.mle.report
                                                                        : m.calibration.mle.report;
      why += (why.empty() ? "" : "; ") + m.model + ": " + bad.message;
    }
    return FailedPrecondition("no purchase model converged on these orders (" + why +
                              "); more customers or a longer history usually help");
  }
  CLV_ASSIGN_OR_RETURN(const std::size_t chosen, engine::SelectModel(candidate_backtests));
  res.chosen_index = candidate_index[chosen];
  res.chosen_model = res.models[res.chosen_index].model;
  const engine::PurchaseModel& model = *full_models[res.chosen_index];
  const ModelFit& model_fit = res.models[res.chosen_index].full;

  // ---- Spend ------------------------------------------------------------------------------
  stages.Begin("spend_model", 0.78);
  {
    // Gamma-Gamma needs a positive mean spend for every repeat customer; repeat customers whose
    // repeat orders were all free (mean 0) are left out of the fit and scored at their posterior
    // mean like everyone else.
    engine::RfmData spenders;
    for (std::size_t c = 0; c < un; ++c) {
      if (res.summary.frequency[c] > 0 && res.summary.monetary[c] > 0) {
        spenders.frequency.push_back(res.summary.frequency[c]);
        spenders.recency.push_back(res.summary.recency[c]);
        spenders.age.push_back(res.summary.age[c]);
        spenders.monetary.push_back(res.summary.monetary[c]);
      }
    }
    if (!spenders.frequency.empty()) {
      const auto start = SteadyClock::now();
      Result<engine::GammaGammaFit> gg = engine::FitGammaGamma(spenders, engine::FitOptions{});
      if (!gg.ok()) return Internal("fitting Gamma-Gamma: " + gg.status().message());
      gg->mle.report.wall_time_ms = MsSince(start);
      res.gamma_gamma = std::move(gg).value();
    }
  }
  const bool gg_usable = res.gamma_gamma.has_value() && res.gamma_gamma->mle.report.converged &&
                         res.gamma_gamma->params.q > 1;
  res.spend_model = gg_usable ? "gamma_gamma" : "customer_mean";

  // ---- Scores ------------------------------------------------------------------------------
  stages.Begin("scoring", 0.82);
  CustomerScoreTable& s = res.scores;
  s.frequency = res.summary.frequency;
  s.recency = res.summary.recency;
  s.age = res.summary.age;
  s.monetary = res.summary.monetary;
  s.orders.assign(un, 0);
  s.first_order_day.assign(un, 0);
  s.last_order_day.assign(un, 0);
  std::vector<std::int64_t> revenue(un, 0);
  for (std::size_t i = 0; i < input.num_purchases(); ++i) {
    const auto c = static_cast<std::size_t>(input.customer[i]);
    if (s.orders[c]++ == 0) s.first_order_day[c] = input.day[i];
    s.last_order_day[c] = input.day[i];
    revenue[c] += input.amount_minor[i];
  }
  s.historical_clv_minor.resize(un);
  for (std::size_t c = 0; c < un; ++c) {
    s.historical_clv_minor[c] =
        options.margin == 1.0
            ? revenue[c]
            : static_cast<std::int64_t>(std::llround(static_cast<double>(revenue[c]) * options.margin));
  }

  engine::ClvOptions clv_options;
  clv_options.months = options.clv_months;
  clv_options.discount_rate_monthly = options.discount_rate_monthly;
  clv_options.margin = options.margin;
  clv_options.periods_per_month = options.period == engine::Period::kWeek  ? engine::kWeeksPerMonth
                                  : options.period == engine::Period::kDay ? engine::kDaysPerMonth
                                                                           : 1.0;
  const double horizon =
      options.horizon_periods > 0 ? options.horizon_periods : 365.0 / days_per_period;

  // Everything but the spend depends on (x, t_x, T) only, and the models' expectations factor
  // as P(alive | x, t_x, T) · E[X(t) | alive, x, T] with the costly factor depending on (x, T)
  // only (engine/analytics/histories.h). So the alive factor is evaluated once per distinct
  // (x, T) and time, P(alive) once per distinct history, for the model and for each perturbed
  // model of the interval; the products are the same bits as model.ExpectedPurchases and the
  // discounted sums the same as engine::CustomerLifetimeValue (service/scoring.cc rescoring
  // recomputes single customers that way and must agree exactly).
  const engine::HistoryIndex index = engine::IndexHistories(res.summary);
  const auto num_groups = static_cast<std::int64_t>(index.num_histories());
  const std::vector<double> params = model_fit.mle.params;
  const std::size_t kp = params.size();
  std::vector<std::unique_ptr<engine::PurchaseModel>> perturbed;
  const std::vector<double> purchase_cov = LogCovariance(model_fit.mle);
  if (!purchase_cov.empty()) {
    for (std::size_t j = 0; j < kp; ++j) {
      std::vector<double> p = params;
      p[j] *= std::exp(kLogStep);
      Result<std::unique_ptr<engine::PurchaseModel>> m = engine::MakePurchaseModel(res.chosen_model, p);
      if (!m.ok()) return Internal("perturbing " + res.chosen_model + ": " + m.status().message());
      perturbed.push_back(std::move(m).value());
    }
  }
  const std::size_t np = perturbed.size();
  // engine::CustomerLifetimeValue's steps: E at step · periods_per_month, discounted by
  // (1 + d)^step, and the four horizons after them for the chosen model.
  const auto steps = static_cast<std::size_t>(clv_options.months);
  std::vector<double> times(steps), discount(steps);
  for (std::size_t k = 0; k < steps; ++k) {
    const double t = static_cast<int>(k + 1) * clv_options.periods_per_month;
    times[k] = t;
    discount[k] = std::pow(1 + clv_options.discount_rate_monthly, t / clv_options.periods_per_month);
  }
  const std::array<double, 4> horizons = {30.0 / days_per_period, 90.0 / days_per_period,
                                          365.0 / days_per_period, horizon};
  // Per history: discounted purchases (× margin) of a model, and for the chosen model the
  // expected purchases over the four horizons.
  std::vector<std::array<double, 4>> g_expected(static_cast<std::size_t>(num_groups));
  auto discounted_purchases = [&](const engine::PurchaseModel& m, bool with_horizons) {
    std::vector<double> all_times = times;
    if (with_horizons) all_times.insert(all_times.end(), horizons.begin(), horizons.end());
    const std::size_t kt = all_times.size();
    const std::vector<double> alive = engine::ProbabilityAliveOfHistories(m, index);
    const std::vector<double> q = engine::ExpectedPurchasesIfAliveOfPairs(m, index, all_times);
    std::vector<double> out(static_cast<std::size_t>(num_groups));
#pragma omp parallel for schedule(static)
    for (std::int64_t g = 0; g < num_groups; ++g) {
      const double a = alive[static_cast<std::size_t>(g)];
      const double* qg = q.data() + static_cast<std::size_t>(index.pair_of_history[g]) * kt;
      double total = 0, previous = 0;
      for (std::size_t k = 0; k < steps; ++k) {
        const double current = a * qg[k];
        total += (current - previous) / discount[k];
        previous = current;
      }
      out[static_cast<std::size_t>(g)] = 1.0 * clv_options.margin * total;
      if (with_horizons) {
        for (std::size_t h = 0; h < horizons.size(); ++h) {
          g_expected[static_cast<std::size_t>(g)][h] = a * qg[steps + h];
        }
      }
    }
    return out;
  };
  const std::vector<double> g_discounted = discounted_purchases(model, true);
  std::vector<double> g_gradient(static_cast<std::size_t>(num_groups) * kp, 0.0);
  for (std::size_t j = 0; j < np; ++j) {
    const std::vector<double> dj = discounted_purchases(*perturbed[j], false);
    for (std::size_t g = 0; g < dj.size(); ++g) {
      g_gradient[g * kp + j] = (dj[g] - g_discounted[g]) / kLogStep;
    }
  }

  const engine::GammaGammaParams gg = gg_usable ? res.gamma_gamma->params : engine::GammaGammaParams{};
  const std::vector<double> spend_cov = gg_usable ? LogCovariance(res.gamma_gamma->mle) : std::vector<double>{};
  const bool has_interval = !purchase_cov.empty() && (!gg_usable || !spend_cov.empty());
  s.expected_purchases_30d.resize(un);
  s.expected_purchases_90d.resize(un);
  s.expected_purchases_365d.resize(un);
  s.expected_purchases_horizon.resize(un);
  s.expected_spend_minor.resize(un);
  s.predicted_clv_minor.resize(un);
  s.clv_lower_minor.resize(un);
  s.clv_upper_minor.resize(un);
  s.expected_next_order_day.resize(un);
#pragma omp parallel for schedule(static)
  for (std::int64_t ci = 0; ci < static_cast<std::int64_t>(n); ++ci) {
    const auto c = static_cast<std::size_t>(ci);
    const auto g = static_cast<std::size_t>(index.rows.group_of_row[c]);
    const double x = res.summary.frequency[c], m = res.summary.monetary[c];
    const internal::SpendEstimate spend =
        internal::ExpectedSpend(gg_usable ? &gg : nullptr, x, m, revenue[c], s.orders[c]);
    const double d = g_discounted[g];
    const double clv = spend.spend * d;
    s.expected_spend_minor[c] = spend.spend;
    s.predicted_clv_minor[c] = clv;
    const internal::ClvBounds bounds =
        internal::ClvInterval80(has_interval, clv, d, &g_gradient[g * kp], purchase_cov, kp, spend,
                                gg_usable ? &spend_cov : nullptr);
    s.clv_lower_minor[c] = bounds.lower;
    s.clv_upper_minor[c] = bounds.upper;
    const std::array<double, 4>& e = g_expected[g];
    s.expected_purchases_30d[c] = e[0];
    s.expected_purchases_90d[c] = e[1];
    s.expected_purchases_365d[c] = e[2];
    s.expected_purchases_horizon[c] = e[3];
    s.expected_next_order_day[c] = internal::ExpectedNextOrderDay(input.as_of_day, e);
  }
  for (double v : s.predicted_clv_minor) res.predicted_clv_total_minor += v;

  // ---- Aggregates --------------------------------------------------------------------------
  stages.Begin("aggregates", 0.9);
  // Cohorts and the holdout forecast check depend on nothing computed below (only on the input,
  // the first order days and the calibration fit), and both walk every purchase serially: they
  // run on a second thread while this one does churn, RFM, tiers and the forecast. Each side
  // writes its own fields of `res`; the future joins before anything returns.
  const double forecast_month_days = engine::DaysPerPeriod(engine::Period::kMonth);
  engine::ForecastOptions forecast_options;
  forecast_options.horizon = options.forecast_months;
  forecast_options.period_length = forecast_month_days / days_per_period;
  std::future<Status> side = StartConcurrently([&]() -> Status {
    Result<engine::CohortMatrix> cohorts = engine::BuildCohorts(
        {input.customer, input.day, input.amount_minor, s.first_order_day}, engine::Period::kMonth,
        input.as_of_day);
    if (!cohorts.ok()) return Internal("cohorts: " + cohorts.status().message());
    res.cohorts = std::move(cohorts).value();

    // The same forecast made at the calibration end by the chosen model's calibration fit,
    // against the repeat purchase occasions (distinct days, or periods) that then happened, per
    // month.
    const int holdout_months = std::min(
        options.forecast_months,
        static_cast<int>(static_cast<double>(holdout_days) / forecast_month_days));
    const engine::PurchaseModel* calibration_model = calibration_models[res.chosen_index].get();
    if (holdout_months >= 1 && res.models[res.chosen_index].calibration.mle.report.converged) {
      engine::ForecastOptions fo = forecast_options;
      fo.horizon = holdout_months;
      Result<engine::RepeatForecast> hf =
          engine::ForecastRepeatPurchases(*calibration_model, calibration, {}, fo);
      if (!hf.ok()) return Internal("holdout forecast: " + hf.status().message());
      std::vector<double> actual(static_cast<std::size_t>(holdout_months), 0.0);
      const std::int64_t end_period =
          engine::PeriodIndex(unit, static_cast<double>(res.calibration_end_day));
      std::int32_t previous_customer = -1;
      std::int64_t previous_period = 0;
      for (std::size_t i = 0; i < input.num_purchases(); ++i) {
        const auto c = static_cast<std::size_t>(input.customer[i]);
        if (s.first_order_day[c] > res.calibration_end_day) continue;  // not in the calibration
        const std::int64_t p = engine::PeriodIndex(unit, static_cast<double>(input.day[i]));
        const bool repeat_occasion =
            p > end_period && !(input.customer[i] == previous_customer && p == previous_period);
        previous_customer = input.customer[i];
        previous_period = p;
        if (!repeat_occasion) continue;
        const auto k = static_cast<std::int64_t>(std::ceil(
            static_cast<double>(input.day[i] - res.calibration_end_day) / forecast_month_days));
        if (k >= 1 && k <= holdout_months) actual[static_cast<std::size_t>(k - 1)] += 1;
      }
      Result<engine::ForecastCheck> check = engine::CheckForecast(*hf, actual);
      if (!check.ok()) return Internal("holdout forecast check: " + check.status().message());
      res.holdout_forecast = std::move(hf).value();
      res.holdout_forecast_check = std::move(check).value();
      res.holdout_actual_purchases = std::move(actual);
    }
    return Status::Ok();
  });

  engine::ChurnOptions churn_options;
  const auto mbg = std::find(names.begin(), names.end(), "mbgnbd");
  if (res.chosen_model == "bgnbd" && mbg != names.end()) {
    const auto k = static_cast<std::size_t>(mbg - names.begin());
    if (res.models[k].full.mle.report.converged) churn_options.one_time_buyer_model = full_models[k].get();
  }
  Result<engine::ChurnReport> churn =
      engine::AssessChurn(model, res.summary, s.predicted_clv_minor, churn_options);
  if (!churn.ok()) return Internal("churn: " + churn.status().message());
  res.churn = std::move(churn).value();
  s.p_alive.resize(un);
  s.churn_risk.resize(un);
  s.value_at_risk_minor.resize(un);
  for (const engine::ChurnRow& row : res.churn.ranked) {
    const auto c = static_cast<std::size_t>(row.row);
    s.p_alive[c] = row.p_alive;
    s.churn_risk[c] = row.risk;
    s.value_at_risk_minor[c] = row.value_at_risk;
  }

  Result<engine::RfmScores> rfm = engine::ScoreRfm({s.last_order_day, s.orders, revenue}, input.as_of_day);
  if (!rfm.ok()) return Internal("RFM scores: " + rfm.status().message());
  Result<engine::GroupTable> segments = engine::SummarizeSegments(*rfm, revenue, s.predicted_clv_minor);
  if (!segments.ok()) return Internal("segments: " + segments.status().message());
  res.segments = std::move(segments).value();
  s.rfm_recency = std::move(rfm->recency);
  s.rfm_frequency = std::move(rfm->frequency);
  s.rfm_monetary = std::move(rfm->monetary);
  s.segment = std::move(rfm->segment);

  Result<engine::ClvTiers> tiers = engine::AssignClvTiers(s.predicted_clv_minor);
  if (!tiers.ok()) return Internal("CLV tiers: " + tiers.status().message());
  Result<engine::GroupTable> tier_table =
      engine::SummarizeClvTiers(*tiers, revenue, s.predicted_clv_minor);
  if (!tier_table.ok()) return Internal("CLV tiers: " + tier_table.status().message());
  res.clv_tiers = std::move(tier_table).value();
  s.clv_tier = std::move(tiers->tier);

  Result<engine::RepeatForecast> forecast =
      engine::ForecastRepeatPurchases(model, res.summary, index, s.expected_spend_minor, forecast_options);
  if (!forecast.ok()) return Internal("forecast: " + forecast.status().message());
  res.forecast = std::move(forecast).value();

  CLV_RETURN_IF_ERROR(side.get());
  stages.Begin("done", 1.0);
  stages.End();
  return res;
}

}  // namespace clv::service
