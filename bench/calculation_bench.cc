// The CLV calculation in memory (service/calculation.h) on 1,000,000 customers: BG/NBD +
// Gamma-Gamma with the CDNOW estimates, except purchases three times as frequent (α = 4.414
// weeks / 3, in days: CDNOW's rate gives under 3 orders per customer, a busier shop ~5), first
// purchases over one year, observed for two, streamed through CalculationInputBuilder as
// the store would stream them, then RunCalculation end to end (three models fitted twice, the
// backtest, Gamma-Gamma, scoring with CLV intervals, segments, tiers, churn, cohorts, forecasts).
//
// Target (the later job, including the PostgreSQL read and write): <= 30 s. This measures the
// in-memory part; figures go to docs/benchmarks.md ("CLV calculation (in memory)"). Each case
// runs once (a calculation is a batch job, not a hot loop); per-stage times are counters.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "core/time.h"
#include "engine/analytics/histories.h"
#include "engine/models/simulate.h"
#include "service/calculation.h"

namespace clv::service {
namespace {

constexpr std::int32_t kCustomers = 1000000;
const UnixMicros kStart = MidnightUtc(2023, 1, 1);
const UnixMicros kAsOf = MidnightUtc(2024, 12, 31);

const std::vector<storage::AnalysisRow>& Rows() {
  static const std::vector<storage::AnalysisRow> rows = [] {
    engine::SimulationSpec spec;
    spec.purchase = {0.243, 4.414 * 7 / 3, 0.793, 2.426};
    spec.spend = engine::GammaGammaParams{6.25, 3.74, 15.44};
    spec.num_customers = kCustomers;
    spec.observation_end = 730;
    spec.acquisition_window = 365;
    spec.seed = 2005;
    Result<engine::SimulatedTransactions> tx = engine::SimulateTransactions(spec);
    if (!tx.ok()) std::abort();
    std::vector<storage::AnalysisRow> out(tx->customer.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i].customer.value = tx->customer[i] + 1;
      out[i].placed_at_us = kStart + static_cast<UnixMicros>(tx->time[i] * 86400e6);
      out[i].amount_minor = std::llround(tx->amount[i] * 100);
      out[i].currency = "USD";
    }
    return out;
  }();
  return rows;
}

const CalculationInput& Input() {
  static const CalculationInput input = [] {
    CalculationInputBuilder b(kAsOf);
    for (const auto& r : Rows()) {
      if (!b.Add(r).ok()) std::abort();
    }
    Result<CalculationInput> in = b.Finish();
    if (!in.ok()) std::abort();
    return std::move(in).value();
  }();
  return input;
}

// The data of the PostgreSQL job benchmark (bench/calc_bench.sh) without the database: the rows
// bench/gen_orders_csv.cc writes with its defaults there (5,000,000 rows, seed 42, customer pool
// 1,040,000; the same random sequence, so the same orders), less the cancelled ones (the store
// leaves them out), as StreamOrdersForAnalysis yields them (by customer, then time), as of
// 2023-12-31. ~1 M customers with uniformly random order times over three years: far more
// distinct (x, t_x, T) than the simulated cohort above, which is what made that job slow.
const CalculationInput& ShopInput() {
  static const CalculationInput input = [] {
    constexpr long kRows = 5'000'000;
    constexpr double kPool = 1'040'000;
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::uniform_int_distribution<std::int64_t> cents(100, 50'000);
    const std::int64_t start = 1'609'459'200;
    const double step = 3.0 * 365 * 86'400 / static_cast<double>(kRows);
    struct Recent {
      std::int64_t id = 0, customer = 0, total = 0;
    };
    std::vector<Recent> recent(20'000);
    std::size_t recent_n = 0;
    struct Row {
      std::int64_t customer, seconds, id, amount;
    };
    std::vector<Row> rows;
    rows.reserve(kRows);
    for (long i = 0; i < kRows; ++i) {
      const std::int64_t id = 100'000'000 + i;
      const std::int64_t t = start + static_cast<std::int64_t>(i * step + unit(rng) * step);
      const double r = unit(rng);
      if (r < 0.02 && recent_n > 0) {
        const Recent& o = recent[static_cast<std::size_t>(rng() % std::min(recent_n, recent.size()))];
        const std::int64_t amount = std::max<std::int64_t>(1, o.total / (1 + rng() % 3));
        rows.push_back({o.customer, t, id, -amount});
        continue;
      }
      const double u = unit(rng);
      const auto customer = static_cast<std::int64_t>(u * u * kPool);
      const std::int64_t total = cents(rng);
      (void)rng();  // the email coin
      if (r >= 0.02 && r < 0.03) continue;  // cancelled: not in the analysis stream
      rows.push_back({customer, t, id, total});
      recent[recent_n % recent.size()] = Recent{id, customer, total};
      ++recent_n;
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
      return a.customer != b.customer ? a.customer < b.customer
             : a.seconds != b.seconds ? a.seconds < b.seconds
                                      : a.id < b.id;
    });
    CalculationInputBuilder b(MidnightUtc(2023, 12, 31));
    storage::AnalysisRow row;
    row.currency = "EUR";
    for (const Row& r : rows) {
      row.customer.value = r.customer + 1;
      row.placed_at_us = r.seconds * 1'000'000;
      row.amount_minor = r.amount;
      if (!b.Add(row).ok()) std::abort();
    }
    Result<CalculationInput> in = b.Finish();
    if (!in.ok()) std::abort();
    return std::move(in).value();
  }();
  return input;
}

void BM_BuildInput(benchmark::State& state) {
  const auto& rows = Rows();
  for (auto _ : state) {
    CalculationInputBuilder b(kAsOf);
    for (const auto& r : rows) {
      if (!b.Add(r).ok()) std::abort();
    }
    Result<CalculationInput> in = b.Finish();
    benchmark::DoNotOptimize(in);
  }
  state.counters["orders"] = static_cast<double>(rows.size());
}
BENCHMARK(BM_BuildInput)->Unit(benchmark::kMillisecond)->Iterations(1);

void RunCase(benchmark::State& state, std::vector<std::string> models,
             const CalculationInput& in = Input()) {
  CalculationOptions options;
  options.models = std::move(models);
  Result<CalculationResult> r = FailedPrecondition("not run");
  for (auto _ : state) {
    r = RunCalculation(in, options);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
  }
  state.counters["customers"] = static_cast<double>(r->customers);
  state.counters["purchases"] = static_cast<double>(r->purchases);
  for (const StageTiming& t : r->timings) {
    state.counters[t.stage + "_ms"] += t.wall_ms;
    state.counters[t.stage + "_cpu_ms"] += t.cpu_ms;
  }
  std::fprintf(stderr, "chosen %s\n", r->chosen_model.c_str());
  // How much the per-history / per-(x, T) evaluation saves on this data.
  const engine::HistoryIndex index = engine::IndexHistories(r->summary);
  std::size_t whole = 0;
  for (std::size_t i = 0; i < r->summary.size(); ++i) {
    whole += r->summary.recency[i] == std::floor(r->summary.recency[i]) &&
             r->summary.age[i] == std::floor(r->summary.age[i]);
  }
  state.counters["histories"] = static_cast<double>(index.num_histories());
  state.counters["xT_pairs"] = static_cast<double>(index.num_pairs());
  std::fprintf(stderr, "%zu customers, %zu distinct (x, t_x, T), %zu distinct (x, T), %zu with whole-period t_x and T\n",
               r->summary.size(), index.num_histories(), index.num_pairs(), whole);
  for (const ModelEvaluation& m : r->models) {
    std::fprintf(stderr,
                 "%s: calibration %.0f ms (%d evaluations, %d starts: %s), full %.0f ms (%d "
                 "evaluations, %d starts: %s), holdout RMSE %.4f\n",
                 m.model.c_str(), m.calibration.mle.report.wall_time_ms,
                 m.calibration.mle.report.iterations, m.calibration.mle.report.starts_tried,
                 m.calibration.mle.report.message.c_str(), m.full.mle.report.wall_time_ms,
                 m.full.mle.report.iterations, m.full.mle.report.starts_tried,
                 m.full.mle.report.message.c_str(), m.backtest ? m.backtest->metrics.rmse : NAN);
    // Where each fit stopped: a parameter running off to a bound or a gradient that does not
    // vanish says why a fit "did not converge".
    for (const ModelFit* f : {&m.calibration, &m.full}) {
      std::fprintf(stderr, "  %s %s:", m.model.c_str(), f == &m.calibration ? "calibration" : "full");
      for (std::size_t i = 0; i < f->mle.params.size(); ++i) {
        std::fprintf(stderr, " %s=%.6g", f->param_names[i].c_str(), f->mle.params[i]);
      }
      std::fprintf(stderr, " |g|=%.3g ll=%.10g\n", f->mle.report.gradient_norm,
                   f->mle.report.log_likelihood);
    }
  }
}

void BM_RunCalculation_AllModels(benchmark::State& state) {
  RunCase(state, {"bgnbd", "mbgnbd", "pnbd"});
}
BENCHMARK(BM_RunCalculation_AllModels)->Unit(benchmark::kMillisecond)->Iterations(1);

// Baseline in the same run: BG/NBD alone (the cost of the model comparison is the difference).
void BM_RunCalculation_BgNbdOnly(benchmark::State& state) { RunCase(state, {"bgnbd"}); }
BENCHMARK(BM_RunCalculation_BgNbdOnly)->Unit(benchmark::kMillisecond)->Iterations(1);

// The PostgreSQL job's data and options (bench/calc_bench.sh: all three models, defaults).
void BM_RunCalculation_Shop5M(benchmark::State& state) {
  RunCase(state, {"bgnbd", "mbgnbd", "pnbd"}, ShopInput());
}
BENCHMARK(BM_RunCalculation_Shop5M)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace clv::service

BENCHMARK_MAIN();
