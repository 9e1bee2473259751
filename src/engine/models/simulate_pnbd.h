// Simulation of the Pareto/NBD purchase process (continuous time), for simulate-and-recover
// tests and benchmarks. Pure and deterministic for a given seed (std::mt19937_64 and the
// standard library's distributions, so values are reproducible with one standard library).
#pragma once

#include <cstdint>
#include <span>

#include "core/status.h"
#include "engine/data/rfm.h"
#include "engine/models/pareto_nbd.h"

namespace clv::engine {

// One customer per entry of `ages` (T, time from first purchase to the observation end, in the
// unit of alpha and beta). Each customer draws λ ~ Gamma(r, rate alpha), μ ~ Gamma(s, rate
// beta), a lifetime ~ Exp(μ), and makes repeat purchases as a Poisson(λ) process while alive and
// before T. Returns frequency x, recency t_x (0 when x = 0) and age T; monetary and weight are
// empty. InvalidArgument for bad parameters or a negative or non-finite age.
Result<RfmData> SimulateParetoNbd(const ParetoNbdParams& params, std::span<const double> ages,
                                  std::uint64_t seed);

}  // namespace clv::engine
