// PgAnalyticsStore::GetCustomerDetail(s) (store.h): the detail page's four reads — customer,
// score, current fit summary, cash flows — as ONE statement, for one customer or for a batch
// (storage/detail_batcher.h combines concurrent requests). Each separate statement costs a round
// trip and PostgreSQL's per-statement overhead (bind, snapshot, executor start and end, result
// send), which for these index lookups is most of the work: a batch pays it once for all its
// customers. One statement also reads one snapshot. Prepared per connection: parsing and
// planning this join would otherwise cost more than running it.
//
// One row per customer: the cash flows come as arrays, and of the fit only its id and created_at
// (its summary is read once per fit and shared: PgAnalyticsStore::DetailFit). With one row per
// cash flow, every row repeated ~55 customer, score and fit columns that PostgreSQL formatted and
// libpq and strtod parsed again.
#include <algorithm>
#include <charconv>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "storage/analytics_common.h"
#include "storage/postgres/pg_analytics.h"

namespace clv::storage::postgres {
namespace {
// "a, b, c" -> "p.a, p.b, p.c".
std::string Prefixed(std::string_view columns, std::string_view prefix) {
  std::string out;
  while (!columns.empty()) {
    const std::size_t comma = columns.find(',');
    std::string_view col = columns.substr(0, comma);
    while (!col.empty() && col.front() == ' ') col.remove_prefix(1);
    while (!col.empty() && col.back() == ' ') col.remove_suffix(1);
    if (!out.empty()) out += ", ";
    out += prefix;
    out += col;
    if (comma == std::string_view::npos) break;
    columns.remove_prefix(comma + 1);
  }
  return out;
}

// Column layout of the statement below.
constexpr int kCustomerAt = 0;                                  // 9 customer columns
constexpr int kScoreAt = 9;                                     // kScoreColumnCount, NULL: none
constexpr int kFitAt = kScoreAt + internal::kScoreColumnCount;  // id, created_at; NULL: none
constexpr int kFlowsAt = kFitAt + 2;  // placed_at[], amount[], currency[], id[]; NULL: none

const std::string& DetailSql() {
  // One row per known customer, in no promised order (GetCustomerDetails orders them: an
  // ORDER BY here cost a Sort node, ~15 µs of PostgreSQL CPU per statement, to order what the
  // index scan on customers_pkey delivers ascending anyway). The same filters as GetCustomer,
  // GetCustomerScore, GetCurrentFitSummary and AnalysisRowsForCustomers. $2 is a bigint[] of
  // customer ids; the fit's LATERAL does not depend on the customer, so it is evaluated once per
  // statement.
  // The score is a LATERAL with LIMIT 1 (a customer has at most one) so that the planner cannot
  // pull it up into a join: with `id = ANY($2)` the generic plan then merge-joined against
  // EVERY score of the tenant (1.5 ms of PostgreSQL CPU per request instead of ~0.2); as a
  // LATERAL it is one primary-key probe per customer. Its columns are named, not `*`: each node
  // of the plan builds a tuple descriptor of its output at executor start, and the unused
  // tenant_id column cost ~5 µs per statement.
  // The cash flows are four arrays aggregated over the same rows (the aggregates of one group
  // see its rows in one order, so element k of each belongs to one order); NULL without any. No
  // ORDER BY inside the aggregates: each would sort its input on its own (measured ~10 % of the
  // statement); the index scan on orders_customer delivers (placed_at, id) order anyway, and
  // ReadFlows sorts by (placed_at, id) when it gets another.
  // The joins are written (and planned) in the order fit, cash flows, score: each nested loop
  // carries the columns of the joins below it, and with the 28 score columns joined last only
  // the top one carries them (pgbench, one id: ~5-10 µs of PostgreSQL CPU per statement less
  // than with the score joined first). The select list keeps the column layout above.
  static const std::string sql =
      "SELECT " + std::string(internal::kScoreCustomerColumns) + ", " +
      Prefixed(internal::kScoreColumns, "s.") +
      ", f.id, f.created_at, o.placed_at, o.amount, o.currency, o.id "
      "FROM customers c "
      "LEFT JOIN LATERAL (SELECT id, created_at FROM model_fits WHERE tenant_id = $1 "
      "ORDER BY id DESC LIMIT 1) f ON true "
      "LEFT JOIN LATERAL (SELECT array_agg(placed_at) AS placed_at, "
      "array_agg(CASE WHEN kind = 'refund' THEN -total_minor ELSE total_minor END) AS amount, "
      "array_agg(currency) AS currency, array_agg(id) AS id "
      "FROM orders WHERE tenant_id = $1 AND customer_id = c.id AND status <> 'cancelled') o "
      "ON true "
      "LEFT JOIN LATERAL (SELECT " + std::string(internal::kScoreColumns) +
      " FROM customer_scores "
      "WHERE tenant_id = $1 AND customer_id = c.id LIMIT 1) s ON true "
      "WHERE c.tenant_id = $1 AND c.id = ANY($2::bigint[])";
  return sql;
}

// The fit summary as GetCurrentFitSummary(tenant, {}) reads it (report '{}'), by id.
constexpr const char* kFitSummaryByIdName = "clv_detail_fit";
const std::string& FitSummaryByIdSql() {
  static const std::string sql = "SELECT tenant_id, id, " + internal::FitColumnsWithoutReport() +
                                 ", '{}'::text AS report FROM model_fits "
                                 "WHERE tenant_id = $1 AND id = $2";
  return sql;
}

// The elements of a one-dimensional array in PostgreSQL's text output ("{1,-2,3}",
// '{USD,"A,B"}'): unquoted ones run to the next ',', quoted ones are unescaped (backslash).
// InvalidArgument if `text` is not such an array or holds a NULL (the columns read here are NOT
// NULL, so one means the text was misread).
Status SplitArray(std::string_view text, std::vector<std::string>& out) {
  out.clear();
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') {
    return InvalidArgument("not an array");
  }
  std::string_view rest = text.substr(1, text.size() - 2);
  while (!rest.empty()) {
    if (rest.front() == '"') {
      std::string& v = out.emplace_back();
      std::size_t k = 1;
      for (; k < rest.size() && rest[k] != '"'; ++k) {
        if (rest[k] == '\\' && k + 1 < rest.size()) ++k;
        v += rest[k];
      }
      if (k == rest.size()) return InvalidArgument("unterminated quoted array element");
      rest.remove_prefix(k + 1);
    } else {
      const std::string_view v = rest.substr(0, rest.find(','));
      if (v == "NULL") return InvalidArgument("NULL array element");
      out.emplace_back(v);
      rest.remove_prefix(v.size());
    }
    if (rest.empty()) break;
    if (rest.front() != ',' || rest.size() == 1) return InvalidArgument("bad array separator");
    rest.remove_prefix(1);
  }
  return Status::Ok();
}

// An integer array ("{1,-2,3}") into `out`.
Status ParseInt64Array(std::string_view text, std::vector<std::int64_t>& out) {
  out.clear();
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') {
    return InvalidArgument("not an array");
  }
  const char* p = text.data() + 1;
  const char* const end = text.data() + text.size() - 1;
  while (p < end) {
    std::int64_t v = 0;
    const auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc() || (next != end && *next != ',') || next + 1 == end) {
      return InvalidArgument("not an integer array");
    }
    out.push_back(v);
    p = next == end ? end : next + 1;
  }
  return Status::Ok();
}

// Row `i`'s cash flows (the four arrays from kFlowsAt) as `customer`'s rows, ascending by
// (placed_at, id) as AnalysisRowsForCustomers orders them.
Status ReadFlows(const PgResult& r, int i, CustomerId customer, std::vector<AnalysisRow>& rows) {
  if (r.IsNull(i, kFlowsAt)) return Status::Ok();  // no cash flows
  std::vector<std::int64_t> placed_at, amount, id;
  std::vector<std::string> currency;
  CLV_RETURN_IF_ERROR(ParseInt64Array(r.View(i, kFlowsAt), placed_at));
  CLV_RETURN_IF_ERROR(ParseInt64Array(r.View(i, kFlowsAt + 1), amount));
  CLV_RETURN_IF_ERROR(SplitArray(r.View(i, kFlowsAt + 2), currency));
  CLV_RETURN_IF_ERROR(ParseInt64Array(r.View(i, kFlowsAt + 3), id));
  const std::size_t n = placed_at.size();
  if (amount.size() != n || currency.size() != n || id.size() != n) {
    return InvalidArgument("arrays of different lengths");
  }
  std::vector<std::size_t> order(n);
  for (std::size_t k = 0; k < n; ++k) order[k] = k;
  auto before = [&](std::size_t a, std::size_t b) {
    return std::tie(placed_at[a], id[a]) < std::tie(placed_at[b], id[b]);
  };
  if (!std::is_sorted(order.begin(), order.end(), before)) {
    std::sort(order.begin(), order.end(), before);
  }
  rows.reserve(n);
  for (std::size_t k : order) {
    rows.push_back(AnalysisRow{customer, placed_at[k], amount[k], std::move(currency[k])});
  }
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<const ModelFitRecord>> PgAnalyticsStore::DetailFit(
    PgConn& c, TenantId tenant, std::int64_t fit_id, UnixMicros created_at_us) {
  {
    std::lock_guard lock(detail_fits_.mu);
    auto it = detail_fits_.by_tenant.find(tenant.value);
    if (it != detail_fits_.by_tenant.end() && it->second->id == fit_id &&
        it->second->created_at_us == created_at_us) {
      return it->second;
    }
  }
  // A new fit (or the first detail read of this tenant): read its summary by id. Outside the
  // statement's snapshot, which is fine: the row is immutable, so any read of it is the same.
  CLV_ASSIGN_OR_RETURN(PgResult r,
                       c.ExecPrepared(kFitSummaryByIdName, FitSummaryByIdSql().c_str(),
                                      {P(tenant.value), P(fit_id)}));
  if (r.rows() != 1) return Internal("current fit " + std::to_string(fit_id) + " vanished");
  CLV_ASSIGN_OR_RETURN(ModelFitRecord f, internal::ReadFit(PgRow{r, 0}));
  auto fit = std::make_shared<const ModelFitRecord>(std::move(f));
  if (fit->created_at_us != created_at_us) {
    return Internal("current fit " + std::to_string(fit_id) + " changed while being read");
  }
  std::lock_guard lock(detail_fits_.mu);
  std::shared_ptr<const ModelFitRecord>& slot = detail_fits_.by_tenant[tenant.value];
  // Concurrent reads around a new fit may answer with either; keep the newer one.
  if (!slot || slot->id <= fit->id) slot = fit;
  return fit;
}

Result<std::vector<CustomerDetailRecord>> PgAnalyticsStore::GetCustomerDetails(
    TenantId tenant, std::span<const CustomerId> customers) {
  std::vector<CustomerDetailRecord> out;
  if (customers.empty()) return out;
  std::string ids = "{";
  for (CustomerId id : customers) {
    if (ids.size() > 1) ids += ',';
    ids += std::to_string(id.value);
  }
  ids += '}';
  CLV_ASSIGN_OR_RETURN(PgPool::Lease c, analytics_pool().Acquire());
  if (!c->detail_plan_primed) {
    // PostgreSQL plans a prepared statement's first five executions for their actual parameters
    // and then keeps the generic plan only if it costs no more than those custom plans did on
    // average. For one or two ids a custom plan looks cheaper than the generic one (which
    // assumes a larger array), so the statement would be re-planned on EVERY execution (~0.6 ms,
    // three times the execution itself). Five executions for 64 ids that cannot exist (ids are
    // positive) make the custom average high, so the generic plan — the right one for any
    // batch size: one primary-key probe per id — is chosen from then on, on this connection.
    static const std::string kPrimeIds = [] {
      std::string s = "{";
      for (int i = 1; i <= 64; ++i) s += (i > 1 ? ",-" : "-") + std::to_string(i);
      return s + "}";
    }();
    for (int i = 0; i < 5; ++i) {
      CLV_RETURN_IF_ERROR(c->ExecPrepared("clv_customer_details", DetailSql().c_str(),
                                          {P(tenant.value), P(std::string_view(kPrimeIds))})
                              .status());
    }
    c->detail_plan_primed = true;
  }
  CLV_ASSIGN_OR_RETURN(PgResult r, c->ExecPrepared("clv_customer_details", DetailSql().c_str(),
                                                   {P(tenant.value), P(std::string_view(ids))}));
  out.reserve(static_cast<std::size_t>(r.rows()));
  std::shared_ptr<const ModelFitRecord> fit;  // the same on every row: looked up once
  for (int i = 0; i < r.rows(); ++i) {
    const PgRow row{r, i};
    CustomerDetailRecord d;
    d.customer = internal::ReadScoreCustomer(row, kCustomerAt);
    if (!r.IsNull(i, kScoreAt)) d.score = internal::ReadScore(row, kScoreAt);
    if (!r.IsNull(i, kFitAt)) {
      if (!fit) {
        CLV_ASSIGN_OR_RETURN(fit, DetailFit(*c, tenant, r.Int(i, kFitAt), r.Int(i, kFitAt + 1)));
      }
      d.fit = fit;
    }
    Status flows = ReadFlows(r, i, d.customer.id, d.rows);
    if (!flows.ok()) {
      return Internal("cash flows of customer " + std::to_string(d.customer.id.value) + ": " +
                      flows.message());
    }
    out.push_back(std::move(d));
  }
  // Ascending by id, as the contract says (the statement has no ORDER BY). The index scan on
  // customers_pkey already returns that order, so this is a check, and a sort only if the
  // plan ever changes.
  auto by_id = [](const CustomerDetailRecord& a, const CustomerDetailRecord& b) {
    return a.customer.id.value < b.customer.id.value;
  };
  if (!std::is_sorted(out.begin(), out.end(), by_id)) std::sort(out.begin(), out.end(), by_id);
  return out;
}

Result<CustomerDetailRecord> PgAnalyticsStore::GetCustomerDetail(TenantId tenant,
                                                                 CustomerId customer) {
  const CustomerId ids[] = {customer};
  CLV_ASSIGN_OR_RETURN(std::vector<CustomerDetailRecord> found, GetCustomerDetails(tenant, ids));
  if (found.empty()) return NotFound("customer not found");
  return std::move(found.front());
}

}  // namespace clv::storage::postgres
