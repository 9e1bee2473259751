// Simulators for the discrete-time models (BG/BB and sBG), for simulate-and-recover tests.
// Deterministic for a seed (std::mt19937_64 with libstdc++'s distributions).
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "engine/models/bg_bb.h"
#include "engine/models/sbg.h"

namespace clv::engine {

// `customers` customers, each observed for `periods` opportunities: p ~ Beta(alpha, beta),
// θ ~ Beta(gamma, delta); at each opportunity a living customer first becomes inactive with
// probability θ, otherwise transacts with probability p. Returns the pattern table (one row per
// distinct (x, t_x), weight = count), sorted by (x, t_x). InvalidArgument for bad parameters,
// customers < 1 or periods < 0.
Result<std::vector<BgBbPattern>> SimulateBgBb(const BgBbParams& params, int customers,
                                              int periods, std::uint64_t seed);

// A cohort of `customers`, each with churn probability θ ~ Beta(alpha, beta) at the end of every
// period. Returns customers alive at the start of periods 0..periods.
Result<std::vector<double>> SimulateSbg(const SbgParams& params, int customers, int periods,
                                        std::uint64_t seed);

}  // namespace clv::engine
