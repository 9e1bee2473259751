#include "engine/analytics/segments.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>

namespace clv::engine {
namespace {

using S = RfmSegment;

// kMap[R - 1][FM - 1]: the table in the header, bottom row (R = 1) first.
constexpr std::array<std::array<S, 5>, 5> kMap = {{
    {S::kLost, S::kLost, S::kAtRisk, S::kAtRisk, S::kCantLoseThem},
    {S::kHibernating, S::kHibernating, S::kAtRisk, S::kAtRisk, S::kCantLoseThem},
    {S::kAboutToSleep, S::kAboutToSleep, S::kNeedAttention, S::kLoyalCustomers,
     S::kLoyalCustomers},
    {S::kPromising, S::kPotentialLoyalist, S::kPotentialLoyalist, S::kLoyalCustomers,
     S::kLoyalCustomers},
    {S::kNewCustomers, S::kPotentialLoyalist, S::kPotentialLoyalist, S::kChampions,
     S::kChampions},
}};

struct Names {
  std::string_view key, name;
};

constexpr std::array<Names, kNumRfmSegments> kSegmentNames = {{
    {"champions", "Champions"},
    {"loyal_customers", "Loyal Customers"},
    {"potential_loyalist", "Potential Loyalist"},
    {"new_customers", "New Customers"},
    {"promising", "Promising"},
    {"need_attention", "Need Attention"},
    {"about_to_sleep", "About To Sleep"},
    {"at_risk", "At Risk"},
    {"cant_lose_them", "Can't Lose Them"},
    {"hibernating", "Hibernating"},
    {"lost", "Lost"},
}};

constexpr std::array<Names, kNumClvTiers> kTierNames = {{
    {"top_1", "Top 1%"},
    {"top_10", "Top 10%"},
    {"top_50", "Top 50%"},
    {"rest", "Rest"},
}};

Status CheckClv(std::span<const double> clv, std::size_t n, bool required) {
  if (clv.empty() && !required) return Status::Ok();
  if (clv.size() != n) {
    return InvalidArgument("predicted CLV has " + std::to_string(clv.size()) +
                           " values for " + std::to_string(n) + " customers");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(clv[i])) {
      return InvalidArgument("predicted CLV of customer " + std::to_string(i) +
                             " is not finite");
    }
  }
  return Status::Ok();
}

// Aggregates customers into `num_groups` groups. Revenue is summed in int64 with overflow
// checks: money sums are exact or an error, never a double or a wrap.
template <typename GroupOf>
Result<GroupTable> Summarize(std::size_t n, int num_groups, GroupOf group_of,
                             std::span<const std::int64_t> revenue_minor,
                             std::span<const double> clv,
                             std::span<const Names> names) {
  if (revenue_minor.size() != n) {
    return InvalidArgument("revenue has " + std::to_string(revenue_minor.size()) +
                           " values for " + std::to_string(n) + " customers");
  }
  GroupTable table;
  table.groups.resize(static_cast<std::size_t>(num_groups));
  std::vector<double> clv_sum(table.groups.size(), 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    GroupSummary& g = table.groups[static_cast<std::size_t>(group_of(i))];
    ++g.customers;
    if (__builtin_add_overflow(g.revenue_minor, revenue_minor[i], &g.revenue_minor) ||
        __builtin_add_overflow(table.total_revenue_minor, revenue_minor[i],
                               &table.total_revenue_minor)) {
      return InvalidArgument("revenue total overflows 64-bit minor units");
    }
    if (!clv.empty()) clv_sum[static_cast<std::size_t>(group_of(i))] += clv[i];
  }
  table.total_customers = static_cast<std::int64_t>(n);
  table.has_predicted_clv = !clv.empty();
  for (std::size_t k = 0; k < table.groups.size(); ++k) {
    GroupSummary& g = table.groups[k];
    g.key = names[k].key;
    g.name = names[k].name;
    if (g.customers > 0) {
      g.mean_predicted_clv = clv_sum[k] / static_cast<double>(g.customers);
      g.share_of_customers = static_cast<double>(g.customers) / static_cast<double>(n);
    }
    if (table.total_revenue_minor > 0) {
      g.share_of_revenue = static_cast<double>(g.revenue_minor) /
                           static_cast<double>(table.total_revenue_minor);
    }
  }
  return table;
}

}  // namespace

std::string_view RfmSegmentName(RfmSegment segment) {
  return kSegmentNames[static_cast<std::size_t>(segment)].name;
}
std::string_view RfmSegmentKey(RfmSegment segment) {
  return kSegmentNames[static_cast<std::size_t>(segment)].key;
}
std::string_view ClvTierName(ClvTier tier) {
  return kTierNames[static_cast<std::size_t>(tier)].name;
}
std::string_view ClvTierKey(ClvTier tier) { return kTierNames[static_cast<std::size_t>(tier)].key; }

Result<RfmSegment> RfmSegmentOf(int recency_score, int frequency_monetary_score) {
  if (recency_score < 1 || recency_score > 5 || frequency_monetary_score < 1 ||
      frequency_monetary_score > 5) {
    return InvalidArgument("RFM scores must be in 1..5, got R=" + std::to_string(recency_score) +
                           " FM=" + std::to_string(frequency_monetary_score));
  }
  return kMap[static_cast<std::size_t>(recency_score - 1)]
             [static_cast<std::size_t>(frequency_monetary_score - 1)];
}

std::vector<std::uint8_t> QuintileScores(std::span<const std::int64_t> values) {
  const std::size_t n = values.size();
  // Sort (value, row) once and walk the runs of equal values: each run's rank and size give
  // its score directly (one binary search pair per row was most of this function's cost on a
  // million customers: cache misses over the whole sorted array).
  std::vector<std::pair<std::int64_t, std::size_t>> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = {values[i], i};
  std::sort(order.begin(), order.end());
  std::vector<std::uint8_t> scores(n);
  for (std::size_t lo = 0; lo < n;) {
    std::size_t hi = lo + 1;
    while (hi < n && order[hi].first == order[lo].first) ++hi;
    // Mid-rank percentile in halves, so the arithmetic is exact: 2·worse + tied < 2n, hence
    // the score never exceeds 5 and ties always land in the same quintile.
    const auto worse = static_cast<unsigned __int128>(lo);
    const auto tied = static_cast<unsigned __int128>(hi - lo);
    const unsigned __int128 q = 5 * (2 * worse + tied) / (2 * static_cast<unsigned __int128>(n));
    const auto score = static_cast<std::uint8_t>(1 + q);
    for (std::size_t k = lo; k < hi; ++k) scores[order[k].second] = score;
    lo = hi;
  }
  return scores;
}

Result<RfmScores> ScoreRfm(const RfmCustomers& c, std::int64_t as_of_day) {
  const std::size_t n = c.last_order_day.size();
  if (c.order_count.size() != n || c.revenue_minor.size() != n) {
    return InvalidArgument("RFM inputs differ in length: last_order_day " + std::to_string(n) +
                           ", order_count " + std::to_string(c.order_count.size()) +
                           ", revenue " + std::to_string(c.revenue_minor.size()));
  }
  if (n == 0) return InvalidArgument("no customers to score");
  RfmScores s;
  s.recency_days.resize(n);
  std::vector<std::int64_t> negated_recency(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (c.order_count[i] < 1) {
      return InvalidArgument("customer " + std::to_string(i) + " has " +
                             std::to_string(c.order_count[i]) + " orders; at least 1 required");
    }
    if (c.last_order_day[i] > as_of_day) {
      return InvalidArgument("customer " + std::to_string(i) +
                             " has a last order after the as-of day");
    }
    if (__builtin_sub_overflow(as_of_day, c.last_order_day[i], &s.recency_days[i]) ||
        s.recency_days[i] == INT64_MAX) {
      return InvalidArgument("customer " + std::to_string(i) + " has an out-of-range last order day");
    }
    negated_recency[i] = -s.recency_days[i];  // fewer days since the last order is better
  }
  s.recency = QuintileScores(negated_recency);
  s.frequency = QuintileScores(c.order_count);
  s.monetary = QuintileScores(c.revenue_minor);
  s.frequency_monetary.resize(n);
  s.segment.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    s.frequency_monetary[i] = static_cast<std::uint8_t>((s.frequency[i] + s.monetary[i] + 1) / 2);
    s.segment[i] = kMap[s.recency[i] - 1u][s.frequency_monetary[i] - 1u];
  }
  return s;
}

Result<GroupTable> SummarizeSegments(const RfmScores& scores,
                                     std::span<const std::int64_t> revenue_minor,
                                     std::span<const double> predicted_clv) {
  const std::size_t n = scores.segment.size();
  CLV_RETURN_IF_ERROR(CheckClv(predicted_clv, n, /*required=*/false));
  return Summarize(
      n, kNumRfmSegments, [&](std::size_t i) { return static_cast<int>(scores.segment[i]); },
      revenue_minor, predicted_clv, kSegmentNames);
}

Result<ClvTiers> AssignClvTiers(std::span<const double> predicted_clv) {
  const std::size_t n = predicted_clv.size();
  if (n == 0) return InvalidArgument("no customers to rank");
  CLV_RETURN_IF_ERROR(CheckClv(predicted_clv, n, /*required=*/true));
  ClvTiers t;
  t.ranking.resize(n);
  std::iota(t.ranking.begin(), t.ranking.end(), 0);
  std::sort(t.ranking.begin(), t.ranking.end(), [&](std::int32_t a, std::int32_t b) {
    const double ca = predicted_clv[static_cast<std::size_t>(a)];
    const double cb = predicted_clv[static_cast<std::size_t>(b)];
    return ca != cb ? ca > cb : a < b;
  });
  const std::size_t top1 = n / 100, top10 = n / 10, top50 = n / 2;
  t.tier.resize(n);
  for (std::size_t rank = 0; rank < n; ++rank) {
    const ClvTier tier = rank < top1    ? ClvTier::kTop1
                         : rank < top10 ? ClvTier::kTop10
                         : rank < top50 ? ClvTier::kTop50
                                        : ClvTier::kRest;
    t.tier[static_cast<std::size_t>(t.ranking[rank])] = tier;
  }
  return t;
}

Result<GroupTable> SummarizeClvTiers(const ClvTiers& tiers,
                                     std::span<const std::int64_t> revenue_minor,
                                     std::span<const double> predicted_clv) {
  const std::size_t n = tiers.tier.size();
  CLV_RETURN_IF_ERROR(CheckClv(predicted_clv, n, /*required=*/true));
  return Summarize(
      n, kNumClvTiers, [&](std::size_t i) { return static_cast<int>(tiers.tier[i]); },
      revenue_minor, predicted_clv, kTierNames);
}

}  // namespace clv::engine
