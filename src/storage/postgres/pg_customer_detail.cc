// PgAnalyticsStore::GetCustomerDetail(s) (store.h): the detail page's four reads — customer,
// score, current fit summary, cash flows — as ONE statement, for one customer or for a batch
// (storage/detail_batcher.h combines concurrent requests). Each separate statement costs a round
// trip and PostgreSQL's per-statement overhead (bind, snapshot, executor start and end, result
// send), which for these index lookups is most of the work: a batch pays it once for all its
// customers. One statement also reads one snapshot. Prepared per connection: parsing and
// planning this join would otherwise cost more than running it.
//
// One row per customer: the cash flows come as one text column, and of the fit only its id and
// created_at (its summary is read once per fit and shared: PgAnalyticsStore::DetailFit). With
// one row per cash flow, every row repeated ~55 customer, score and fit columns that PostgreSQL
// formatted and libpq and strtod parsed again.
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
constexpr int kFlowsAt = kFitAt + 2;  // the cash flows as text (ReadFlows); NULL: none

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
  // The cash flows are ONE string_agg over the customer's orders, one record per order
  // "placed_at,amount,id,n,currency" (n: the currency's length in bytes, so that any currency
  // text reads back unambiguously), records joined by ','; NULL without any. All the columns are
  // NOT NULL, so no record is dropped as NULL. One aggregate instead of four arrays (placed_at[],
  // amount[], currency[], id[]): each array_agg kept its own build state and array_out pass
  // (pgbench, 3 ids: ~10 µs of PostgreSQL CPU per statement less), and the client parses one
  // string straight into its rows. No ORDER BY inside the aggregate (it would sort its input:
  // measured ~10 % of the statement with four); the index scan on orders_customer delivers
  // (placed_at, id) order anyway, and ReadFlows sorts by (placed_at, id) when it gets another.
  // The joins are written (and planned) in the order fit, cash flows, score: each nested loop
  // carries the columns of the joins below it, and with the 28 score columns joined last only
  // the top one carries them (pgbench, one id: ~5-10 µs of PostgreSQL CPU per statement less
  // than with the score joined first). The select list keeps the column layout above.
  static const std::string sql =
      "SELECT " + std::string(internal::kScoreCustomerColumns) + ", " +
      Prefixed(internal::kScoreColumns, "s.") +
      ", f.id, f.created_at, o.flows "
      "FROM customers c "
      "LEFT JOIN LATERAL (SELECT id, created_at FROM model_fits WHERE tenant_id = $1 "
      "ORDER BY id DESC LIMIT 1) f ON true "
      "LEFT JOIN LATERAL (SELECT string_agg(placed_at::text || ',' || "
      "(CASE WHEN kind = 'refund' THEN -total_minor ELSE total_minor END)::text || ',' || "
      "id::text || ',' || octet_length(currency)::text || ',' || currency, ',') AS flows "
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

// Row `i`'s cash flows (the text at kFlowsAt, see DetailSql) as `customer`'s rows, ascending by
// (placed_at, id) as AnalysisRowsForCustomers orders them. InvalidArgument if the text is not
// such a list (it would mean the statement and this reader disagree).
Status ReadFlows(const PgResult& r, int i, CustomerId customer, std::vector<AnalysisRow>& rows) {
  if (r.IsNull(i, kFlowsAt)) return Status::Ok();  // no cash flows
  const std::string_view text = r.View(i, kFlowsAt);
  struct Flow {
    std::int64_t placed_at = 0, amount = 0, id = 0;
    std::string_view currency;
  };
  std::vector<Flow> flows;
  const char* p = text.data();
  const char* const end = p + text.size();
  // An integer and the ',' after it.
  auto read_int = [&](std::int64_t& v) {
    const auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc() || next == end || *next != ',') return false;
    p = next + 1;
    return true;
  };
  while (true) {
    Flow& f = flows.emplace_back();
    std::int64_t n = 0;
    if (!read_int(f.placed_at) || !read_int(f.amount) || !read_int(f.id) || !read_int(n) ||
        n < 0 || n > end - p) {
      return InvalidArgument("malformed cash flow record");
    }
    f.currency = std::string_view(p, static_cast<std::size_t>(n));
    p += n;
    if (p == end) break;
    if (*p != ',' || p + 1 == end) return InvalidArgument("bad cash flow separator");
    ++p;
  }
  auto before = [](const Flow& a, const Flow& b) {
    return std::tie(a.placed_at, a.id) < std::tie(b.placed_at, b.id);
  };
  if (!std::is_sorted(flows.begin(), flows.end(), before)) {
    std::sort(flows.begin(), flows.end(), before);
  }
  rows.reserve(rows.size() + flows.size());
  for (const Flow& f : flows) {
    rows.push_back(AnalysisRow{customer, f.placed_at, f.amount, std::string(f.currency)});
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
