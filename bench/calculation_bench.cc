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

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/time.h"
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

void RunCase(benchmark::State& state, std::vector<std::string> models) {
  const CalculationInput& in = Input();
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
  for (const StageTiming& t : r->timings) state.counters[t.stage + "_ms"] += t.wall_ms;
  std::fprintf(stderr, "chosen %s\n", r->chosen_model.c_str());
  for (const ModelEvaluation& m : r->models) {
    std::fprintf(stderr, "%s: calibration %.0f ms (%s), full %.0f ms (%s), holdout RMSE %.4f\n",
                 m.model.c_str(), m.calibration.mle.report.wall_time_ms,
                 m.calibration.mle.report.converged ? "converged" : "NOT converged",
                 m.full.mle.report.wall_time_ms,
                 m.full.mle.report.converged ? "converged" : "NOT converged",
                 m.backtest ? m.backtest->metrics.rmse : NAN);
  }
}

void BM_RunCalculation_AllModels(benchmark::State& state) {
  RunCase(state, {"bgnbd", "mbgnbd", "pnbd"});
}
BENCHMARK(BM_RunCalculation_AllModels)->Unit(benchmark::kMillisecond)->Iterations(1);

// Baseline in the same run: BG/NBD alone (the cost of the model comparison is the difference).
void BM_RunCalculation_BgNbdOnly(benchmark::State& state) { RunCase(state, {"bgnbd"}); }
BENCHMARK(BM_RunCalculation_BgNbdOnly)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace clv::service

BENCHMARK_MAIN();
