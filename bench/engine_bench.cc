// Engine benchmarks on a cohort of 1,000,000 customers simulated from BG/NBD + Gamma-Gamma with
// the CDNOW estimates (Fader, Hardie & Lee 2005; Fader & Hardie 2013), converted from weeks to
// days (λ_day = λ_week / 7, so α_day = 7 · 4.414), first purchases spread over one year,
// observed to the end of that year, summarised at day resolution from the simulated log.
//
// Targets on the 2-core reference machine: BG/NBD fit <= 0.2 s, Gamma-Gamma fit <= 0.05 s,
// scoring every customer (P(alive), expected purchases in 90 days, 12-month CLV) <= 0.3 s.
// Results go to docs/benchmarks.md ("Engine").
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "engine/analytics/clv.h"
#include "engine/data/group_rows.h"
#include "engine/data/transactions.h"
#include "engine/models/bg_nbd.h"
#include "engine/models/gamma_gamma.h"
#include "engine/models/simulate.h"

namespace clv::engine {
namespace {

constexpr std::int32_t kCustomers = 1000000;

struct Cohort {
  SimulatedTransactions log;
  RfmData rfm;
};

const Cohort& GetCohort() {
  static const Cohort cohort = [] {
    SimulationSpec spec;
    spec.purchase = {0.243, 4.414 * 7, 0.793, 2.426};
    spec.spend = GammaGammaParams{6.25, 3.74, 15.44};
    spec.num_customers = kCustomers;
    spec.observation_end = 365;
    spec.acquisition_window = 365;
    spec.seed = 2005;
    Cohort c;
    Result<SimulatedTransactions> log = SimulateTransactions(spec);
    if (!log.ok()) std::abort();
    c.log = std::move(*log);
    Result<RfmSummary> s = SummarizeTransactions(
        {c.log.customer, c.log.time, c.log.amount}, kCustomers, Period::kDay, 365);
    if (!s.ok()) std::abort();
    c.rfm = std::move(s->data);
    return c;
  }();
  return cohort;
}

void BM_SummarizeTransactions(benchmark::State& state) {
  const Cohort& c = GetCohort();
  for (auto _ : state) {
    Result<RfmSummary> s = SummarizeTransactions({c.log.customer, c.log.time, c.log.amount},
                                                 kCustomers, Period::kDay, 365);
    benchmark::DoNotOptimize(s);
  }
  state.counters["transactions"] = static_cast<double>(c.log.time.size());
}

void BM_Compress(benchmark::State& state) {
  const Cohort& c = GetCohort();
  std::size_t rows = 0;
  for (auto _ : state) rows = Compress(c.rfm).size();
  state.counters["distinct_rows"] = static_cast<double>(rows);
}

void FitBench(benchmark::State& state, BetaGeoVariant variant) {
  const Cohort& c = GetCohort();
  for (auto _ : state) {
    Result<BetaGeoFit> fit = FitBetaGeo(variant, c.rfm, {});
    if (!fit.ok() || !fit->mle.report.converged) state.SkipWithError("fit failed");
    state.counters["evaluations"] = fit->mle.report.iterations;
    state.counters["r"] = fit->mle.params[0];
    state.counters["alpha"] = fit->mle.params[1];
    state.counters["a"] = fit->mle.params[2];
    state.counters["b"] = fit->mle.params[3];
  }
}
void BM_FitBgNbd(benchmark::State& state) { FitBench(state, BetaGeoVariant::kBgNbd); }
void BM_FitMbgNbd(benchmark::State& state) { FitBench(state, BetaGeoVariant::kMbgNbd); }

void BM_FitGammaGamma(benchmark::State& state) {
  const Cohort& c = GetCohort();
  for (auto _ : state) {
    Result<GammaGammaFit> fit = FitGammaGamma(c.rfm, {});
    if (!fit.ok() || !fit->mle.report.converged) state.SkipWithError("fit failed");
    state.counters["evaluations"] = fit->mle.report.iterations;
    state.counters["p"] = fit->params.p;
    state.counters["q"] = fit->params.q;
    state.counters["gamma"] = fit->params.gamma;
    state.counters["repeat_customers"] = fit->customers_used;
  }
}

void BM_ScoreCustomers(benchmark::State& state) {
  const Cohort& c = GetCohort();
  const BetaGeoModel model(BetaGeoVariant::kBgNbd, {0.243, 4.414 * 7, 0.793, 2.426});
  const GammaGammaParams gg{6.25, 3.74, 15.44};
  ClvOptions options;
  options.periods_per_month = kDaysPerMonth;
  for (auto _ : state) {
    Result<CustomerScores> s = ScoreCustomers(model, &gg, c.rfm, 90, options);
    if (!s.ok()) state.SkipWithError("scoring failed");
    benchmark::DoNotOptimize(s);
  }
  state.counters["customers"] = static_cast<double>(c.rfm.size());
  // The 2F1 series of BG/NBD scoring runs once per distinct (x, T) (analytics/clv.cc).
  RfmData x_T;
  x_T.frequency = c.rfm.frequency;
  x_T.recency.assign(c.rfm.size(), 0.0);
  x_T.age = c.rfm.age;
  state.counters["distinct_x_T"] = static_cast<double>(GroupIdenticalRows(x_T).first_row.size());
}

BENCHMARK(BM_SummarizeTransactions)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Compress)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_FitBgNbd)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_FitMbgNbd)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_FitGammaGamma)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_ScoreCustomers)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace clv::engine

BENCHMARK_MAIN();
