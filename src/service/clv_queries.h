// The read side of the analytics service: what GET /clv/customers, /clv/customers/:id,
// /clv/segments, /clv/churn and /clv/cohorts answer. Scores and fits are written by the
// calculation job and by incremental rescoring (service/jobs, service/scoring); this file only
// reads them (plus the tenant's orders, for cohorts and the P(alive) history).
//
// "The current fit" is the tenant's newest model fit, read without its report
// (Store::GetCurrentFitSummary: report_json is "{}" in every answer here). Before the first
// calculation there is none: lists and aggregates are then empty (fit = nullopt), never an
// error, so a dashboard can render "no calculation yet".
//
// Errors: InvalidArgument for bad parameters (unknown segment, tier, churn band, period,
// metric; bad limit or cursor — the store's); NotFound for a customer that is not in the
// tenant; FailedPrecondition for orders in several currencies (cohorts); the store's
// Unavailable/Internal otherwise. Thread-safe (the store is; nothing is cached here).
//
// GetCustomer's reads go through a storage::DetailBatcher: concurrent detail requests share one
// store call (one statement on PostgreSQL); every request is still answered by a read that
// started after it arrived.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/domain.h"
#include "core/status.h"
#include "engine/analytics/cohorts.h"
#include "storage/detail_batcher.h"
#include "storage/store.h"

namespace clv::service {

// Stable keys accepted by the filters, in the engine's order.
std::vector<std::string_view> SegmentKeys();   // "champions", ... (11)
std::vector<std::string_view> ClvTierKeys();   // "top_1", "top_10", "top_50", "rest"
std::vector<std::string_view> ChurnRiskKeys(); // "low", "medium", "high"
// Display names for the keys; the key itself when unknown (a newer writer's key).
std::string_view SegmentName(std::string_view key);
std::string_view ClvTierName(std::string_view key);

// "predicted_clv" | "historical_clv" | "p_alive" | "expected_purchases" (365 days) |
// "value_at_risk" | "last_order" → ScoreSort; InvalidArgument listing the choices.
Result<storage::ScoreSort> ParseScoreSort(std::string_view name);

struct ScoredPage {
  std::optional<storage::ModelFitRecord> fit;  // nullopt: no calculation yet (items empty)
  storage::Page<storage::ScoredCustomer> page;
};

struct GroupRow {
  std::string key, name;
  std::int64_t customers = 0;
  std::int64_t historical_clv_minor = 0;  // sum: the group's net revenue (× margin) to date
  double predicted_clv_minor = 0;         // sum
  double average_predicted_clv_minor = 0; // predicted / customers; 0 for an empty group
  double value_at_risk_minor = 0;         // sum
};

// Every segment (11) and every tier (4) in the engine's order, empty ones included. The counts
// of each table add up to total_customers (the number of scored customers); a store answering
// otherwise (scores changing between the two reads) is retried once, then Internal.
struct SegmentReport {
  std::optional<storage::ModelFitRecord> fit;
  std::int64_t total_customers = 0;
  std::vector<GroupRow> segments;
  std::vector<GroupRow> clv_tiers;
};

struct ChurnPage {
  ScoredPage customers;           // ranked by value at risk, highest first
  std::vector<GroupRow> bands;    // low, medium, high (all three), sums over the tenant
};

// One point of a customer's P(alive) curve.
struct PAlivePoint {
  std::int64_t day = 0;   // UTC day number
  double p_alive = 0;
  bool order = false;     // a purchase on this day (the value includes it)
};

struct CustomerDetail {
  Customer customer;
  // The current fit without its report (null before the first calculation); shared with the
  // other requests of its store read (storage::CustomerDetailRecord::fit), never modified.
  std::shared_ptr<const storage::ModelFitRecord> fit;
  // nullopt when the customer has no score (no calculation yet, or bought after the fit and
  // not rescored); then p_alive_history is empty too.
  std::optional<storage::CustomerScore> score;
  // Net revenue of the customer's purchases up to the fit's as_of (or all, without a fit) and
  // what refunds took off, from the order log.
  std::int64_t net_revenue_minor = 0;
  std::int64_t refunded_minor = 0;
  std::int64_t purchases = 0;
  // From the first purchase to the fit's as_of: every purchase day (P(alive) right after it),
  // the day before each repeat purchase (right before the jump), and a grid — weekly when the
  // span is at most two years, else the first of every month — plus as_of. Ascending days,
  // one point per day. Computed with the fit's model and time unit from the customer's own
  // orders, as the calculation summarised them; for BG/NBD the one-time-buyer correction
  // (engine/analytics/churn.h, MBG/NBD at the BG/NBD parameters) applies while x = 0.
  std::vector<PAlivePoint> p_alive_history;
};

// The days of a P(alive) curve as CustomerDetail::p_alive_history lays them out (day and order
// set, p_alive left 0), for ascending `purchase_days` (non-empty) ending on or before
// `as_of_day`: every purchase day, the day before each repeat purchase (after the first day),
// a weekly grid from the first purchase (monthly, on the 1st, when the span exceeds 730 days)
// and as_of — ascending, one point per day, a purchase day flagged. Replaces `points`' contents.
void HistoryDays(const std::vector<std::int64_t>& purchase_days, std::int64_t as_of_day,
                 std::vector<PAlivePoint>& points);

enum class CohortPeriod { kWeek, kMonth, kQuarter };
// "week" | "month" | "quarter"; InvalidArgument listing the choices.
Result<CohortPeriod> ParseCohortPeriod(std::string_view name);
std::string_view CohortPeriodName(CohortPeriod period);

struct CohortReportRow {
  std::int64_t start_day = 0;  // first day of the acquisition period
  std::int64_t customers = 0;
  std::vector<std::optional<double>> values;  // the metric per period since acquisition
  std::vector<std::int64_t> active, orders, revenue_minor;  // observed cells (engine CohortRow)
};

struct CohortReport {
  CohortPeriod period = CohortPeriod::kMonth;
  engine::CohortMetric metric = engine::CohortMetric::kRetention;
  std::int64_t as_of_day = 0;
  std::string currency;  // empty when there are no purchases
  std::size_t num_periods = 0;
  std::vector<CohortReportRow> cohorts;  // oldest first
  // Across cohorts, per period k (over the cohorts observed at k): retention = Σ active /
  // Σ customers; ltv = Σ cumulative revenue / Σ customers; revenue and customers = sums.
  std::vector<std::optional<double>> overall;
  std::int64_t total_customers = 0, total_orders = 0, total_revenue_minor = 0;
};

class ClvQueryService {
 public:
  // detail_batches_in_flight: concurrent GetCustomerDetails calls of the detail batcher (each
  // holds one database connection); up to kMaxDetailBatch requests share one. One by default:
  // a detail statement costs PostgreSQL ≈ 130 µs per statement plus ≈ 25 µs per customer, and
  // with one statement at a time the requests that arrive meanwhile share the next, about twice
  // as many as with two. Measured at 64 connections (docs/benchmarks.md, "Quiet-machine run in
  // session 8"): PostgreSQL CPU per request 58–65 → 44–48 µs, p99 8.0–10.3 → 7.6–9.0 ms; at
  // 512 connections the same requests/s. An idle server still answers each request at once.
  static constexpr std::size_t kMaxDetailBatch = 32;
  ClvQueryService(storage::Store& store, const Clock& clock,
                  std::size_t detail_batches_in_flight = 1);

  // A page of the current scores (storage::ListScoresOptions: sort, direction, filters).
  Result<ScoredPage> ListCustomers(TenantId tenant, const storage::ListScoresOptions& options);
  Result<CustomerDetail> GetCustomer(TenantId tenant, CustomerId customer);
  Result<SegmentReport> Segments(TenantId tenant);
  // The churn list: value at risk descending (customer id breaks ties); churn_risk filters.
  Result<ChurnPage> Churn(TenantId tenant, int limit, std::string cursor,
                          std::optional<std::string> churn_risk);

  // Acquisition cohorts from the order log (net of refunds and cancellations, as the
  // calculation counts purchases: service/calculation_input.h). The matrix ends at `as_of_day`
  // when given, else at the current fit's as_of, else today (the clock). Σ revenue cells = net
  // revenue up to the end; Σ orders cells = purchases; Σ cohort sizes = customers with a
  // purchase. InvalidArgument for an as_of before 1970 or after today + 1 year.
  Result<CohortReport> Cohorts(TenantId tenant, CohortPeriod period, engine::CohortMetric metric,
                               std::optional<std::int64_t> as_of_day = std::nullopt);

 private:
  Result<std::optional<storage::ModelFitRecord>> CurrentFit(TenantId tenant);

  storage::Store& store_;
  const Clock& clock_;
  storage::DetailBatcher details_;
};

// Every current score matching `options` (its limit and cursor are ignored), pulled page by page
// of kMaxPageLimit (the CSV export streams these). Not thread-safe; the service must outlive it.
class CustomerWalk {
 public:
  CustomerWalk(ClvQueryService& service, TenantId tenant, storage::ListScoresOptions options);
  // The next page (possibly with no items when nothing matches), or nullopt after the last.
  // FailedPrecondition when a new fit replaced the scores during the walk (the rows would mix
  // two fits); the service's errors otherwise. After an error the walk is over.
  Result<std::optional<ScoredPage>> Next();

 private:
  ClvQueryService& service_;
  TenantId tenant_;
  storage::ListScoresOptions options_;
  std::optional<std::int64_t> fit_id_;  // of the first page (0: no fit)
  bool done_ = false;
};

}  // namespace clv::service
