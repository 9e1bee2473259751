#include "service/clv_queries.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <span>
#include <utility>

#include "core/time.h"
#include "engine/analytics/churn.h"
#include "engine/analytics/segments.h"
#include "engine/data/transactions.h"
#include "engine/models/purchase_model.h"
#include "service/calculation_input.h"

namespace clv::service {
namespace {

constexpr std::array<engine::ChurnRisk, 3> kRisks = {engine::ChurnRisk::kLow,
                                                     engine::ChurnRisk::kMedium,
                                                     engine::ChurnRisk::kHigh};

std::string Choices(const std::vector<std::string_view>& keys) {
  std::string out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    out += (i == 0 ? "" : (i + 1 == keys.size() ? " or " : ", ")) + std::string(keys[i]);
  }
  return out;
}

Status CheckKey(std::string_view field, const std::optional<std::string>& value,
                const std::vector<std::string_view>& keys) {
  if (!value) return Status::Ok();
  if (std::find(keys.begin(), keys.end(), *value) != keys.end()) return Status::Ok();
  return InvalidArgument(std::string(field) + ": unknown value '" + *value + "' (expected " +
                         Choices(keys) + ")");
}

// Groups from the store (non-empty ones, by key) laid out over every key in `keys` order.
// Keys the store has that we do not know (a newer writer) are appended, so counts still add up.
std::vector<GroupRow> Layout(const std::vector<storage::ScoreGroup>& groups,
                             const std::vector<std::string_view>& keys,
                             std::string_view (*name_of)(std::string_view)) {
  std::vector<GroupRow> out;
  for (std::string_view key : keys) {
    GroupRow row;
    row.key = std::string(key);
    row.name = std::string(name_of(key));
    out.push_back(std::move(row));
  }
  for (const storage::ScoreGroup& g : groups) {
    auto it = std::find_if(out.begin(), out.end(), [&](const GroupRow& r) { return r.key == g.key; });
    if (it == out.end()) {
      GroupRow row;
      row.key = g.key;
      row.name = std::string(name_of(g.key));
      out.push_back(std::move(row));
      it = out.end() - 1;
    }
    it->customers = g.customers;
    it->historical_clv_minor = g.historical_clv_minor;
    it->predicted_clv_minor = g.predicted_clv_minor;
    it->value_at_risk_minor = g.value_at_risk_minor;
    it->average_predicted_clv_minor =
        g.customers > 0 ? g.predicted_clv_minor / static_cast<double>(g.customers) : 0.0;
  }
  return out;
}

std::string_view RiskName(std::string_view key) { return key; }

std::int64_t Total(const std::vector<GroupRow>& rows) {
  std::int64_t n = 0;
  for (const GroupRow& r : rows) n += r.customers;
  return n;
}

// The model time unit of a fit's summaries (see service/calculation.h, steps 1 and 3).
struct FitUnit {
  engine::Period summary_unit = engine::Period::kDay;  // what SummarizeTransactions counts in
  double divide_by = 1;                                 // days → model periods (day resolution)
};

Result<FitUnit> UnitOf(const storage::ModelFitRecord& fit) {
  Result<engine::Period> period = engine::ParsePeriod(fit.period);
  if (!period.ok()) return Internal("fit " + std::to_string(fit.id) + ": " + period.status().message());
  FitUnit u;
  if (fit.resolution == "period") {
    u.summary_unit = *period;
  } else if (fit.resolution == "day") {
    u.summary_unit = engine::Period::kDay;
    u.divide_by = engine::DaysPerPeriod(*period);
  } else {
    return Internal("fit " + std::to_string(fit.id) + ": unknown resolution '" + fit.resolution + "'");
  }
  return u;
}

}  // namespace

// The purchase points (each purchase, the day before each repeat purchase) and the grid
// (weekly or monthly, then as_of) are each ascending when `purchase_days` is, so they are merged
// as they are generated instead of sorted afterwards (the sort was ~1 % of the server's CPU).
// Unsorted purchase days give unsorted points; SummarizeAtEnds rejects such days anyway.
void HistoryDays(const std::vector<std::int64_t>& purchase_days, std::int64_t as_of_day,
                 std::vector<PAlivePoint>& points) {
  const std::int64_t first = purchase_days.front();
  // At most: two points per purchase, one per week (or month) of the span, and as_of. Reserved
  // once: growing by doubling was ~7 reallocations per request for a two-year customer.
  const std::int64_t span = std::max<std::int64_t>(0, as_of_day - first);
  points.clear();
  points.reserve(2 * purchase_days.size() + static_cast<std::size_t>(span / 7) + 2);
  // Appends day d unless it is already the last point (then a purchase flag is kept). A day
  // before the last point is the day before a repeat purchase on the same day as the previous
  // one: that day was already added for the first purchase of the run (or excluded with it).
  auto push = [&points](std::int64_t d, bool order) {
    if (!points.empty() && d <= points.back().day) {
      if (d == points.back().day) points.back().order |= order;
      return;
    }
    PAlivePoint& p = points.emplace_back();
    p.day = d;
    p.order = order;
  };
  std::size_t next = 0;  // the first purchase not yet merged
  auto purchases_up_to = [&](std::int64_t last) {
    for (; next < purchase_days.size() && purchase_days[next] <= last; ++next) {
      const std::int64_t d = purchase_days[next];
      if (next > 0 && d - 1 > first) push(d - 1, false);
      push(d, true);
    }
  };
  if (as_of_day - first <= 730) {
    for (std::int64_t d = first + 7; d < as_of_day; d += 7) {
      purchases_up_to(d);
      push(d, false);
    }
  } else {
    CivilDay c = CivilFromDays(first);
    for (;;) {
      c.month = c.month == 12 ? 1 : c.month + 1;
      if (c.month == 1) ++c.year;
      const std::int64_t d = DaysFromCivil(c.year, c.month, 1);
      if (d >= as_of_day) break;
      purchases_up_to(d);
      push(d, false);
    }
  }
  purchases_up_to(as_of_day);
  push(as_of_day, false);
  purchases_up_to(std::numeric_limits<std::int64_t>::max());  // none after as_of in practice
}

std::vector<std::string_view> SegmentKeys() {
  std::vector<std::string_view> keys;
  for (int i = 0; i < engine::kNumRfmSegments; ++i) {
    keys.push_back(engine::RfmSegmentKey(static_cast<engine::RfmSegment>(i)));
  }
  return keys;
}

std::vector<std::string_view> ClvTierKeys() {
  std::vector<std::string_view> keys;
  for (int i = 0; i < engine::kNumClvTiers; ++i) {
    keys.push_back(engine::ClvTierKey(static_cast<engine::ClvTier>(i)));
  }
  return keys;
}

std::vector<std::string_view> ChurnRiskKeys() {
  std::vector<std::string_view> keys;
  for (engine::ChurnRisk r : kRisks) keys.push_back(engine::ChurnRiskName(r));
  return keys;
}

std::string_view SegmentName(std::string_view key) {
  for (int i = 0; i < engine::kNumRfmSegments; ++i) {
    const auto s = static_cast<engine::RfmSegment>(i);
    if (engine::RfmSegmentKey(s) == key) return engine::RfmSegmentName(s);
  }
  return key;
}

std::string_view ClvTierName(std::string_view key) {
  for (int i = 0; i < engine::kNumClvTiers; ++i) {
    const auto t = static_cast<engine::ClvTier>(i);
    if (engine::ClvTierKey(t) == key) return engine::ClvTierName(t);
  }
  return key;
}

Result<storage::ScoreSort> ParseScoreSort(std::string_view name) {
  using storage::ScoreSort;
  if (name == "predicted_clv") return ScoreSort::kPredictedClv;
  if (name == "historical_clv") return ScoreSort::kHistoricalClv;
  if (name == "p_alive") return ScoreSort::kPAlive;
  if (name == "expected_purchases") return ScoreSort::kExpectedPurchases365d;
  if (name == "value_at_risk") return ScoreSort::kValueAtRisk;
  if (name == "last_order") return ScoreSort::kLastOrder;
  return InvalidArgument("sort: unknown value '" + std::string(name) +
                         "' (expected predicted_clv, historical_clv, p_alive, expected_purchases, "
                         "value_at_risk or last_order)");
}

Result<CohortPeriod> ParseCohortPeriod(std::string_view name) {
  if (name == "week") return CohortPeriod::kWeek;
  if (name == "month") return CohortPeriod::kMonth;
  if (name == "quarter") return CohortPeriod::kQuarter;
  return InvalidArgument("period: unknown value '" + std::string(name) +
                         "' (expected week, month or quarter)");
}

std::string_view CohortPeriodName(CohortPeriod period) {
  switch (period) {
    case CohortPeriod::kWeek: return "week";
    case CohortPeriod::kMonth: return "month";
    case CohortPeriod::kQuarter: return "quarter";
  }
  return "month";
}

ClvQueryService::ClvQueryService(storage::Store& store, const Clock& clock,
                                 std::size_t detail_batches_in_flight)
    : store_(store), clock_(clock),
      details_(store, detail_batches_in_flight, kMaxDetailBatch) {}

Result<std::optional<storage::ModelFitRecord>> ClvQueryService::CurrentFit(TenantId tenant) {
  // No report: every read here needs only the fit's typed fields.
  Result<storage::ModelFitRecord> fit = store_.GetCurrentFitSummary(tenant, {});
  if (fit.ok()) return std::optional<storage::ModelFitRecord>(std::move(fit).value());
  if (fit.status().code() == StatusCode::kNotFound) return std::optional<storage::ModelFitRecord>();
  return fit.status();
}

Result<ScoredPage> ClvQueryService::ListCustomers(TenantId tenant,
                                                  const storage::ListScoresOptions& options) {
  CLV_RETURN_IF_ERROR(CheckKey("segment", options.segment, SegmentKeys()));
  CLV_RETURN_IF_ERROR(CheckKey("churn_risk", options.churn_risk, ChurnRiskKeys()));
  CLV_RETURN_IF_ERROR(CheckKey("tier", options.clv_tier, ClvTierKeys()));
  ScoredPage out;
  CLV_ASSIGN_OR_RETURN(out.fit, CurrentFit(tenant));
  // The scores are read even without a fit: the store validates limit and cursor, so a bad
  // parameter is a 400 whether or not a calculation ran.
  CLV_ASSIGN_OR_RETURN(out.page, store_.ListCustomerScores(tenant, options));
  return out;
}

CustomerWalk::CustomerWalk(ClvQueryService& service, TenantId tenant,
                           storage::ListScoresOptions options)
    : service_(service), tenant_(tenant), options_(std::move(options)) {
  options_.limit = storage::kMaxPageLimit;
  options_.cursor.clear();
}

Result<std::optional<ScoredPage>> CustomerWalk::Next() {
  if (done_) return std::optional<ScoredPage>();
  done_ = true;  // until this page is known to be good
  CLV_ASSIGN_OR_RETURN(ScoredPage page, service_.ListCustomers(tenant_, options_));
  const std::int64_t current = page.fit ? page.fit->id : 0;
  if (!fit_id_) fit_id_ = current;
  // Keyset cursors stay valid across a new fit, so without this check the export would
  // silently continue with the new fit's scores.
  bool mixed = current != *fit_id_;
  for (const storage::ScoredCustomer& c : page.page.items) mixed |= c.score.fit_id != *fit_id_;
  if (mixed) {
    return FailedPrecondition(
        "a new CLV calculation replaced the scores during the export; export again");
  }
  done_ = page.page.next_cursor.empty();
  options_.cursor = page.page.next_cursor;
  return std::optional<ScoredPage>(std::move(page));
}

Result<SegmentReport> ClvQueryService::Segments(TenantId tenant) {
  SegmentReport out;
  CLV_ASSIGN_OR_RETURN(out.fit, CurrentFit(tenant));
  // Both groupings from one scan of one snapshot: their totals agree even while orders arrive.
  constexpr std::array kGroupings = {storage::ScoreGroupBy::kSegment,
                                     storage::ScoreGroupBy::kClvTier};
  CLV_ASSIGN_OR_RETURN(std::vector<std::vector<storage::ScoreGroup>> groups,
                       store_.AggregateScores(tenant, kGroupings));
  out.segments = Layout(groups[0], SegmentKeys(), &SegmentName);
  out.clv_tiers = Layout(groups[1], ClvTierKeys(), &ClvTierName);
  out.total_customers = Total(out.segments);
  if (Total(out.clv_tiers) != out.total_customers) {
    return Internal("segment and CLV tier counts of one snapshot disagree");
  }
  return out;
}

Result<ChurnPage> ClvQueryService::Churn(TenantId tenant, int limit, std::string cursor,
                                         std::optional<std::string> churn_risk) {
  storage::ListScoresOptions o;
  o.limit = limit;
  o.cursor = std::move(cursor);
  o.sort = storage::ScoreSort::kValueAtRisk;
  o.descending = true;
  o.churn_risk = std::move(churn_risk);
  ChurnPage out;
  CLV_ASSIGN_OR_RETURN(out.customers, ListCustomers(tenant, o));
  constexpr std::array kGroupings = {storage::ScoreGroupBy::kChurnRisk};
  CLV_ASSIGN_OR_RETURN(std::vector<std::vector<storage::ScoreGroup>> bands,
                       store_.AggregateScores(tenant, kGroupings));
  out.bands = Layout(bands[0], ChurnRiskKeys(), &RiskName);
  return out;
}

Result<CustomerDetail> ClvQueryService::GetCustomer(TenantId tenant, CustomerId customer) {
  // Customer, score, current fit (without its report) and the cash flows: one store call, shared
  // with the detail requests that arrive meanwhile (one statement on PostgreSQL).
  CLV_ASSIGN_OR_RETURN(storage::CustomerDetailRecord read, details_.Get(tenant, customer));
  CustomerDetail out;
  out.customer = std::move(read.customer);
  out.fit = std::move(read.fit);
  out.score = std::move(read.score);
  // A score from an older fit than the current one cannot happen (a fit replaces every score),
  // but if it did, its history would be drawn with the wrong model: show the score without one.
  const bool history = out.score && out.fit && out.score->fit_id == out.fit->id;
  const std::vector<storage::AnalysisRow>& rows = read.rows;
  // The purchases as the calculation counted them: refunds netted, up to the fit's as_of.
  const UnixMicros as_of_us = out.fit ? out.fit->as_of_us : clock_.Now();
  CalculationInputBuilder builder(as_of_us);
  for (const storage::AnalysisRow& row : rows) CLV_RETURN_IF_ERROR(builder.Add(row));
  Result<CalculationInput> input = builder.Finish();
  if (!input.ok()) {
    // Several currencies: the summary cannot be netted; show the customer and score without it.
    if (input.status().code() != StatusCode::kFailedPrecondition) return input.status();
    return out;
  }
  for (std::int64_t v : input->amount_minor) out.net_revenue_minor += v;
  out.refunded_minor = input->stats.refunded_minor;
  out.purchases = static_cast<std::int64_t>(input->num_purchases());
  if (!history || input->num_purchases() == 0) return out;

  const storage::ModelFitRecord& fit = *out.fit;
  CLV_ASSIGN_OR_RETURN(FitUnit unit, UnitOf(fit));
  Result<std::unique_ptr<engine::PurchaseModel>> model =
      engine::MakePurchaseModel(fit.model, fit.model_params);
  if (!model.ok()) {
    return Internal("fit " + std::to_string(fit.id) + ": " + model.status().message());
  }
  // The points' days, then the purchase days, as doubles for the engine: one buffer.
  std::vector<PAlivePoint>& curve = out.p_alive_history;
  HistoryDays(input->day, input->as_of_day, curve);
  std::vector<double> as_double(curve.size() + input->day.size());
  for (std::size_t i = 0; i < curve.size(); ++i) as_double[i] = static_cast<double>(curve[i].day);
  for (std::size_t i = 0; i < input->day.size(); ++i) {
    as_double[curve.size() + i] = static_cast<double>(input->day[i]);
  }
  const std::span<const double> ends(as_double.data(), curve.size());
  const std::span<const double> day(as_double.data() + curve.size(), input->day.size());
  // The summary at each point counts the purchases up to that day, as the calculation would have
  // on that day: one pass over the purchases (SummarizeAtEnds), not one summary per point.
  Result<engine::RfmData> summaries = engine::SummarizeAtEnds(day, unit.summary_unit, ends);
  if (!summaries.ok()) return Internal("P(alive) history: " + summaries.status().message());
  engine::RfmData points = std::move(summaries).value();
  for (double& t_x : points.recency) t_x /= unit.divide_by;
  for (double& T : points.age) T /= unit.divide_by;
  // ChurnPAlive is AssessChurn's P(alive) (the same one-time-buyer correction as the
  // calculation's churn step) without the ranking and totals, which a curve does not need.
  Result<std::vector<double>> p_alive = engine::ChurnPAlive(**model, points);
  if (!p_alive.ok()) return Internal("P(alive) history: " + p_alive.status().message());
  for (std::size_t i = 0; i < curve.size(); ++i) curve[i].p_alive = (*p_alive)[i];
  return out;
}

Result<CohortReport> ClvQueryService::Cohorts(TenantId tenant, CohortPeriod period,
                                              engine::CohortMetric metric,
                                              std::optional<std::int64_t> as_of_day) {
  const std::int64_t today = UtcDayOf(clock_.Now());
  if (as_of_day && (*as_of_day < 0 || *as_of_day > today + 366)) {
    return InvalidArgument("as_of: must be between 1970-01-01 and a year from today");
  }
  if (!as_of_day) {
    CLV_ASSIGN_OR_RETURN(std::optional<storage::ModelFitRecord> fit, CurrentFit(tenant));
    as_of_day = fit ? UtcDayOf(fit->as_of_us) : today;
  }
  // Rows up to the end of the as_of day.
  CalculationInputBuilder builder((*as_of_day + 1) * kMicrosPerDay - 1);
  CLV_RETURN_IF_ERROR(store_.StreamOrdersForAnalysis(
      tenant, [&builder](const storage::AnalysisRow& row) { return builder.Add(row); }));
  CLV_ASSIGN_OR_RETURN(CalculationInput input, builder.Finish());

  CohortReport out;
  out.period = period;
  out.metric = metric;
  out.as_of_day = *as_of_day;
  out.currency = input.currency;
  if (input.num_customers() == 0) return out;

  std::vector<std::int64_t> first_day(static_cast<std::size_t>(input.num_customers()), 0);
  for (std::size_t i = input.num_purchases(); i-- > 0;) {
    first_day[static_cast<std::size_t>(input.customer[i])] = input.day[i];
  }
  // Quarters are not an engine period. Each day is replaced by its quarter's index and the
  // matrix is built in "days": PeriodIndex(kDay, q) = q, so cohorts, cells and the ragged edge
  // are exactly those of calendar quarters (the mapping is monotone, so no order moves before
  // its customer's first).
  auto quarter = [](std::int64_t d) {
    const CivilDay c = CivilFromDays(d);
    return static_cast<std::int64_t>(c.year) * 4 + (c.month - 1) / 3;
  };
  engine::Period engine_period = engine::Period::kMonth;
  std::int64_t end = *as_of_day;
  if (period == CohortPeriod::kWeek) engine_period = engine::Period::kWeek;
  if (period == CohortPeriod::kQuarter) {
    engine_period = engine::Period::kDay;
    for (std::int64_t& d : input.day) d = quarter(d);
    for (std::int64_t& d : first_day) d = quarter(d);
    end = quarter(end);
  }
  Result<engine::CohortMatrix> matrix = engine::BuildCohorts(
      {input.customer, input.day, input.amount_minor, first_day}, engine_period, end);
  if (!matrix.ok()) return Internal("cohorts: " + matrix.status().message());

  out.num_periods = matrix->num_periods;
  out.total_customers = matrix->total_customers;
  out.total_orders = matrix->total_orders;
  out.total_revenue_minor = matrix->total_revenue_minor;
  std::vector<double> sum_value(out.num_periods, 0.0), sum_customers(out.num_periods, 0.0);
  std::vector<bool> observed(out.num_periods, false);
  for (const engine::CohortRow& row : matrix->cohorts) {
    CohortReportRow r;
    r.start_day = row.start_day;
    if (period == CohortPeriod::kQuarter) {
      const std::int64_t q = row.period_index;
      r.start_day = DaysFromCivil(static_cast<int>(q / 4), static_cast<int>(q % 4) * 3 + 1, 1);
    }
    r.customers = row.customers;
    r.active = row.active;
    r.orders = row.orders;
    r.revenue_minor = row.revenue_minor;
    r.values.resize(out.num_periods);
    double cumulative = 0;
    for (std::size_t k = 0; k < out.num_periods; ++k) {
      r.values[k] = engine::CohortCell(row, k, metric);
      if (k >= row.active.size()) continue;
      cumulative += static_cast<double>(row.revenue_minor[k]);
      observed[k] = true;
      sum_customers[k] += static_cast<double>(row.customers);
      switch (metric) {
        case engine::CohortMetric::kRetention: sum_value[k] += static_cast<double>(row.active[k]); break;
        case engine::CohortMetric::kLtv: sum_value[k] += cumulative; break;
        case engine::CohortMetric::kRevenue: sum_value[k] += static_cast<double>(row.revenue_minor[k]); break;
        case engine::CohortMetric::kCustomers: sum_value[k] += static_cast<double>(row.active[k]); break;
      }
    }
    out.cohorts.push_back(std::move(r));
  }
  out.overall.resize(out.num_periods);
  for (std::size_t k = 0; k < out.num_periods; ++k) {
    if (!observed[k]) continue;
    const bool ratio = metric == engine::CohortMetric::kRetention || metric == engine::CohortMetric::kLtv;
    out.overall[k] = ratio ? sum_value[k] / sum_customers[k] : sum_value[k];
  }
  return out;
}

}  // namespace clv::service
