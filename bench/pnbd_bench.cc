// Pareto/NBD fit on 1,000,000 customers simulated from the BG/NBD + Gamma-Gamma process with the
// CDNOW parameters (Fader, Hardie & Lee 2005; Fader & Hardie 2013), one year at day resolution.
// Target: the fit in <= 1 s on the 2-core reference machine. Results: docs/benchmarks.md,
// section "Pareto/NBD".
//
//   build/<dir>/bench/pnbd_bench --benchmark_min_time=1x   (or without the flag)
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <memory>

#include "engine/data/transactions.h"
#include "engine/models/pareto_nbd.h"
#include "engine/models/simulate.h"

namespace clv::engine {
namespace {

constexpr int kCustomers = 1000000;
constexpr double kDaysPerWeek = 7;

// Simulated once and shared by the benchmarks (setup is not timed).
const RfmData& Data() {
  static const RfmData* data = [] {
    SimulationSpec spec;
    spec.variant = BetaGeoVariant::kBgNbd;
    // BG/NBD CDNOW fit per week; α is a rate parameter with the time unit, so per day it is 7α.
    spec.purchase = {0.243, 4.414 * kDaysPerWeek, 0.793, 2.426};
    spec.spend = GammaGammaParams{6.25, 3.74, 15.44};
    spec.num_customers = kCustomers;
    spec.observation_end = 365;
    spec.acquisition_window = 365;
    spec.seed = 20240601;
    auto log = SimulateTransactions(spec);
    if (!log.ok()) std::abort();
    TransactionLog view{log->customer, log->time, log->amount};
    // The period containing day 364.5 (days 0..364) is the last observed one.
    auto summary = SummarizeTransactions(view, kCustomers, Period::kDay, 364.5);
    if (!summary.ok()) std::abort();
    return new RfmData(std::move(summary->data));
  }();
  return *data;
}

void BM_ParetoNbdFit(benchmark::State& state) {
  const RfmData& data = Data();
  double ll = 0;
  for (auto _ : state) {
    auto fit = FitParetoNbd(data, FitOptions{});
    if (!fit.ok()) state.SkipWithError("fit failed");
    ll = fit->report.log_likelihood;
    state.counters["converged"] = fit->report.converged;
    state.counters["evaluations"] = fit->report.iterations;
    state.counters["r"] = fit->params[0];
    state.counters["alpha"] = fit->params[1];
    state.counters["s"] = fit->params[2];
    state.counters["beta"] = fit->params[3];
  }
  state.counters["customers"] = static_cast<double>(data.size());
  state.counters["log_likelihood"] = ll;
}
BENCHMARK(BM_ParetoNbdFit)->Unit(benchmark::kMillisecond)->Iterations(3);

// The pieces: building the objective (merging rows, distinct (x, y) pairs) and one evaluation
// with the gradient.
void BM_ParetoNbdObjectiveBuild(benchmark::State& state) {
  const RfmData& data = Data();
  for (auto _ : state) {
    ParetoNbdObjective objective(data);
    benchmark::DoNotOptimize(objective.num_rows());
    state.counters["rows"] = static_cast<double>(objective.num_rows());
    state.counters["pairs"] = static_cast<double>(objective.num_pairs());
  }
}
BENCHMARK(BM_ParetoNbdObjectiveBuild)->Unit(benchmark::kMillisecond);

void BM_ParetoNbdObjectiveEval(benchmark::State& state) {
  const ParetoNbdObjective objective(Data());
  const std::array<double, 4> theta = {std::log(0.5), std::log(30.0), std::log(0.5),
                                       std::log(60.0)};
  std::array<double, 4> grad;
  for (auto _ : state) benchmark::DoNotOptimize(objective(theta, grad));
}
BENCHMARK(BM_ParetoNbdObjectiveEval)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace clv::engine

BENCHMARK_MAIN();
