#include "engine/analytics/histories.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/analytics/forecast.h"

namespace clv::engine {
namespace {

// Day-level histories in weeks with many repeats, like a shop's summary.
RfmData Histories(std::size_t n) {
  std::mt19937_64 rng(7);
  RfmData d;
  for (std::size_t i = 0; i < n; ++i) {
    const double T = static_cast<double>(1 + rng() % 60) / 7;
    const double x = static_cast<double>(rng() % 6);
    const double t_x = x == 0 ? 0 : std::floor(T * 7 * static_cast<double>(rng() % 1000) / 1000) / 7;
    d.frequency.push_back(x);
    d.recency.push_back(t_x);
    d.age.push_back(T);
  }
  return d;
}

std::unique_ptr<PurchaseModel> Model(const std::string& name) {
  // CDNOW-like parameters in weeks for each family.
  const std::vector<double> p = name == "pnbd" ? std::vector<double>{0.55, 10.58, 0.61, 11.67}
                                               : std::vector<double>{0.243, 4.414, 0.793, 2.426};
  return std::move(MakePurchaseModel(name, p)).value();
}

TEST(HistoriesTest, IndexGroupsIdenticalRowsAndPairs) {
  const RfmData d = Histories(5000);
  const HistoryIndex index = IndexHistories(d);
  ASSERT_EQ(index.rows.group_of_row.size(), d.size());
  EXPECT_LT(index.num_histories(), d.size());
  EXPECT_LT(index.num_pairs(), index.num_histories());
  for (std::size_t i = 0; i < d.size(); ++i) {
    const auto h = static_cast<std::size_t>(index.rows.group_of_row[i]);
    EXPECT_EQ(index.x[h], d.frequency[i]);
    EXPECT_EQ(index.t_x[h], d.recency[i]);
    EXPECT_EQ(index.T[h], d.age[i]);
    const auto p = static_cast<std::size_t>(index.pair_of_history[h]);
    EXPECT_EQ(index.pair_x[p], d.frequency[i]);
    EXPECT_EQ(index.pair_T[p], d.age[i]);
  }
}

// The factorisation every consumer relies on: P(alive) per history times the alive factor per
// (x, T) is model.ExpectedPurchases, bit for bit, for every model.
TEST(HistoriesTest, FactorisedExpectationsAreTheModelsBitForBit) {
  const RfmData d = Histories(3000);
  const HistoryIndex index = IndexHistories(d);
  const std::vector<double> times = {0.5, 4.345, 13, 52.14};
  for (const std::string name : {"bgnbd", "mbgnbd", "pnbd"}) {
    const auto model = Model(name);
    const std::vector<double> alive = ProbabilityAliveOfHistories(*model, index);
    const std::vector<double> q = ExpectedPurchasesIfAliveOfPairs(*model, index, times);
    ASSERT_EQ(q.size(), index.num_pairs() * times.size());
    for (std::size_t i = 0; i < d.size(); ++i) {
      const auto h = static_cast<std::size_t>(index.rows.group_of_row[i]);
      const auto p = static_cast<std::size_t>(index.pair_of_history[h]);
      EXPECT_EQ(alive[h], model->ProbabilityAlive(d.frequency[i], d.recency[i], d.age[i]));
      for (std::size_t k = 0; k < times.size(); ++k) {
        const double want = model->ExpectedPurchases(times[k], d.frequency[i], d.recency[i], d.age[i]);
        ASSERT_TRUE(std::isfinite(want) && want > 0) << name;
        EXPECT_EQ(alive[h] * q[p * times.size() + k], want) << name << " row " << i << " t " << times[k];
      }
    }
  }
}

// The forecast made per history equals the row-by-row sum of model.ExpectedPurchases increments.
TEST(HistoriesTest, ForecastEqualsTheRowByRowSum) {
  const RfmData d = Histories(2000);
  const auto model = Model("pnbd");
  ForecastOptions o;
  o.horizon = 6;
  o.period_length = 4.345;
  std::vector<double> spend(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) spend[i] = 1000 + 10 * static_cast<double>(i % 7);
  Result<RepeatForecast> f = ForecastRepeatPurchases(*model, d, spend, o);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  std::vector<double> purchases(6, 0.0), revenue(6, 0.0);
  for (std::size_t i = 0; i < d.size(); ++i) {
    double previous = 0;
    for (std::size_t k = 0; k < 6; ++k) {
      const double c = model->ExpectedPurchases(static_cast<double>(k + 1) * o.period_length,
                                                d.frequency[i], d.recency[i], d.age[i]);
      purchases[k] += std::max(0.0, c - previous);
      revenue[k] += spend[i] * std::max(0.0, c - previous);
      previous = std::max(previous, c);
    }
  }
  for (std::size_t k = 0; k < 6; ++k) {
    EXPECT_NEAR(f->periods[k].expected_purchases, purchases[k], 1e-12 * purchases[k]) << k;
    EXPECT_NEAR(f->periods[k].expected_revenue, revenue[k], 1e-12 * revenue[k]) << k;
  }
  // A foreign index is refused.
  const HistoryIndex other = IndexHistories(Histories(10));
  EXPECT_EQ(ForecastRepeatPurchases(*model, d, other, spend, o).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace clv::engine
