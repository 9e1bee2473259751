#include "engine/analytics/segments.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <vector>

namespace clv::engine {
namespace {

std::vector<int> AsInts(const std::vector<std::uint8_t>& v) { return {v.begin(), v.end()}; }

TEST(QuintileScoresTest, FiveDistinctValuesScoreOneToFive) {
  const std::vector<std::int64_t> v = {30, 10, 50, 20, 40};
  EXPECT_EQ(AsInts(QuintileScores(v)), (std::vector<int>{3, 1, 5, 2, 4}));
}

TEST(QuintileScoresTest, FewCustomersGetMiddleScores) {
  EXPECT_EQ(AsInts(QuintileScores(std::vector<std::int64_t>{7})), (std::vector<int>{3}));
  EXPECT_EQ(AsInts(QuintileScores(std::vector<std::int64_t>{1, 2})), (std::vector<int>{2, 4}));
  EXPECT_EQ(AsInts(QuintileScores(std::vector<std::int64_t>{5, 5, 5})),
            (std::vector<int>{3, 3, 3}));
  EXPECT_TRUE(QuintileScores(std::vector<std::int64_t>{}).empty());
}

TEST(QuintileScoresTest, TiesShareAScore) {
  // Ten values, ties at 1 (x4) and 9 (x2). Mid-rank percentiles (in halves of 2n = 20):
  // value 1: worse 0, tied 4 → 5·4/20 = 1 → score 2; value 2: 5·9/20 = 2 → 3;
  // value 3: 5·11/20 = 2 → 3; 4: 5·13/20 = 3 → 4; 5: 5·15/20 = 3 → 4; 9: 5·18/20 = 4 → 5.
  const std::vector<std::int64_t> v = {1, 1, 1, 1, 2, 3, 4, 5, 9, 9};
  EXPECT_EQ(AsInts(QuintileScores(v)), (std::vector<int>{2, 2, 2, 2, 3, 3, 4, 4, 5, 5}));
}

TEST(QuintileScoresTest, IndependentOfInputOrder) {
  std::mt19937 rng(42);
  std::vector<std::int64_t> v(1000);
  for (auto& x : v) x = static_cast<std::int64_t>(rng() % 50);
  const auto scores = QuintileScores(v);
  std::vector<std::size_t> perm(v.size());
  for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<std::int64_t> shuffled(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) shuffled[i] = v[perm[i]];
  const auto scores2 = QuintileScores(shuffled);
  std::vector<int> counts(6, 0);
  for (std::size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(scores2[i], scores[perm[i]]);
    ++counts[scores[i]];
  }
  // Roughly equal quintiles despite ties (50 distinct values, ~20 customers each).
  for (int q = 1; q <= 5; ++q) EXPECT_NEAR(counts[q], 200, 30) << q;
}

TEST(RfmSegmentOfTest, MapCorners) {
  EXPECT_EQ(*RfmSegmentOf(5, 5), RfmSegment::kChampions);
  EXPECT_EQ(*RfmSegmentOf(5, 1), RfmSegment::kNewCustomers);
  EXPECT_EQ(*RfmSegmentOf(4, 1), RfmSegment::kPromising);
  EXPECT_EQ(*RfmSegmentOf(4, 4), RfmSegment::kLoyalCustomers);
  EXPECT_EQ(*RfmSegmentOf(5, 3), RfmSegment::kPotentialLoyalist);
  EXPECT_EQ(*RfmSegmentOf(3, 3), RfmSegment::kNeedAttention);
  EXPECT_EQ(*RfmSegmentOf(3, 2), RfmSegment::kAboutToSleep);
  EXPECT_EQ(*RfmSegmentOf(2, 4), RfmSegment::kAtRisk);
  EXPECT_EQ(*RfmSegmentOf(1, 5), RfmSegment::kCantLoseThem);
  EXPECT_EQ(*RfmSegmentOf(2, 2), RfmSegment::kHibernating);
  EXPECT_EQ(*RfmSegmentOf(1, 1), RfmSegment::kLost);
  EXPECT_EQ(RfmSegmentOf(0, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RfmSegmentOf(3, 6).status().code(), StatusCode::kInvalidArgument);
}

TEST(RfmSegmentOfTest, EverySegmentIsReachableAndNamed) {
  std::set<RfmSegment> seen;
  for (int r = 1; r <= 5; ++r)
    for (int fm = 1; fm <= 5; ++fm) seen.insert(*RfmSegmentOf(r, fm));
  EXPECT_EQ(static_cast<int>(seen.size()), kNumRfmSegments);
  EXPECT_EQ(RfmSegmentName(RfmSegment::kCantLoseThem), "Can't Lose Them");
  EXPECT_EQ(RfmSegmentKey(RfmSegment::kCantLoseThem), "cant_lose_them");
}

TEST(ScoreRfmTest, HandComputedFiveCustomers) {
  // as_of day 100. Customer 0 ordered yesterday, often, spent most → Champions.
  // Customer 4 ordered long ago, once, spent least → Lost.
  const std::vector<std::int64_t> last = {99, 90, 60, 30, 0};
  const std::vector<std::int64_t> orders = {10, 1, 3, 8, 1};
  const std::vector<std::int64_t> revenue = {50000, 1000, 3000, 40000, 500};
  Result<RfmScores> s = ScoreRfm({last, orders, revenue}, 100);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->recency_days, (std::vector<std::int64_t>{1, 10, 40, 70, 100}));
  EXPECT_EQ(AsInts(s->recency), (std::vector<int>{5, 4, 3, 2, 1}));
  // orders 10, 1, 3, 8, 1: the two 1s tie (worse 0, tied 2 → 5·2/10 = 1 → 2).
  EXPECT_EQ(AsInts(s->frequency), (std::vector<int>{5, 2, 3, 4, 2}));
  EXPECT_EQ(AsInts(s->monetary), (std::vector<int>{5, 2, 3, 4, 1}));
  EXPECT_EQ(AsInts(s->frequency_monetary), (std::vector<int>{5, 2, 3, 4, 2}));
  EXPECT_EQ(s->segment, (std::vector<RfmSegment>{
                            RfmSegment::kChampions, RfmSegment::kPotentialLoyalist,
                            RfmSegment::kNeedAttention, RfmSegment::kAtRisk, RfmSegment::kLost}));
}

TEST(ScoreRfmTest, InvalidInput) {
  const std::vector<std::int64_t> a = {1, 2}, b = {1}, zero = {0, 1}, rev = {10, 20};
  EXPECT_EQ(ScoreRfm({a, b, rev}, 10).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ScoreRfm({a, zero, rev}, 10).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ScoreRfm({a, a, rev}, 1).status().code(), StatusCode::kInvalidArgument);  // future
  EXPECT_EQ(ScoreRfm({{}, {}, {}}, 1).status().code(), StatusCode::kInvalidArgument);
  const std::vector<std::int64_t> far = {INT64_MIN, 0};
  EXPECT_EQ(ScoreRfm({far, a, rev}, 10).status().code(), StatusCode::kInvalidArgument);
}

struct Population {
  std::vector<std::int64_t> last, orders, revenue;
  std::vector<double> clv;
};

Population RandomPopulation(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Population p;
  for (std::size_t i = 0; i < n; ++i) {
    p.last.push_back(static_cast<std::int64_t>(rng() % 365));
    p.orders.push_back(1 + static_cast<std::int64_t>(rng() % 12));
    p.revenue.push_back(static_cast<std::int64_t>(rng() % 100000) - 2000);  // some refunds
    p.clv.push_back(static_cast<double>(rng() % 1000));                     // many ties
  }
  return p;
}

TEST(SummarizeSegmentsTest, CountsAndRevenueAddUpToTotals) {
  const Population p = RandomPopulation(5000, 7);
  Result<RfmScores> s = ScoreRfm({p.last, p.orders, p.revenue}, 400);
  ASSERT_TRUE(s.ok());
  Result<GroupTable> t = SummarizeSegments(*s, p.revenue, p.clv);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->groups.size(), static_cast<std::size_t>(kNumRfmSegments));
  std::int64_t customers = 0, revenue = 0, expected_revenue = 0;
  double share = 0;
  for (const GroupSummary& g : t->groups) {
    customers += g.customers;
    revenue += g.revenue_minor;
    share += g.share_of_customers;
    EXPECT_GT(g.customers, 0) << g.name;  // a random population fills every segment
  }
  for (std::int64_t r : p.revenue) expected_revenue += r;
  EXPECT_EQ(customers, 5000);
  EXPECT_EQ(t->total_customers, 5000);
  EXPECT_EQ(revenue, expected_revenue);
  EXPECT_EQ(t->total_revenue_minor, expected_revenue);
  EXPECT_NEAR(share, 1.0, 1e-12);
  EXPECT_TRUE(t->has_predicted_clv);
}

TEST(SummarizeSegmentsTest, HandComputedMeansAndEmptyClv) {
  const std::vector<std::int64_t> last = {99, 90, 60, 30, 0};
  const std::vector<std::int64_t> orders = {10, 1, 3, 8, 1};
  const std::vector<std::int64_t> revenue = {50000, 1000, 3000, 40000, 500};
  const std::vector<double> clv = {900, 10, 30, 200, 1};
  Result<RfmScores> s = ScoreRfm({last, orders, revenue}, 100);
  ASSERT_TRUE(s.ok());
  Result<GroupTable> t = SummarizeSegments(*s, revenue, clv);
  ASSERT_TRUE(t.ok());
  const GroupSummary& champions = t->groups[static_cast<int>(RfmSegment::kChampions)];
  EXPECT_EQ(champions.key, "champions");
  EXPECT_EQ(champions.customers, 1);
  EXPECT_EQ(champions.revenue_minor, 50000);
  EXPECT_DOUBLE_EQ(champions.mean_predicted_clv, 900);
  EXPECT_DOUBLE_EQ(champions.share_of_customers, 0.2);
  EXPECT_DOUBLE_EQ(champions.share_of_revenue, 50000.0 / 94500.0);
  EXPECT_EQ(t->groups[static_cast<int>(RfmSegment::kHibernating)].customers, 0);

  Result<GroupTable> no_clv = SummarizeSegments(*s, revenue, {});
  ASSERT_TRUE(no_clv.ok());
  EXPECT_FALSE(no_clv->has_predicted_clv);
  EXPECT_EQ(no_clv->groups[0].mean_predicted_clv, 0);

  const std::vector<double> short_clv = {1, 2};
  EXPECT_EQ(SummarizeSegments(*s, revenue, short_clv).status().code(),
            StatusCode::kInvalidArgument);
  const std::vector<std::int64_t> huge = {INT64_MAX, 1, 0, 0, 0};
  EXPECT_EQ(SummarizeSegments(*s, huge, clv).status().code(), StatusCode::kInvalidArgument);
}

TEST(ClvTiersTest, FloorSizesAndIndexTieBreak) {
  // 200 customers: top 1% = 2, top 10% = 20, top 50% = 100.
  std::vector<double> clv(200);
  for (std::size_t i = 0; i < clv.size(); ++i) clv[i] = static_cast<double>(i / 2);  // pairs tie
  Result<ClvTiers> t = AssignClvTiers(clv);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->ranking[0], 198);  // CLV 99 shared by 198 and 199: lower index first
  EXPECT_EQ(t->ranking[1], 199);
  EXPECT_EQ(t->ranking[199], 1);
  std::vector<int> counts(kNumClvTiers, 0);
  for (ClvTier tier : t->tier) ++counts[static_cast<int>(tier)];
  EXPECT_EQ(counts, (std::vector<int>{2, 18, 80, 100}));
  EXPECT_EQ(t->tier[199], ClvTier::kTop1);
  EXPECT_EQ(t->tier[181], ClvTier::kTop10);  // customer 2j+1 has rank 2(99-j)+1: rank 19
  EXPECT_EQ(t->tier[178], ClvTier::kTop50);  // customer 2j has rank 2(99-j): rank 20

  std::vector<std::int64_t> revenue(200, 100);
  Result<GroupTable> table = SummarizeClvTiers(*t, revenue, clv);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->groups[0].key, "top_1");
  EXPECT_DOUBLE_EQ(table->groups[0].mean_predicted_clv, 99);
  EXPECT_EQ(table->groups[3].revenue_minor, 100 * 100);
  std::int64_t total = 0;
  for (const auto& g : table->groups) total += g.customers;
  EXPECT_EQ(total, 200);
}

TEST(ClvTiersTest, SmallBasesHaveNoTopOnePercent) {
  const std::vector<double> clv = {5, 1, 3};
  Result<ClvTiers> t = AssignClvTiers(clv);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->tier, (std::vector<ClvTier>{ClvTier::kTop50, ClvTier::kRest, ClvTier::kRest}));
  EXPECT_EQ(t->ranking, (std::vector<std::int32_t>{0, 2, 1}));
}

TEST(ClvTiersTest, InvalidInput) {
  EXPECT_EQ(AssignClvTiers({}).status().code(), StatusCode::kInvalidArgument);
  const std::vector<double> nan = {1, std::nan("")};
  EXPECT_EQ(AssignClvTiers(nan).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace clv::engine
