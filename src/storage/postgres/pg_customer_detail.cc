// PgAnalyticsStore::GetCustomerDetail (store.h): the detail page's four reads — customer, score,
// current fit summary, cash flows — as ONE statement. Each separate statement costs a round trip
// and PostgreSQL's per-statement overhead (parse, plan, snapshot, executor start), which for
// these index lookups is most of the work; one statement also reads one snapshot. Prepared per
// connection: parsing and planning this join would otherwise cost more than running it.
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "storage/analytics_common.h"
#include "storage/postgres/pg_analytics.h"

namespace clv::storage::postgres {
namespace {

// Column access for the shared readers, shifted by `base` (ReadFit reads from column 0).
struct Row {
  const PgResult& r;
  int i;
  int base = 0;
  std::int64_t Int(int c) const { return r.Int(i, base + c); }
  double Double(int c) const {
    if (r.IsNull(i, base + c)) return std::numeric_limits<double>::quiet_NaN();
    return std::strtod(PQgetvalue(r.raw(), i, base + c), nullptr);
  }
  std::string Text(int c) const { return r.Text(i, base + c); }
  bool IsNull(int c) const { return r.IsNull(i, base + c); }
  bool Bool(int c) const { return r.View(i, base + c) == "t"; }
};

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
constexpr int kCustomerAt = 0;                                   // 9 customer columns
constexpr int kScoreAt = 9;                                      // kScoreColumnCount, NULL: none
constexpr int kFitAt = kScoreAt + internal::kScoreColumnCount;   // tenant_id, id, ..., '{}'
constexpr int kFitColumnCount = 19;                              // as ReadFit reads
constexpr int kOrderAt = kFitAt + kFitColumnCount;               // placed_at, amount, currency

const std::string& DetailSql() {
  // One row per cash flow (at least one row for a known customer: the LEFT JOINs keep it with
  // NULL order columns); customer, score and fit repeat on every row and are read from the
  // first. The same filters as GetCustomer, GetCustomerScore, GetCurrentFitSummary and
  // AnalysisRowsForCustomers.
  static const std::string sql =
      "SELECT " + std::string(internal::kScoreCustomerColumns) + ", " +
      Prefixed(internal::kScoreColumns, "s.") +
      ", f.*, o.placed_at, o.amount, o.currency "
      "FROM customers c "
      "LEFT JOIN customer_scores s ON s.tenant_id = c.tenant_id AND s.customer_id = c.id "
      "LEFT JOIN LATERAL (SELECT tenant_id, id, " + internal::FitColumnsWithoutReport() +
      ", '{}'::text AS report FROM model_fits WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1) f "
      "ON true "
      "LEFT JOIN LATERAL (SELECT placed_at, "
      "CASE WHEN kind = 'refund' THEN -total_minor ELSE total_minor END AS amount, currency, id "
      "FROM orders WHERE tenant_id = $1 AND customer_id = $2 AND status <> 'cancelled') o "
      "ON true "
      "WHERE c.tenant_id = $1 AND c.id = $2 ORDER BY o.placed_at, o.id";
  return sql;
}

}  // namespace

Result<CustomerDetailRecord> PgAnalyticsStore::GetCustomerDetail(TenantId tenant,
                                                                 CustomerId customer) {
  CLV_ASSIGN_OR_RETURN(PgPool::Lease c, analytics_pool().Acquire());
  CLV_ASSIGN_OR_RETURN(PgResult r,
                       c->ExecPrepared("clv_customer_detail", DetailSql().c_str(),
                                       {P(tenant.value), P(customer.value)}));
  if (r.rows() == 0) return NotFound("customer not found");
  CustomerDetailRecord out;
  const Row first{r, 0};
  out.customer = internal::ReadScoreCustomer(first, kCustomerAt);
  if (!r.IsNull(0, kScoreAt)) out.score = internal::ReadScore(first, kScoreAt);
  if (!r.IsNull(0, kFitAt + 1)) {
    CLV_ASSIGN_OR_RETURN(out.fit, internal::ReadFit(Row{r, 0, kFitAt}));
  }
  out.rows.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    if (r.IsNull(i, kOrderAt)) continue;  // the customer's only row, without cash flows
    out.rows.push_back(AnalysisRow{customer, r.Int(i, kOrderAt), r.Int(i, kOrderAt + 1),
                                   r.Text(i, kOrderAt + 2)});
  }
  return out;
}

}  // namespace clv::storage::postgres
