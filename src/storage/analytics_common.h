// Helpers shared by the SQLite and PostgreSQL analytics calls (jobs, model fits, customer
// scores): the score column list and row reader, sort columns, keyset cursors for sorted score
// lists, NaN-safe double lists, input checks. Internal to storage/.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/store.h"

namespace clv::storage::internal {

std::optional<JobStatus> ParseJobStatus(std::string_view name);

// Parameter lists of a fit, stored as text: shortest round-trip decimals separated by ',', NaN
// and infinities spelled "nan", "inf", "-inf". An empty list is the empty string.
std::string EncodeDoubles(std::span<const double> values);
Result<std::vector<double>> DecodeDoubles(std::string_view text);

// The sort column of a ScoreSort (a fixed identifier, safe to splice into SQL) and whether its
// values are integers (else doubles).
const char* ScoreSortColumn(ScoreSort sort);
bool ScoreSortIsInteger(ScoreSort sort);

// Keyset cursor of a sorted score list: the page's last (sort key, customer id), plus the sort,
// direction and a hash of the filters it was made with, so a cursor replayed with another sort
// or other filters is InvalidArgument. Double keys travel as their exact bit pattern.
struct ScoreCursor {
  std::int64_t int_key = 0;  // integer sorts
  double double_key = 0;     // double sorts
  std::int64_t customer = 0;
};
std::string EncodeScoreCursor(const ListScoresOptions& options, const CustomerScore& last);
// nullopt for an empty cursor (first page).
Result<std::optional<ScoreCursor>> DecodeScoreCursor(const ListScoresOptions& options);

// Checks a batch of scores (`offset` is added to the index named in messages, "scores[3]: ..."):
// positive customer ids, no customer twice within the batch (across the batches of a fit write
// the backends check it themselves), finite sort keys (predicted CLV, p_alive, expected
// purchases in 365 days, value at risk), non-empty churn_risk, segment and clv_tier.
Status ValidateScores(std::span<const CustomerScore> scores, std::int64_t offset);

// Columns of customer_scores after tenant_id, in this order, for inserts and reads.
inline constexpr const char* kScoreColumns =
    "customer_id, fit_id, frequency, recency, age, monetary, orders, first_order_day, "
    "last_order_day, historical_clv_minor, p_alive, expected_purchases_30d, "
    "expected_purchases_90d, expected_purchases_365d, expected_purchases_horizon, "
    "expected_spend_minor, predicted_clv_minor, clv_lower_minor, clv_upper_minor, churn_risk, "
    "value_at_risk_minor, rfm_recency, rfm_frequency, rfm_monetary, segment, clv_tier, "
    "expected_next_order_day, updated_at";
inline constexpr int kScoreColumnCount = 28;

// Calls visit(index, value) for each column of `s` in kScoreColumns order, with value an
// std::int64_t, a double (possibly NaN: stored as NULL) or a std::string_view.
template <typename Visit>
void VisitScore(const CustomerScore& s, Visit&& visit) {
  int i = 0;
  visit(i++, s.customer.value);
  visit(i++, s.fit_id);
  visit(i++, s.frequency);
  visit(i++, s.recency);
  visit(i++, s.age);
  visit(i++, s.monetary);
  visit(i++, s.orders);
  visit(i++, s.first_order_day);
  visit(i++, s.last_order_day);
  visit(i++, s.historical_clv_minor);
  visit(i++, s.p_alive);
  visit(i++, s.expected_purchases_30d);
  visit(i++, s.expected_purchases_90d);
  visit(i++, s.expected_purchases_365d);
  visit(i++, s.expected_purchases_horizon);
  visit(i++, s.expected_spend_minor);
  visit(i++, s.predicted_clv_minor);
  visit(i++, s.clv_lower_minor);
  visit(i++, s.clv_upper_minor);
  visit(i++, std::string_view(s.churn_risk));
  visit(i++, s.value_at_risk_minor);
  visit(i++, std::int64_t{s.rfm_recency});
  visit(i++, std::int64_t{s.rfm_frequency});
  visit(i++, std::int64_t{s.rfm_monetary});
  visit(i++, std::string_view(s.segment));
  visit(i++, std::string_view(s.clv_tier));
  visit(i++, s.expected_next_order_day);
  visit(i++, s.updated_at_us);
}

// Reads a score from a row whose columns start at `base` in kScoreColumns order. Row provides
// Int(col), Double(col) (NaN for NULL) and Text(col).
template <typename Row>
CustomerScore ReadScore(const Row& r, int base) {
  CustomerScore s;
  int i = base;
  s.customer.value = r.Int(i++);
  s.fit_id = r.Int(i++);
  s.frequency = r.Double(i++);
  s.recency = r.Double(i++);
  s.age = r.Double(i++);
  s.monetary = r.Double(i++);
  s.orders = r.Int(i++);
  s.first_order_day = r.Int(i++);
  s.last_order_day = r.Int(i++);
  s.historical_clv_minor = r.Int(i++);
  s.p_alive = r.Double(i++);
  s.expected_purchases_30d = r.Double(i++);
  s.expected_purchases_90d = r.Double(i++);
  s.expected_purchases_365d = r.Double(i++);
  s.expected_purchases_horizon = r.Double(i++);
  s.expected_spend_minor = r.Double(i++);
  s.predicted_clv_minor = r.Double(i++);
  s.clv_lower_minor = r.Double(i++);
  s.clv_upper_minor = r.Double(i++);
  s.churn_risk = r.Text(i++);
  s.value_at_risk_minor = r.Double(i++);
  s.rfm_recency = static_cast<int>(r.Int(i++));
  s.rfm_frequency = static_cast<int>(r.Int(i++));
  s.rfm_monetary = static_cast<int>(r.Int(i++));
  s.segment = r.Text(i++);
  s.clv_tier = r.Text(i++);
  s.expected_next_order_day = r.Int(i++);
  s.updated_at_us = r.Int(i++);
  return s;
}

// Customer columns (c.*) read by score lists, after the score columns.
inline constexpr const char* kScoreCustomerColumns =
    "c.tenant_id, c.id, c.source, c.external_id, c.email, c.first_order_at, c.last_order_at, "
    "c.order_count, c.created_at";

template <typename Row>
Customer ReadScoreCustomer(const Row& r, int base) {
  Customer c;
  c.tenant.value = r.Int(base);
  c.id.value = r.Int(base + 1);
  c.source = r.Text(base + 2);
  c.external_id = r.Text(base + 3);
  c.email = r.Text(base + 4);
  c.first_order_at_us = r.Int(base + 5);  // NULL reads as 0, as in GetCustomer
  c.last_order_at_us = r.Int(base + 6);
  c.order_count = r.Int(base + 7);
  c.created_at_us = r.Int(base + 8);
  return c;
}

// Columns of jobs, in this order, for reads.
inline constexpr const char* kJobColumns =
    "tenant_id, id, kind, status, params, created_by, progress, stage, attempts, worker, error, "
    "result, created_at, started_at, heartbeat_at, finished_at";

// Row provides Int(col), Double(col), Text(col), IsNull(col).
template <typename Row>
Result<Job> ReadJob(const Row& r) {
  Job j;
  j.tenant.value = r.Int(0);
  j.id.value = r.Int(1);
  j.kind = r.Text(2);
  auto status = ParseJobStatus(r.Text(3));
  if (!status) return Internal("unknown status in jobs row");
  j.status = *status;
  j.params_json = r.Text(4);
  if (!r.IsNull(5)) j.created_by = UserId{r.Int(5)};
  j.progress = r.Double(6);
  j.stage = r.Text(7);
  j.attempts = static_cast<int>(r.Int(8));
  j.worker = r.Text(9);
  j.error = r.Text(10);
  j.result_json = r.Text(11);
  j.created_at_us = r.Int(12);
  if (!r.IsNull(13)) j.started_at_us = r.Int(13);
  if (!r.IsNull(14)) j.heartbeat_at_us = r.Int(14);
  if (!r.IsNull(15)) j.finished_at_us = r.Int(15);
  return j;
}

// Columns of model_fits after (tenant_id, id), in this order, for inserts and reads.
inline constexpr const char* kFitColumns =
    "job_id, created_at, as_of, as_of_explicit, currency, model, model_params, "
    "gamma_gamma_params, spend_model, period, resolution, horizon_periods, clv_months, "
    "discount_rate_monthly, margin, customers, report";

// kFitColumns without its last column (report), for reads that select a replacement in its
// place (the fit summary's chosen report members, the customer detail's '{}').
std::string FitColumnsWithoutReport();

// Concatenation, for statements built once.
std::string Cat(std::initializer_list<std::string_view> parts);

// The SELECT prefixes both backends read jobs, fits and scores with, each ending in a space for
// the WHERE that follows. Built once: the strings stay put for the program's life, as SQLite's
// statement cache (keyed by the SQL text's address) requires of a statement built from them.
//   JobSelect:   kJobColumns FROM jobs                        (ReadJob)
//   FitSelect:   tenant_id, id, kFitColumns FROM model_fits   (ReadFit)
//   ScoreSelect: kScoreColumns, kScoreCustomerColumns FROM customer_scores s JOIN customers c
//                (ReadScore(row, 0), ReadScoreCustomer(row, kScoreColumnCount))
const std::string& JobSelect();
const std::string& FitSelect();
const std::string& ScoreSelect();

// "frequency = excluded.frequency, ..." for every column of kScoreColumns but customer_id: the
// SET list of a score upsert ON CONFLICT (tenant_id, customer_id) DO UPDATE. Built once.
const std::string& ScoreUpsertAssignments();

// Row additionally provides Bool(col). Columns: tenant_id, id, then kFitColumns.
template <typename Row>
Result<ModelFitRecord> ReadFit(const Row& r) {
  ModelFitRecord f;
  f.tenant.value = r.Int(0);
  f.id = r.Int(1);
  if (!r.IsNull(2)) f.job = JobId{r.Int(2)};
  f.created_at_us = r.Int(3);
  f.as_of_us = r.Int(4);
  f.as_of_explicit = r.Bool(5);
  f.currency = r.Text(6);
  f.model = r.Text(7);
  CLV_ASSIGN_OR_RETURN(f.model_params, DecodeDoubles(r.Text(8)));
  CLV_ASSIGN_OR_RETURN(f.gamma_gamma_params, DecodeDoubles(r.Text(9)));
  f.spend_model = r.Text(10);
  f.period = r.Text(11);
  f.resolution = r.Text(12);
  f.horizon_periods = r.Double(13);
  f.clv_months = static_cast<int>(r.Int(14));
  f.discount_rate_monthly = r.Double(15);
  f.margin = r.Double(16);
  f.customers = r.Int(17);
  f.report_json = r.Text(18);
  return f;
}

// Column of a ScoreGroupBy.
const char* ScoreGroupColumn(ScoreGroupBy group_by);

// AggregateScores' argument check shared by both backends: at least one grouping, none twice.
Status ValidateGroupings(std::span<const ScoreGroupBy> groupings);

// Sums score rows (or already summed groups) into the groups of one grouping, kept ascending by
// key in byte order (AggregateScores' contract). Few keys (a dozen at most) and rows of one
// group often come in runs, so the last group touched is checked before searching.
class ScoreGroupSums {
 public:
  void Add(std::string_view key, std::int64_t customers, std::int64_t historical_clv_minor,
           double predicted_clv_minor, double value_at_risk_minor);
  std::vector<ScoreGroup> Take() && { return std::move(groups_); }

 private:
  std::vector<ScoreGroup> groups_;
  std::size_t last_ = 0;  // index of the group touched last (valid when groups_ is not empty)
};

// Argument checks shared by both backends (InvalidArgument, same message everywhere):
// EnqueueJob and ListRefitCandidates (kind), ClaimJob (worker), UpdateJobProgress, BeginFitWrite,
// GetCurrentFitSummary (report keys: none empty).
Status ValidateJobKind(std::string_view kind);
Status ValidateWorker(std::string_view worker);
Status ValidateProgress(double progress);
Status ValidateFit(TenantId tenant, const ModelFitRecord& fit);
Status ValidateReportKeys(std::span<const std::string_view> keys);

// A descending list's "before" bound from a plain id cursor: the cursor's id, or the largest id
// for the first page.
Result<std::int64_t> DecodeDescendingCursor(std::string_view cursor);

inline double NanIfNull(bool is_null, double v) {
  return is_null ? std::numeric_limits<double>::quiet_NaN() : v;
}

}  // namespace clv::storage::internal
