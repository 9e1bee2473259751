#include "http/handlers/clv_handlers.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/check.h"
#include "core/time.h"
#include "engine/analytics/segments.h"
#include "http/error_mapping.h"
#include "http/handlers/json_fields.h"
#include "http/json_writer.h"

namespace clv::http {
namespace {

namespace json = boost::json;

// Model outputs in minor units are doubles; the API shows whole minor units.
std::int64_t Minor(double v) { return std::isfinite(v) ? static_cast<std::int64_t>(std::llround(v)) : 0; }
// The P(alive) history array, serialised directly onto `out`: it is most of the detail response
// (~90 points for a two-year customer) and a json::object per point cost more than the rest of
// the answer. Numbers in shortest round-trip form; a non-finite p_alive (never produced) as null.
// Each point is assembled in a local buffer and appended once (five appends per point, each
// with its capacity check, were ~2 % of the server's CPU).
void AppendPAliveHistoryJson(std::string& out, const std::vector<service::PAlivePoint>& points) {
  constexpr std::string_view kDate = R"({"date":")", kPAlive = R"(","p_alive":)";
  constexpr std::string_view kOrder = R"(,"order":true})", kNoOrder = R"(,"order":false})";
  // The longest point: a date of kMaxDateChars, a double in at most 24 characters.
  char buf[kDate.size() + kMaxDateChars + kPAlive.size() + 24 + kNoOrder.size() + 1];
  out.reserve(out.size() + 2 + points.size() * 56);
  out += '[';
  DateWriter dates;  // weekly points: mostly the same month as the point before
  for (std::size_t i = 0; i < points.size(); ++i) {
    const service::PAlivePoint& p = points[i];
    char* w = buf;
    if (i > 0) *w++ = ',';
    w = std::copy(kDate.begin(), kDate.end(), w);
    w = dates.Write(w, p.day);
    w = std::copy(kPAlive.begin(), kPAlive.end(), w);
    if (std::isfinite(p.p_alive)) {
      w = std::to_chars(w, w + 24, p.p_alive).ptr;
    } else {
      w = std::copy_n("null", 4, w);
    }
    const std::string_view order = p.order ? kOrder : kNoOrder;
    w = std::copy(order.begin(), order.end(), w);
    out.append(buf, w);
  }
  out += ']';
}

// GET /clv/customers/:id's body and the score lists' (/clv/customers, /clv/churn), written
// straight into the response with JsonWriter (no json::object tree per request: building,
// hashing and freeing one cost more than the writing). Detail members in order: the customer
// (CustomerMembersJson, created_at), the current fit's (FitMembersJson), order_summary, score
// (ScoreMembersJson — the list items' members after the customer's —, then the detail-only
// ones) and p_alive_history last. A list item is CustomerMembersJson + ScoreMembersJson, so the
// members both show are written by one function (tests/http/api_clv_test.cc compares them).
constexpr std::size_t kDetailBodyReserve = 1024;

// "YYYY-MM-DD" of a UTC day number (FormatDate's text).
void DateJson(JsonWriter& w, std::int64_t day) {
  std::string& out = w.out();
  out += '"';
  AppendDate(out, day);
  out += '"';
  w.Wrote();
}

void DateOrNullJson(JsonWriter& w, std::int64_t day) { day < 0 ? w.Null() : DateJson(w, day); }

void MinorOrNullJson(JsonWriter& w, double v) {
  if (!std::isfinite(v)) return w.Null();
  w.Int(static_cast<std::int64_t>(std::llround(v)));
}

void KeyNameJson(JsonWriter& w, std::string_view key, std::string_view name) {
  w.BeginObject();
  w.StringField("key", key);
  w.StringField("name", name);
  w.EndObject();
}

// The score members a list item (GET /clv/customers, /clv/churn) and the detail's "score"
// object share, in this order. The one function for both, so the two cannot drift
// (tests/http/api_clv_test.cc compares the detail's members with the list's).
void ScoreMembersJson(JsonWriter& w, const storage::CustomerScore& s) {
  w.IntField("orders", s.orders);
  w.Key("first_order_date");
  DateOrNullJson(w, s.first_order_day);
  w.Key("last_order_date");
  DateOrNullJson(w, s.last_order_day);
  w.IntField("historical_clv_minor", s.historical_clv_minor);
  w.IntField("predicted_clv_minor", Minor(s.predicted_clv_minor));
  w.Key("predicted_clv_interval");
  w.BeginObject();
  w.DoubleField("level", 0.8);
  w.Key("lower_minor");
  MinorOrNullJson(w, s.clv_lower_minor);
  w.Key("upper_minor");
  MinorOrNullJson(w, s.clv_upper_minor);
  w.EndObject();
  w.DoubleField("p_alive", s.p_alive);
  w.DoubleField("expected_purchases_30d", s.expected_purchases_30d);
  w.DoubleField("expected_purchases_90d", s.expected_purchases_90d);
  w.DoubleField("expected_purchases_365d", s.expected_purchases_365d);
  w.StringField("churn_risk", s.churn_risk);
  w.IntField("value_at_risk_minor", Minor(s.value_at_risk_minor));
  w.Key("segment");
  KeyNameJson(w, s.segment, service::SegmentName(s.segment));
  w.Key("clv_tier");
  KeyNameJson(w, s.clv_tier, service::ClvTierName(s.clv_tier));
}

// id, external_id, source and email: the customer members of a list item and of the detail.
void CustomerMembersJson(JsonWriter& w, const Customer& c) {
  w.IntField("id", c.id.value);
  w.StringField("external_id", c.external_id);
  w.StringField("source", c.source);
  w.Key("email");
  c.email.empty() ? w.Null() : w.String(c.email);
}

// fit_id, currency and as_of of the current fit (null before the first calculation): the members
// every CLV body (detail, lists, segments) shows for its fit.
void FitMembersJson(JsonWriter& w, const storage::ModelFitRecord* fit) {
  w.Key("fit_id");
  fit ? w.Int(fit->id) : w.Null();
  w.Key("currency");
  fit ? w.String(fit->currency) : w.Null();
  w.Key("as_of");
  fit ? DateJson(w, UtcDayOf(fit->as_of_us)) : w.Null();
}

// One item of GET /clv/customers and /clv/churn (whose items add one_time_buyer).
void ScoreItemJson(JsonWriter& w, const storage::ScoredCustomer& sc, bool with_one_time_buyer) {
  w.BeginObject();
  CustomerMembersJson(w, sc.customer);
  ScoreMembersJson(w, sc.score);
  if (with_one_time_buyer) {
    w.Key("one_time_buyer");
    w.Bool(sc.score.frequency == 0);
  }
  w.EndObject();
}

// The items of a score page, then next_cursor and the fit's members: the envelope both lists
// open with (the caller closes the object, after any members of its own).
void ScoredPageMembersJson(JsonWriter& w, const service::ScoredPage& page,
                           bool with_one_time_buyer) {
  w.Key("items");
  w.BeginArray();
  for (const storage::ScoredCustomer& sc : page.page.items) {
    ScoreItemJson(w, sc, with_one_time_buyer);
  }
  w.EndArray();
  w.Key("next_cursor");
  page.page.next_cursor.empty() ? w.Null() : w.String(page.page.next_cursor);
  FitMembersJson(w, page.fit ? &*page.fit : nullptr);
}

void AppendCustomerDetailJson(std::string& body, const service::CustomerDetail& d) {
  JsonWriter w(body);
  const Customer& c = d.customer;
  const storage::ModelFitRecord* fit = d.fit ? &*d.fit : nullptr;
  w.BeginObject();
  CustomerMembersJson(w, c);
  w.StringField("created_at", FormatRfc3339(c.created_at_us));
  FitMembersJson(w, fit);

  w.Key("order_summary");
  w.BeginObject();
  w.IntField("purchases", d.purchases);
  w.IntField("net_revenue_minor", d.net_revenue_minor);
  w.IntField("refunded_minor", d.refunded_minor);
  w.Key("first_order_date");
  c.first_order_at_us != 0 ? DateJson(w, UtcDayOf(c.first_order_at_us)) : w.Null();
  w.Key("last_order_date");
  c.last_order_at_us != 0 ? DateJson(w, UtcDayOf(c.last_order_at_us)) : w.Null();
  w.EndObject();

  w.Key("score");
  if (d.score) {
    const storage::CustomerScore& s = *d.score;
    w.BeginObject();
    ScoreMembersJson(w, s);
    w.DoubleField("frequency", s.frequency);
    w.DoubleField("recency", s.recency);
    w.DoubleField("age", s.age);
    w.Key("time_unit");
    fit ? w.String(fit->period) : w.Null();
    w.IntField("expected_spend_minor", Minor(s.expected_spend_minor));
    w.IntField("predicted_clv_months", fit ? fit->clv_months : 12);
    w.Key("rfm");
    w.BeginObject();
    w.IntField("recency", s.rfm_recency);
    w.IntField("frequency", s.rfm_frequency);
    w.IntField("monetary", s.rfm_monetary);
    w.EndObject();
    w.Key("expected_next_order_date");
    DateOrNullJson(w, s.expected_next_order_day);
    w.StringField("updated_at", FormatRfc3339(s.updated_at_us));
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("p_alive_history");
  AppendPAliveHistoryJson(w.out(), d.p_alive_history);
  w.Wrote();
  w.EndObject();
}

std::optional<std::string> Query(const Request& request, std::string_view key) {
  if (auto v = request.QueryParam(key)) return std::string(*v);
  return std::nullopt;
}

Result<storage::ListScoresOptions> ReadListOptions(const Request& request) {
  storage::ListScoresOptions o;
  CLV_ASSIGN_OR_RETURN(PageParams page, ReadPageParams(request));
  o.limit = page.limit;
  o.cursor = std::move(page.cursor);
  if (auto sort = request.QueryParam("sort")) {
    CLV_ASSIGN_OR_RETURN(o.sort, service::ParseScoreSort(*sort));
  }
  if (auto order = request.QueryParam("order")) {
    if (*order == "asc") {
      o.descending = false;
    } else if (*order != "desc") {
      return InvalidArgument("order: unknown value '" + std::string(*order) + "' (expected asc or desc)");
    }
  }
  o.segment = Query(request, "segment");
  o.churn_risk = Query(request, "churn_risk");
  o.clv_tier = Query(request, "tier");
  return o;
}

bool WantsCsv(const Request& request) {
  std::optional<std::string_view> accept = request.headers.Get("Accept");
  return accept && accept->find("text/csv") != std::string_view::npos;
}

// One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break; text that a
// spreadsheet would run as a formula gets a leading apostrophe (OWASP "CSV injection").
void TextCell(std::string& out, std::string_view v) {
  std::string cell;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' ||
                     v[0] == '\r')) {
    cell = "'";
  }
  cell += v;
  if (cell.find_first_of(",\"\r\n") == std::string::npos) {
    out += cell;
    return;
  }
  out += '"';
  for (char ch : cell) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
}

void NumberCell(std::string& out, double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  out += buf;
}

void CsvRow(std::string& out, const storage::ScoredCustomer& sc, const storage::ModelFitRecord& fit) {
  const Customer& c = sc.customer;
  const storage::CustomerScore& s = sc.score;
  auto date = [](std::int64_t day) { return day < 0 ? std::string() : FormatDate(day * kMicrosPerDay); };
  auto minor = [](double v) { return std::isfinite(v) ? std::to_string(std::llround(v)) : std::string(); };
  out += std::to_string(c.id.value);
  out += ',';
  TextCell(out, c.external_id);
  out += ',';
  TextCell(out, c.source);
  out += ',';
  TextCell(out, c.email);
  out += ',' + std::to_string(s.orders) + ',' + date(s.first_order_day) + ',' +
         date(s.last_order_day) + ',' + std::to_string(s.historical_clv_minor) + ',' +
         minor(s.predicted_clv_minor) + ',' + minor(s.clv_lower_minor) + ',' +
         minor(s.clv_upper_minor) + ',';
  NumberCell(out, s.p_alive);
  out += ',';
  NumberCell(out, s.expected_purchases_30d);
  out += ',';
  NumberCell(out, s.expected_purchases_90d);
  out += ',';
  NumberCell(out, s.expected_purchases_365d);
  out += ',';
  TextCell(out, s.churn_risk);
  out += ',' + minor(s.value_at_risk_minor) + ',';
  TextCell(out, s.segment);
  out += ',';
  TextCell(out, s.clv_tier);
  out += ',' + fit.currency + ',' + std::to_string(fit.id) + "\r\n";
}

// The CSV export: the header, then one service page per Next() (bounded memory for any size).
class CsvExport final : public BodyStream {
 public:
  CsvExport(std::unique_ptr<service::CustomerWalk> walk, std::optional<service::ScoredPage> first)
      : walk_(std::move(walk)), pending_(std::move(first)) {}

  Result<bool> Next(std::string& out) override {
    if (!header_sent_) {
      header_sent_ = true;
      out += kCsvColumns;
      out += "\r\n";
    }
    if (!pending_) {
      CLV_ASSIGN_OR_RETURN(pending_, walk_->Next());
      if (!pending_) return false;
    }
    if (pending_->fit) {
      for (const storage::ScoredCustomer& sc : pending_->page.items) CsvRow(out, sc, *pending_->fit);
    }
    const bool last = pending_->page.next_cursor.empty();
    pending_.reset();
    return !last;
  }
  std::optional<std::uint64_t> Length() const override { return std::nullopt; }

 private:
  std::unique_ptr<service::CustomerWalk> walk_;
  std::optional<service::ScoredPage> pending_;
  bool header_sent_ = false;
};

json::object GroupJson(const service::GroupRow& g, std::int64_t total) {
  json::object o;
  o["key"] = g.key;
  o["name"] = g.name;
  o["customers"] = g.customers;
  o["share_of_customers"] =
      total > 0 ? static_cast<double>(g.customers) / static_cast<double>(total) : 0.0;
  o["historical_clv_minor"] = g.historical_clv_minor;
  o["predicted_clv_minor"] = Minor(g.predicted_clv_minor);
  o["average_predicted_clv_minor"] = Minor(g.average_predicted_clv_minor);
  o["value_at_risk_minor"] = Minor(g.value_at_risk_minor);
  return o;
}

// How segments and tiers are defined (engine/analytics/segments.h), the map generated from the
// engine itself so that it cannot drift from what was computed.
json::object ScoringJson() {
  json::object map;
  for (int r = 5; r >= 1; --r) {
    json::array row;
    for (int fm = 1; fm <= 5; ++fm) {
      Result<engine::RfmSegment> s = engine::RfmSegmentOf(r, fm);
      row.push_back(s.ok() ? json::value(engine::RfmSegmentKey(*s)) : json::value(nullptr));
    }
    map[std::to_string(r)] = std::move(row);
  }
  json::object o;
  o["scores"] =
      "R, F and M are quintile scores 1..5 (5 = best) of days since the last order (fewer is "
      "better), number of orders and net revenue, from mid-ranks: score = 1 + floor(5 * (worse + "
      "tied / 2) / n), so tied customers share a score; a lone customer scores 3.";
  o["frequency_monetary"] = "FM = (F + M + 1) / 2, rounded down (the mean of F and M, halves up)";
  o["map"] = std::move(map);
  o["map_layout"] = "map[R][FM - 1] is the segment key for recency score R and FM score FM";
  o["clv_tiers"] =
      "by predicted CLV, highest first (ties: lower customer id first): ranks below floor(n/100) "
      "are top_1, below floor(n/10) top_10, below floor(n/2) top_50, the rest rest";
  return o;
}

Result<std::int64_t> ParseDay(std::string_view text) {
  TimestampOptions options;
  options.allow_date_only = true;
  if (text.size() != 10) return InvalidArgument("as_of: expected a date YYYY-MM-DD");
  Result<UnixMicros> t = ParseTimestamp(text, options);
  if (!t.ok()) return InvalidArgument("as_of: " + t.status().message());
  return UtcDayOf(*t);
}

std::string CohortLabel(service::CohortPeriod period, std::int64_t start_day) {
  const CivilDay c = CivilFromDays(start_day);
  char buf[32];
  switch (period) {
    case service::CohortPeriod::kMonth:
      std::snprintf(buf, sizeof(buf), "%04d-%02d", c.year, c.month);
      return buf;
    case service::CohortPeriod::kQuarter:
      std::snprintf(buf, sizeof(buf), "%04d-Q%d", c.year, (c.month - 1) / 3 + 1);
      return buf;
    case service::CohortPeriod::kWeek:
      break;
  }
  return FormatDate(start_day * kMicrosPerDay);  // the Monday
}

json::value CellJson(const std::optional<double>& v, engine::CohortMetric metric) {
  if (!v) return nullptr;
  const bool whole = metric == engine::CohortMetric::kRevenue || metric == engine::CohortMetric::kCustomers;
  return whole ? json::value(static_cast<std::int64_t>(std::llround(*v))) : json::value(*v);
}

template <typename T>
json::array IntArray(const std::vector<T>& v) {
  json::array a;
  a.reserve(v.size());
  for (T x : v) a.push_back(static_cast<std::int64_t>(x));
  return a;
}

}  // namespace

void RegisterClvRoutes(Router& router, service::ClvQueryService& queries) {
  router.Get("/clv/customers", [&queries](Request& request) {
    Result<storage::ListScoresOptions> options = ReadListOptions(request);
    if (!options.ok()) return ErrorFromStatus(options.status());
    if (WantsCsv(request)) {
      // The first page is read here, so bad filters are still a 400 with the envelope.
      auto walk = std::make_unique<service::CustomerWalk>(queries, request.auth->tenant, *options);
      Result<std::optional<service::ScoredPage>> first = walk->Next();
      if (!first.ok()) return ErrorFromStatus(first.status());
      Response r = Response::Stream(200, "text/csv; charset=utf-8",
                                    std::make_shared<CsvExport>(std::move(walk), std::move(*first)));
      r.headers.Set("Content-Disposition", "attachment; filename=\"clv-customers.csv\"");
      return r;
    }
    Result<service::ScoredPage> page = queries.ListCustomers(request.auth->tenant, *options);
    if (!page.ok()) return ErrorFromStatus(page.status());
    std::string body;
    body.reserve(256 + page->page.items.size() * 640);
    JsonWriter w(body);
    w.BeginObject();
    ScoredPageMembersJson(w, *page, /*with_one_time_buyer=*/false);
    w.EndObject();
    return Response::JsonText(200, std::move(body));
  }, RequirePermission("read_data"));

  router.Get("/clv/customers/:id", [&queries](Request& request) {
    Result<std::int64_t> id = PathId(request, "id");
    if (!id.ok()) return ErrorFromStatus(NotFound("customer not found"));
    Result<service::CustomerDetail> d = queries.GetCustomer(request.auth->tenant, CustomerId{*id});
    if (!d.ok()) {
      if (d.status().code() == StatusCode::kNotFound) {
        return ErrorFromStatus(NotFound("customer " + std::to_string(*id) + " not found"));
      }
      return ErrorFromStatus(d.status());
    }
    std::string body;
    body.reserve(kDetailBodyReserve + d->p_alive_history.size() * 56);
    AppendCustomerDetailJson(body, *d);
    return Response::JsonText(200, std::move(body));
  }, RequirePermission("read_data"));

  router.Get("/clv/segments", [&queries](Request& request) {
    Result<service::SegmentReport> r = queries.Segments(request.auth->tenant);
    if (!r.ok()) return ErrorFromStatus(r.status());
    json::array segments, tiers;
    for (const service::GroupRow& g : r->segments) segments.push_back(GroupJson(g, r->total_customers));
    for (const service::GroupRow& g : r->clv_tiers) tiers.push_back(GroupJson(g, r->total_customers));
    // The fit's members by the one writer every CLV body uses; the small group arrays and the
    // scoring legend stay boost::json values, inserted whole.
    std::string body;
    JsonWriter w(body);
    w.BeginObject();
    FitMembersJson(w, r->fit ? &*r->fit : nullptr);
    w.IntField("total_customers", r->total_customers);
    w.Key("segments");
    w.Raw(json::serialize(segments));
    w.Key("clv_tiers");
    w.Raw(json::serialize(tiers));
    w.Key("scoring");
    w.Raw(json::serialize(ScoringJson()));
    w.EndObject();
    return Response::JsonText(200, std::move(body));
  }, RequirePermission("read_data"));

  router.Get("/clv/churn", [&queries](Request& request) {
    Result<PageParams> page = ReadPageParams(request);
    if (!page.ok()) return ErrorFromStatus(page.status());
    Result<service::ChurnPage> r = queries.Churn(request.auth->tenant, page->limit, page->cursor,
                                                 Query(request, "churn_risk"));
    if (!r.ok()) return ErrorFromStatus(r.status());
    std::string body;
    body.reserve(1024 + r->customers.page.items.size() * 680);
    JsonWriter w(body);
    w.BeginObject();
    ScoredPageMembersJson(w, r->customers, /*with_one_time_buyer=*/true);
    w.Key("bands");
    w.BeginArray();
    double total = 0;
    for (const service::GroupRow& g : r->bands) {
      w.BeginObject();
      w.StringField("key", g.key);
      w.IntField("customers", g.customers);
      w.IntField("value_at_risk_minor", Minor(g.value_at_risk_minor));
      w.IntField("predicted_clv_minor", Minor(g.predicted_clv_minor));
      w.EndObject();
      total += g.value_at_risk_minor;
    }
    w.EndArray();
    w.IntField("total_value_at_risk_minor", Minor(total));
    w.EndObject();
    return Response::JsonText(200, std::move(body));
  }, RequirePermission("read_data"));

  router.Get("/clv/cohorts", [&queries](Request& request) {
    Result<service::CohortPeriod> period = service::ParseCohortPeriod(
        request.QueryParam("period").value_or("month"));
    if (!period.ok()) return ErrorFromStatus(period.status());
    Result<engine::CohortMetric> metric =
        engine::ParseCohortMetric(request.QueryParam("metric").value_or("retention"));
    if (!metric.ok()) return ErrorFromStatus(InvalidArgument("metric: " + metric.status().message()));
    std::optional<std::int64_t> as_of;
    if (auto text = request.QueryParam("as_of")) {
      Result<std::int64_t> day = ParseDay(*text);
      if (!day.ok()) return ErrorFromStatus(day.status());
      as_of = *day;
    }
    Result<service::CohortReport> r = queries.Cohorts(request.auth->tenant, *period, *metric, as_of);
    if (!r.ok()) return ErrorFromStatus(r.status());
    json::object out;
    out["period"] = service::CohortPeriodName(r->period);
    out["metric"] = engine::CohortMetricName(r->metric);
    out["as_of"] = FormatDate(r->as_of_day * kMicrosPerDay);
    out["currency"] = r->currency.empty() ? json::value(nullptr) : json::value(r->currency);
    out["num_periods"] = r->num_periods;
    json::array cohorts;
    for (const service::CohortReportRow& row : r->cohorts) {
      json::array values;
      for (const auto& v : row.values) values.push_back(CellJson(v, r->metric));
      cohorts.push_back(json::object{{"label", CohortLabel(r->period, row.start_day)},
                                     {"start_date", FormatDate(row.start_day * kMicrosPerDay)},
                                     {"customers", row.customers},
                                     {"values", std::move(values)},
                                     {"active", IntArray(row.active)},
                                     {"orders", IntArray(row.orders)},
                                     {"revenue_minor", IntArray(row.revenue_minor)}});
    }
    out["cohorts"] = std::move(cohorts);
    json::array overall;
    for (const auto& v : r->overall) overall.push_back(CellJson(v, r->metric));
    out["overall"] = std::move(overall);
    out["totals"] = json::object{{"customers", r->total_customers},
                                 {"orders", r->total_orders},
                                 {"revenue_minor", r->total_revenue_minor}};
    return Response::Json(200, out);
  }, RequirePermission("read_data"));
}

}  // namespace clv::http
