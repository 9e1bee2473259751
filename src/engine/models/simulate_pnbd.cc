#include "engine/models/simulate_pnbd.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace clv::engine {

Result<RfmData> SimulateParetoNbd(const ParetoNbdParams& params, std::span<const double> ages,
                                  std::uint64_t seed) {
  CLV_RETURN_IF_ERROR(ValidateParetoNbdParams(params));
  for (double T : ages)
    if (!(T >= 0) || !std::isfinite(T)) return InvalidArgument("ages must be finite and >= 0");
  std::mt19937_64 rng(seed);
  // std::gamma_distribution takes (shape, scale); scale = 1 / rate.
  std::gamma_distribution<double> lambda_dist(params.r, 1 / params.alpha);
  std::gamma_distribution<double> mu_dist(params.s, 1 / params.beta);
  std::exponential_distribution<double> unit_exp(1.0);
  RfmData out;
  out.frequency.reserve(ages.size());
  out.recency.reserve(ages.size());
  out.age.assign(ages.begin(), ages.end());
  for (double T : ages) {
    const double lambda = lambda_dist(rng);
    const double mu = mu_dist(rng);
    const double lifetime = unit_exp(rng) / mu;  // +inf when μ underflows to 0: never dies
    const double end = std::min(lifetime, T);
    double x = 0, t_x = 0, t = 0;
    if (lambda > 0) {
      while (true) {
        t += unit_exp(rng) / lambda;
        if (!(t <= end)) break;
        ++x;
        t_x = t;
      }
    }
    out.frequency.push_back(x);
    out.recency.push_back(t_x);
  }
  return out;
}

}  // namespace clv::engine
