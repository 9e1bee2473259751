#include "engine/analytics/histories.h"

namespace clv::engine {

HistoryIndex IndexHistories(const RfmData& data) {
  HistoryIndex out;
  out.rows = GroupIdenticalRows(data);
  const std::size_t histories = out.rows.first_row.size();
  out.x.resize(histories);
  out.t_x.resize(histories);
  out.T.resize(histories);
  for (std::size_t h = 0; h < histories; ++h) {
    const std::size_t r = out.rows.first_row[h];
    out.x[h] = data.frequency[r];
    out.t_x[h] = data.recency[r];
    out.T[h] = data.age[r];
  }
  // The pairs are the histories' (x, 0, T), grouped by the same hash grouping.
  RfmData pair_keys;
  pair_keys.frequency = out.x;
  pair_keys.recency.assign(histories, 0.0);
  pair_keys.age = out.T;
  RowGroups pairs = GroupIdenticalRows(pair_keys);
  out.pair_of_history = std::move(pairs.group_of_row);
  out.pair_x.resize(pairs.first_row.size());
  out.pair_T.resize(pairs.first_row.size());
  for (std::size_t p = 0; p < pairs.first_row.size(); ++p) {
    out.pair_x[p] = out.x[pairs.first_row[p]];
    out.pair_T[p] = out.T[pairs.first_row[p]];
  }
  return out;
}

std::vector<double> ProbabilityAliveOfHistories(const PurchaseModel& model,
                                                const HistoryIndex& index) {
  const auto n = static_cast<std::int64_t>(index.num_histories());
  std::vector<double> out(index.num_histories());
#pragma omp parallel for schedule(dynamic, 1024)
  for (std::int64_t h = 0; h < n; ++h) out[h] = model.ProbabilityAlive(index.x[h], index.t_x[h], index.T[h]);
  return out;
}

std::vector<double> ExpectedPurchasesIfAliveOfPairs(const PurchaseModel& model,
                                                    const HistoryIndex& index,
                                                    std::span<const double> times) {
  const std::size_t k = times.size();
  const auto n = static_cast<std::int64_t>(index.num_pairs());
  std::vector<double> out(index.num_pairs() * k);
  // Dynamic: the series length grows with x and with t / (alpha + T).
#pragma omp parallel for schedule(dynamic, 16)
  for (std::int64_t p = 0; p < n; ++p) {
    for (std::size_t j = 0; j < k; ++j) {
      out[static_cast<std::size_t>(p) * k + j] =
          model.ExpectedPurchasesIfAlive(times[j], index.pair_x[p], index.pair_T[p]);
    }
  }
  return out;
}

}  // namespace clv::engine
