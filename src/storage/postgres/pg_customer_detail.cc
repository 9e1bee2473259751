// PgAnalyticsStore::GetCustomerDetail(s) (store.h): the detail page's four reads — customer,
// score, current fit summary, cash flows — as ONE statement, for one customer or for a batch
// (storage/detail_batcher.h combines concurrent requests). Each separate statement costs a round
// trip and PostgreSQL's per-statement overhead (bind, snapshot, executor start and end, result
// send), which for these index lookups is most of the work: a batch pays it once for all its
// customers. One statement also reads one snapshot. Prepared per connection: parsing and
// planning this join would otherwise cost more than running it.
#include <algorithm>
#include <string>
#include <string_view>

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
constexpr int kCustomerAt = 0;                                   // 9 customer columns
constexpr int kScoreAt = 9;                                      // kScoreColumnCount, NULL: none
constexpr int kFitAt = kScoreAt + internal::kScoreColumnCount;   // tenant_id, id, ..., '{}'
constexpr int kFitColumnCount = 19;                              // as ReadFit reads
constexpr int kOrderAt = kFitAt + kFitColumnCount;               // placed_at, amount, currency

const std::string& DetailSql() {
  // One row per cash flow (at least one row per known customer: the LEFT JOINs keep it with
  // NULL order columns), ordered by customer; customer, score and fit repeat on every row of a
  // customer and are read from its first. The same filters as GetCustomer, GetCustomerScore,
  // GetCurrentFitSummary and AnalysisRowsForCustomers. $2 is a bigint[] of customer ids; the
  // fit's LATERAL does not depend on the customer, so it is evaluated once per statement.
  // The score is a LATERAL with LIMIT 1 (a customer has at most one) so that the planner cannot
  // pull it up into a join: with `id = ANY($2)` the generic plan then merge-joined against
  // EVERY score of the tenant (1.5 ms of PostgreSQL CPU per request instead of ~0.2); as a
  // LATERAL it is one primary-key probe per customer.
  static const std::string sql =
      "SELECT " + std::string(internal::kScoreCustomerColumns) + ", " +
      Prefixed(internal::kScoreColumns, "s.") +
      ", f.*, o.placed_at, o.amount, o.currency "
      "FROM customers c "
      "LEFT JOIN LATERAL (SELECT * FROM customer_scores "
      "WHERE tenant_id = $1 AND customer_id = c.id LIMIT 1) s ON true "
      "LEFT JOIN LATERAL (SELECT tenant_id, id, " + internal::FitColumnsWithoutReport() +
      ", '{}'::text AS report FROM model_fits WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1) f "
      "ON true "
      "LEFT JOIN LATERAL (SELECT placed_at, "
      "CASE WHEN kind = 'refund' THEN -total_minor ELSE total_minor END AS amount, currency, id "
      "FROM orders WHERE tenant_id = $1 AND customer_id = c.id AND status <> 'cancelled') o "
      "ON true "
      "WHERE c.tenant_id = $1 AND c.id = ANY($2::bigint[]) ORDER BY c.id, o.placed_at, o.id";
  return sql;
}

}  // namespace

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
  out.reserve(std::min<std::size_t>(customers.size(), static_cast<std::size_t>(r.rows())));
  std::optional<ModelFitRecord> fit;  // the same row on every customer's rows: read once
  for (int i = 0; i < r.rows(); ++i) {
    const std::int64_t id = r.Int(i, kCustomerAt + 1);
    if (out.empty() || out.back().customer.id.value != id) {
      const PgRow first{r, i};
      CustomerDetailRecord d;
      d.customer = internal::ReadScoreCustomer(first, kCustomerAt);
      if (!r.IsNull(i, kScoreAt)) d.score = internal::ReadScore(first, kScoreAt);
      if (!r.IsNull(i, kFitAt + 1)) {
        if (!fit) {
          CLV_ASSIGN_OR_RETURN(ModelFitRecord f, internal::ReadFit(PgRow{r, i, kFitAt}));
          fit = std::move(f);
        }
        d.fit = fit;
      }
      out.push_back(std::move(d));
    }
    if (r.IsNull(i, kOrderAt)) continue;  // a customer's only row, without cash flows
    out.back().rows.push_back(AnalysisRow{CustomerId{id}, r.Int(i, kOrderAt),
                                          r.Int(i, kOrderAt + 1), r.Text(i, kOrderAt + 2)});
  }
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
