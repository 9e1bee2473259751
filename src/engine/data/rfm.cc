#include "engine/data/rfm.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
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
