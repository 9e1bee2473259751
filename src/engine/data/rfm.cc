#include "engine/data/rfm.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "engine/data/group_rows.h"

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

namespace {

// Whole number test without floor (which baseline x86-64 cannot vectorise): for 0 <= v < 2^52,
// (v + 2^52) − 2^52 rounds v to the nearest integer; every double >= 2^52 is whole.
inline bool IsWhole(double v) {
  constexpr double kTwo52 = 4503599627370496.0;
  return v >= kTwo52 || (v + kTwo52) - kTwo52 == v;
}

// True when every row passes every check of ValidateRfm (the lengths already checked). A
// branch-free pass that OpenMP splits across cores; only when it fails does the row-by-row
// loop below run to name the first bad row.
bool AllRowsValid(const RfmData& data) {
  const std::size_t n = data.size();
  constexpr double kMax = std::numeric_limits<double>::max();
  const double* x = data.frequency.data();
  const double* t_x = data.recency.data();
  const double* T = data.age.data();
  const double* m = data.monetary.empty() ? nullptr : data.monetary.data();
  const double* w = data.weight.empty() ? nullptr : data.weight.data();
  const auto rows = static_cast<std::int64_t>(n);
  int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad) if (n > 65536)
  for (std::int64_t i = 0; i < rows; ++i) {
    // Comparisons with NaN are false, so "0 <= v <= max" also rejects NaN and infinities.
    const bool ok = x[i] >= 0 && x[i] <= kMax && t_x[i] >= 0 && T[i] <= kMax && t_x[i] <= T[i] &&
                    IsWhole(x[i]) && (x[i] != 0 || t_x[i] == 0) &&
                    (m == nullptr || (m[i] >= 0 && m[i] <= kMax)) &&
                    (w == nullptr || (w[i] > 0 && w[i] <= kMax));
    bad |= ok ? 0 : 1;
  }
  return bad == 0;
}

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
  if (AllRowsValid(data)) return Status::Ok();
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

namespace {

// LSD radix sort of keys below 2^bits, 11 bits per pass (a 16 KB histogram stays in L1).
template <typename Key>
void RadixSort(std::vector<Key>& keys, int bits) {
  constexpr int kDigit = 11;
  constexpr std::size_t kBuckets = std::size_t{1} << kDigit;
  std::vector<Key> buffer(keys.size());
  for (int shift = 0; shift < bits; shift += kDigit) {
    std::vector<std::size_t> offset(kBuckets + 1, 0);
    for (const Key k : keys) ++offset[((k >> shift) & (kBuckets - 1)) + 1];
    for (std::size_t b = 1; b <= kBuckets; ++b) offset[b] += offset[b - 1];
    for (const Key k : keys) buffer[offset[(k >> shift) & (kBuckets - 1)]++] = k;
    keys.swap(buffer);
  }
}

// Compress for the common case: unit weights and whole-number x, t_x, T (period-level
// summaries) that pack into one integer key (engine/data/group_rows.h). Sorting the packed keys
// (radix, a few linear passes) and counting runs gives exactly the generic path's answer (same
// order; a weight is a count) several times faster than hashing rows.
// Returns false, leaving `out` untouched, when the data do not qualify.
bool CompressPacked(const RfmData& data, RfmData& out) {
  if (!data.weight.empty()) return false;
  const std::size_t n = data.size();
  const PackedKeyLayout layout = PackedLayout(data);
  if (layout.bits == 0) return false;
  const int bt = layout.t_bits, bits = layout.bits;
  auto pack = [&](std::size_t i) {
    return layout.Pack(data.frequency[i], data.recency[i], data.age[i]);
  };
  auto emit = [&](auto& keys) {
    RadixSort(keys, bits);
    const std::uint64_t t_mask = (std::uint64_t{1} << bt) - 1;
    for (std::size_t i = 0; i < keys.size();) {
      std::size_t j = i + 1;
      while (j < keys.size() && keys[j] == keys[i]) ++j;
      const std::uint64_t k = keys[i];
      out.frequency.push_back(static_cast<double>(k >> (2 * bt)));
      out.recency.push_back(static_cast<double>((k >> bt) & t_mask));
      out.age.push_back(static_cast<double>(k & t_mask));
      out.weight.push_back(static_cast<double>(j - i));
      i = j;
    }
  };
  if (bits <= 32) {
    std::vector<std::uint32_t> keys(n);
    for (std::size_t i = 0; i < n; ++i) keys[i] = static_cast<std::uint32_t>(pack(i));
    emit(keys);
  } else {
    std::vector<std::uint64_t> keys(n);
    for (std::size_t i = 0; i < n; ++i) keys[i] = pack(i);
    emit(keys);
  }
  return true;
}

}  // namespace

RfmData Compress(const RfmData& data) {
  if (RfmData packed; CompressPacked(data, packed)) return packed;
  // Hash grouping first (one pass over possibly millions of rows), then a sort of the distinct
  // rows only: much cheaper than sorting every row when customers repeat.
  const RowGroups groups = GroupIdenticalRows(data);
  const std::size_t num_groups = groups.first_row.size();
  struct Row {
    double x, t_x, T, w;
  };
  std::vector<Row> rows(num_groups);
  for (std::size_t g = 0; g < num_groups; ++g) {
    const std::size_t r = groups.first_row[g];
    rows[g] = {data.frequency[r] + 0.0, data.recency[r] + 0.0, data.age[r] + 0.0, 0.0};
  }
  // Weights are summed in row order, so the result does not depend on anything but the input.
  for (std::size_t i = 0; i < data.size(); ++i)
    rows[static_cast<std::size_t>(groups.group_of_row[i])].w += data.WeightOf(i);
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.x != b.x) return a.x < b.x;
    if (a.t_x != b.t_x) return a.t_x < b.t_x;
    return a.T < b.T;
  });
  RfmData out;
  out.frequency.reserve(num_groups);
  out.recency.reserve(num_groups);
  out.age.reserve(num_groups);
  out.weight.reserve(num_groups);
  for (const Row& row : rows) {
    out.frequency.push_back(row.x);
    out.recency.push_back(row.t_x);
    out.age.push_back(row.T);
    out.weight.push_back(row.w);
  }
  return out;
}

}  // namespace clv::engine
