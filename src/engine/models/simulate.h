// Simulators of the BG/NBD and MBG/NBD purchase processes (continuous time) with Gamma-Gamma
// spend, for simulate-and-recover tests and benchmarks. The process, per customer
// (/work/shared/tools/simulate_bgnbd.py describes the same one):
//   acquisition time t0 ~ Uniform[0, acquisition_window) (the first purchase, at t0);
//   λ ~ Gamma(r, rate α), p ~ Beta(a, b);
//   repeat purchases arrive with exponential(λ) gaps; BG/NBD: right after each *repeat*
//   purchase the customer drops out for good with probability p; MBG/NBD: also right after
//   the first purchase; observation stops at observation_end;
//   spend (optional): ν ~ Gamma(q, rate γ), each purchase's value z ~ Gamma(p_spend, rate ν).
//
// Determinism: customers are simulated in fixed blocks, each with its own std::mt19937_64
// seeded from (seed, block index), so the output depends only on the spec, not on the thread
// count. The distributions are libstdc++'s (gamma: Marsaglia-Tsang; exponential, uniform):
// bit-stable for a given libstdc++ (this platform: g++ 12, Debian 12), not guaranteed across
// standard libraries.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/status.h"
#include "engine/data/rfm.h"
#include "engine/models/bg_nbd.h"
#include "engine/models/gamma_gamma.h"

namespace clv::engine {

struct SimulationSpec {
  BetaGeoVariant variant = BetaGeoVariant::kBgNbd;
  BetaGeoParams purchase;                  // in the simulation's time unit
  std::optional<GammaGammaParams> spend;   // no amounts when absent
  std::int32_t num_customers = 0;
  double observation_end = 0;              // time units from the start of the window
  double acquisition_window = 0;           // first purchases in [0, acquisition_window)
  std::uint64_t seed = 0;
};

// InvalidArgument for non-positive parameters or counts, or windows that are not
// 0 < acquisition_window <= observation_end (finite).
Status ValidateSimulationSpec(const SimulationSpec& spec);

// Every purchase, including each customer's first, sorted by customer then time. `time` is in
// the simulation's unit since the start of the window; `amount` is empty without spend.
struct SimulatedTransactions {
  std::vector<std::int32_t> customer;
  std::vector<double> time;
  std::vector<double> amount;
};
Result<SimulatedTransactions> SimulateTransactions(const SimulationSpec& spec);

// The exact continuous-time summary of the same draws (SimulateTransactions with the same spec
// gives the matching log): x, t_x = time of the last repeat purchase − t0, T = end − t0,
// monetary = mean of the repeat purchases' values (0 when x = 0; empty without spend).
Result<RfmData> SimulateRfm(const SimulationSpec& spec);

}  // namespace clv::engine
