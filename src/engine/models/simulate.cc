#include "engine/models/simulate.h"

#include <cmath>
#include <random>

namespace clv::engine {
namespace {

constexpr std::int32_t kBlock = 4096;

std::uint64_t SplitMix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// One customer's purchases: times (first = t0) and amounts. Shared by both outputs so that they
// describe the same draws.
struct Customer {
  double t0 = 0;
  std::vector<double> times;
  std::vector<double> amounts;
};

void SimulateCustomer(const SimulationSpec& spec, std::mt19937_64& rng, Customer& c) {
  const BetaGeoParams& pp = spec.purchase;
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  c.times.clear();
  c.amounts.clear();
  c.t0 = uniform(rng) * spec.acquisition_window;
  const double lambda = std::gamma_distribution<double>(pp.r, 1.0 / pp.alpha)(rng);
  const double ga = std::gamma_distribution<double>(pp.a, 1.0)(rng);
  const double gb = std::gamma_distribution<double>(pp.b, 1.0)(rng);
  // Beta(a, b) as a ratio of gammas; both can underflow to 0 for tiny shapes, in which case
  // the customer is a coin flip between the extremes.
  const double p = (ga + gb > 0) ? ga / (ga + gb) : (uniform(rng) < pp.a / (pp.a + pp.b) ? 1 : 0);
  double nu = 0;
  if (spec.spend) nu = std::gamma_distribution<double>(spec.spend->q, 1.0 / spec.spend->gamma)(rng);
  auto add = [&](double t) {
    c.times.push_back(t);
    if (spec.spend) {
      c.amounts.push_back(std::gamma_distribution<double>(spec.spend->p, 1.0 / nu)(rng));
    }
  };
  add(c.t0);
  bool alive = true;
  if (spec.variant == BetaGeoVariant::kMbgNbd && uniform(rng) < p) alive = false;
  double t = c.t0;
  while (alive && lambda > 0) {
    t += std::exponential_distribution<double>(lambda)(rng);
    if (!(t <= spec.observation_end)) break;
    add(t);
    if (uniform(rng) < p) alive = false;
  }
}

template <typename Sink>
void ForEachCustomer(const SimulationSpec& spec, Sink&& sink) {
  const std::int32_t blocks = (spec.num_customers + kBlock - 1) / kBlock;
  Customer c;
  for (std::int32_t blk = 0; blk < blocks; ++blk) {
    std::mt19937_64 rng(SplitMix64(spec.seed ^ SplitMix64(static_cast<std::uint64_t>(blk))));
    const std::int32_t end = std::min(spec.num_customers, (blk + 1) * kBlock);
    for (std::int32_t i = blk * kBlock; i < end; ++i) {
      SimulateCustomer(spec, rng, c);
      sink(i, c);
    }
  }
}

}  // namespace

Status ValidateSimulationSpec(const SimulationSpec& spec) {
  CLV_RETURN_IF_ERROR(ValidateBetaGeoParams(spec.purchase));
  if (spec.spend) CLV_RETURN_IF_ERROR(ValidateGammaGammaParams(*spec.spend));
  if (spec.num_customers <= 0) return InvalidArgument("num_customers must be positive");
  if (!(spec.acquisition_window > 0) || !(spec.acquisition_window <= spec.observation_end) ||
      !std::isfinite(spec.observation_end)) {
    return InvalidArgument("need 0 < acquisition_window <= observation_end, finite");
  }
  return Status::Ok();
}

Result<SimulatedTransactions> SimulateTransactions(const SimulationSpec& spec) {
  CLV_RETURN_IF_ERROR(ValidateSimulationSpec(spec));
  SimulatedTransactions out;
  ForEachCustomer(spec, [&](std::int32_t i, const Customer& c) {
    for (std::size_t k = 0; k < c.times.size(); ++k) {
      out.customer.push_back(i);
      out.time.push_back(c.times[k]);
      if (spec.spend) out.amount.push_back(c.amounts[k]);
    }
  });
  return out;
}

Result<RfmData> SimulateRfm(const SimulationSpec& spec) {
  CLV_RETURN_IF_ERROR(ValidateSimulationSpec(spec));
  RfmData d;
  const auto n = static_cast<std::size_t>(spec.num_customers);
  d.frequency.reserve(n);
  d.recency.reserve(n);
  d.age.reserve(n);
  if (spec.spend) d.monetary.reserve(n);
  ForEachCustomer(spec, [&](std::int32_t, const Customer& c) {
    const double x = static_cast<double>(c.times.size() - 1);
    d.frequency.push_back(x);
    d.recency.push_back(c.times.back() - c.t0);
    d.age.push_back(spec.observation_end - c.t0);
    if (spec.spend) {
      double sum = 0;
      for (std::size_t k = 1; k < c.amounts.size(); ++k) sum += c.amounts[k];
      d.monetary.push_back(x > 0 ? sum / x : 0.0);
    }
  });
  return d;
}

}  // namespace clv::engine
