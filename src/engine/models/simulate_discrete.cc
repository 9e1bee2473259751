#include "engine/models/simulate_discrete.h"

#include <map>
#include <random>
#include <utility>

namespace clv::engine {
namespace {

// Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
double DrawBeta(std::mt19937_64& rng, std::gamma_distribution<double>& ga,
                std::gamma_distribution<double>& gb) {
  const double x = ga(rng), y = gb(rng);
  return x + y > 0 ? x / (x + y) : 0.5;
}

}  // namespace

Result<std::vector<BgBbPattern>> SimulateBgBb(const BgBbParams& params, int customers,
                                              int periods, std::uint64_t seed) {
  CLV_RETURN_IF_ERROR(ValidateBgBbParams(params));
  if (customers < 1 || periods < 0)
    return InvalidArgument("need at least one customer and periods >= 0");
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> ga(params.alpha), gb(params.beta), gg(params.gamma),
      gd(params.delta);
  std::uniform_real_distribution<double> u(0, 1);
  std::map<std::pair<int, int>, double> counts;
  for (int c = 0; c < customers; ++c) {
    const double p = DrawBeta(rng, ga, gb);
    const double theta = DrawBeta(rng, gg, gd);
    int x = 0, t_x = 0;
    for (int t = 1; t <= periods; ++t) {
      if (u(rng) < theta) break;
      if (u(rng) < p) {
        ++x;
        t_x = t;
      }
    }
    counts[{x, t_x}] += 1;
  }
  std::vector<BgBbPattern> out;
  for (const auto& [key, w] : counts)
    out.push_back({static_cast<double>(key.first), static_cast<double>(key.second),
                   static_cast<double>(periods), w});
  return out;
}

Result<std::vector<double>> SimulateSbg(const SbgParams& params, int customers, int periods,
                                        std::uint64_t seed) {
  CLV_RETURN_IF_ERROR(ValidateSbgParams(params));
  if (customers < 1 || periods < 0)
    return InvalidArgument("need at least one customer and periods >= 0");
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> ga(params.alpha), gb(params.beta);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> alive(static_cast<std::size_t>(periods) + 1, 0.0);
  for (int c = 0; c < customers; ++c) {
    const double theta = DrawBeta(rng, ga, gb);
    // Alive at the start of period 0 always; survives each period end with probability 1 − θ.
    alive[0] += 1;
    for (int t = 1; t <= periods; ++t) {
      if (u(rng) < theta) break;
      alive[t] += 1;
    }
  }
  return alive;
}

}  // namespace clv::engine
