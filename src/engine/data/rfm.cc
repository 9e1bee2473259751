#include "engine/data/rfm.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>

namespace clv::engine {

double RfmData::TotalWeight() const {
  if (weight.empty()) return static_cast<double>(frequency.size());
  double total = 0;
  for (double w : weight) total += w;
  return total;
}

namespace {
std::string Row(std::size_t i) { return "row " + std::to_string(i) + ": "; }
}  // namespace

Status ValidateRfm(const RfmData& data) {
  const std::size_t n = data.frequency.size();
  if (data.recency.size() != n || data.age.size() != n) {
    return InvalidArgument("frequency, recency and age must have the same length (" +
                           std::to_string(n) + ", " + std::to_string(data.recency.size()) + ", " +
                           std::to_string(data.age.size()) + ")");
  }
  if (!data.monetary.empty() && data.monetary.size() != n) {
    return InvalidArgument("monetary must be empty or have one value per row");
  }
  if (!data.weight.empty() && data.weight.size() != n) {
    return InvalidArgument("weight must be empty or have one value per row");
  }
  if (n == 0) return InvalidArgument("no customers");
  for (std::size_t i = 0; i < n; ++i) {
    const double x = data.frequency[i], t_x = data.recency[i], T = data.age[i];
    if (!std::isfinite(x) || !std::isfinite(t_x) || !std::isfinite(T)) {
      return InvalidArgument(Row(i) + "frequency, recency and age must be finite");
    }
    if (x < 0 || t_x < 0 || T < 0) {
      return InvalidArgument(Row(i) + "frequency, recency and age must not be negative");
    }
    if (x != std::floor(x)) return InvalidArgument(Row(i) + "frequency must be a whole number");
    if (t_x > T) return InvalidArgument(Row(i) + "recency is greater than age");
    if (x == 0 && t_x != 0) {
      return InvalidArgument(Row(i) + "recency must be 0 when frequency is 0");
    }
    if (!data.monetary.empty() && (!std::isfinite(data.monetary[i]) || data.monetary[i] < 0)) {
      return InvalidArgument(Row(i) + "monetary value must be finite and not negative");
    }
    if (!data.weight.empty() && !(data.weight[i] > 0 && std::isfinite(data.weight[i]))) {
      return InvalidArgument(Row(i) + "weight must be positive and finite");
    }
  }
  return Status::Ok();
}

RfmData Compress(const RfmData& data) {
  // Hash grouping first (one pass over possibly millions of rows), then a sort of the distinct
  // rows only: much cheaper than sorting every row when customers repeat (they do: day-level
  // data has a few hundred distinct ages). Keys are the bit patterns; +0.0 normalises -0.0.
  const std::size_t n = data.size();
  struct Key {
    double x, t_x, T;
  };
  std::vector<Key> keys;
  std::vector<double> sums;
  std::size_t capacity = 16;
  while (capacity < 2 * n + 16) capacity <<= 1;
  std::vector<std::int32_t> table(capacity, -1);
  auto bits = [](double v) { return std::bit_cast<std::uint64_t>(v + 0.0); };
  for (std::size_t i = 0; i < n; ++i) {
    const Key k{data.frequency[i], data.recency[i], data.age[i]};
    std::uint64_t h = bits(k.x) * 0x9E3779B97F4A7C15ull;
    h ^= bits(k.t_x) + 0x7F4A7C159E3779B9ull + (h << 6) + (h >> 2);
    h ^= bits(k.T) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 29;
    std::size_t slot = h & (capacity - 1);
    while (true) {
      const std::int32_t g = table[slot];
      if (g < 0) {
        table[slot] = static_cast<std::int32_t>(keys.size());
        keys.push_back(k);
        sums.push_back(data.WeightOf(i));
        break;
      }
      const Key& o = keys[static_cast<std::size_t>(g)];
      if (bits(o.x) == bits(k.x) && bits(o.t_x) == bits(k.t_x) && bits(o.T) == bits(k.T)) {
        sums[static_cast<std::size_t>(g)] += data.WeightOf(i);
        break;
      }
      slot = (slot + 1) & (capacity - 1);
    }
  }
  std::vector<std::size_t> order(keys.size());
  for (std::size_t g = 0; g < order.size(); ++g) order[g] = g;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const Key& ka = keys[a];
    const Key& kb = keys[b];
    if (ka.x != kb.x) return ka.x < kb.x;
    if (ka.t_x != kb.t_x) return ka.t_x < kb.t_x;
    return ka.T < kb.T;
  });
  RfmData out;
  out.frequency.reserve(order.size());
  out.recency.reserve(order.size());
  out.age.reserve(order.size());
  out.weight.reserve(order.size());
  for (std::size_t g : order) {
    out.frequency.push_back(keys[g].x + 0.0);
    out.recency.push_back(keys[g].t_x + 0.0);
    out.age.push_back(keys[g].T + 0.0);
    out.weight.push_back(sums[g]);
  }
  return out;
}

}  // namespace clv::engine
