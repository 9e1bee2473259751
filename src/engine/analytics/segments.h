// RFM segments and CLV tiers: who the customers are (GET /clv/segments).
//
// Inputs are one row per customer, as parallel spans indexed by a dense customer index
// [0, n): the day of the last order, the number of orders and the net revenue (orders minus
// refunds, integer minor units). Days are days since 1970-01-01 (UTC); `as_of_day` is the
// observation day the caller chose (the engine has no clock).
//
// RFM scores. Each dimension gets a quintile score 1..5 (5 = best) from mid-ranks, so that
// tied customers always share a score and the result does not depend on the input order:
//   worse = customers strictly worse on this dimension, tied = customers with the same value
//   (including the customer), n = all customers;
//   score = 1 + floor(5 · (worse + tied / 2) / n)          (exact integer arithmetic)
// i.e. the quintile of the customer's mid-rank percentile. Consequences: a single customer, or
// all customers tied, score 3 (the middle, not "best" or "worst"); two customers score 2 and 4;
// five distinct customers score 1..5. Better means: fewer days since the last order (recency),
// more orders (frequency), more net revenue (monetary).
// The frequency–monetary score FM = round-half-up of (F + M) / 2 = (F + M + 1) / 2.
//
// The 11-segment map (the widely used R × FM map, after Putler's table and the common 10-cell
// R × F regex map, with "Lost" split off the worst corner). R = recency score, FM as above:
//
//   R \ FM |   1          2             3             4            5
//   -------+-------------------------------------------------------------------
//      5   | New         Potential     Potential     Champions    Champions
//      4   | Promising   Potential     Potential     Loyal        Loyal
//      3   | About To    About To      Need          Loyal        Loyal
//          |   Sleep       Sleep         Attention
//      2   | Hibernating Hibernating   At Risk       At Risk      Can't Lose Them
//      1   | Lost        Lost          At Risk       At Risk      Can't Lose Them
//
// (Potential = Potential Loyalist, New = New Customers, Loyal = Loyal Customers.) Every cell
// has exactly one segment, so segment counts always add up to the number of customers.
//
// CLV tiers by predicted CLV, highest first, ties broken by the lower customer index: with n
// customers, ranks [0, floor(n/100)) are "top 1%", up to floor(n/10) "top 10%", up to floor(n/2)
// "top 50%", the rest "rest". Floors, so that a customer is only called "top 1%" when it really
// is among the best 1% (with fewer than 100 customers that tier is empty). Tiers are disjoint.
//
// Money: revenue sums are int64 minor units (an overflow is an error, never a wrap); predicted
// CLV is a model output in minor units as a double and only ever averaged.
//
// Pure functions, thread-safe. Errors are InvalidArgument naming the first bad row (0-based).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace clv::engine {

enum class RfmSegment {
  kChampions,
  kLoyalCustomers,
  kPotentialLoyalist,
  kNewCustomers,
  kPromising,
  kNeedAttention,
  kAboutToSleep,
  kAtRisk,
  kCantLoseThem,
  kHibernating,
  kLost,
};
inline constexpr int kNumRfmSegments = 11;

// Display name ("Champions", "Can't Lose Them", ...) and a stable API key ("champions",
// "cant_lose_them", ...).
std::string_view RfmSegmentName(RfmSegment segment);
std::string_view RfmSegmentKey(RfmSegment segment);

// The map above. InvalidArgument unless both scores are in 1..5.
Result<RfmSegment> RfmSegmentOf(int recency_score, int frequency_monetary_score);

// Quintile scores 1..5 of `values` by the mid-rank rule above; larger values score higher.
// (For recency pass the negated day count, or use ScoreRfm.) Empty input → empty output.
// Values must be comparable (no NaN): callers validate.
std::vector<std::uint8_t> QuintileScores(std::span<const std::int64_t> values);

struct RfmCustomers {
  std::span<const std::int64_t> last_order_day;  // days since 1970-01-01, <= as_of_day
  std::span<const std::int64_t> order_count;     // >= 1
  std::span<const std::int64_t> revenue_minor;   // net revenue; may be negative (refunds)
};

struct RfmScores {
  std::vector<std::int64_t> recency_days;  // as_of_day − last_order_day
  std::vector<std::uint8_t> recency;       // R, 1..5
  std::vector<std::uint8_t> frequency;     // F
  std::vector<std::uint8_t> monetary;      // M
  std::vector<std::uint8_t> frequency_monetary;  // FM = (F + M + 1) / 2
  std::vector<RfmSegment> segment;
};

// InvalidArgument when the spans differ in length, are empty, an order count is < 1 or a last
// order is after `as_of_day`.
Result<RfmScores> ScoreRfm(const RfmCustomers& customers, std::int64_t as_of_day);

// One row of a segment or tier table.
struct GroupSummary {
  std::string_view key;   // "champions", "top_1", ...
  std::string_view name;  // "Champions", "Top 1%", ...
  std::int64_t customers = 0;
  std::int64_t revenue_minor = 0;     // sum of the members' net revenue
  double mean_predicted_clv = 0;      // minor units; 0 when the group is empty or no CLV given
  double share_of_customers = 0;      // customers / total customers, 0..1
  double share_of_revenue = 0;        // revenue / total revenue; 0 when the total is <= 0
};

struct GroupTable {
  std::vector<GroupSummary> groups;  // every group, in enum order, empty ones included
  std::int64_t total_customers = 0;
  std::int64_t total_revenue_minor = 0;
  bool has_predicted_clv = false;
};

// Per-segment aggregates. `predicted_clv` may be empty (no fitted model yet: mean CLV 0 and
// has_predicted_clv = false) or have one finite value per customer. InvalidArgument for
// mismatched sizes, a non-finite CLV, or a revenue sum that overflows int64.
Result<GroupTable> SummarizeSegments(const RfmScores& scores,
                                     std::span<const std::int64_t> revenue_minor,
                                     std::span<const double> predicted_clv);

enum class ClvTier { kTop1, kTop10, kTop50, kRest };
inline constexpr int kNumClvTiers = 4;
std::string_view ClvTierName(ClvTier tier);  // "Top 1%", "Top 10%", "Top 50%", "Rest"
std::string_view ClvTierKey(ClvTier tier);   // "top_1", "top_10", "top_50", "rest"

struct ClvTiers {
  std::vector<ClvTier> tier;             // per customer
  std::vector<std::int32_t> ranking;     // customer indices, highest CLV first
};

// InvalidArgument for an empty span or a non-finite value.
Result<ClvTiers> AssignClvTiers(std::span<const double> predicted_clv);

// Per-tier aggregates (same errors as SummarizeSegments; predicted_clv is required here).
Result<GroupTable> SummarizeClvTiers(const ClvTiers& tiers,
                                     std::span<const std::int64_t> revenue_minor,
                                     std::span<const double> predicted_clv);

}  // namespace clv::engine
