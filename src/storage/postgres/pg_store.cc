#include "storage/postgres/pg_store.h"

#include <cstdlib>
#include <limits>
#include <string>

#include "storage/common.h"
#include "storage/postgres/migrations.h"
#include "storage/postgres/pg_analytics.h"
#include "storage/postgres/pg.h"
#include "storage/postgres/pg_import.h"
#include "storage/postgres/pg_reimport.h"

namespace clv::storage::postgres {
namespace {

using internal::DecodeCursor;
using internal::EncodeCursor;
using internal::LowerAscii;
using internal::ResolveLimit;

// Advisory-lock namespaces ('CLV' in ASCII); the second key is 0 for migrations, the tenant id
// (folded into int4) for order merges.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(4410454, 0)";
constexpr const char* kTenantOrderLock =
    "SELECT pg_advisory_xact_lock(4410455, ($1::bigint % 2147483647)::int)";

// Per-connection staging tables for order writes; ON COMMIT DELETE ROWS empties them at the end
// of every transaction, so they are created once per connection and reused (no catalog churn).
constexpr const char* kCreateStaging = R"sql(
CREATE TEMP TABLE IF NOT EXISTS clv_stage (
  seq BIGINT NOT NULL, source TEXT NOT NULL, external_id TEXT NOT NULL,
  customer_external_id TEXT NOT NULL, email TEXT NOT NULL, placed_at BIGINT NOT NULL,
  currency TEXT NOT NULL, total_minor BIGINT NOT NULL, status TEXT NOT NULL,
  refund_of TEXT NOT NULL
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS clv_affected (id BIGINT PRIMARY KEY) ON COMMIT DELETE ROWS;
)sql";

// The set-based merge, in steps; $1 = tenant, $2 = now.
constexpr const char* kFindDuplicate =
    "SELECT min(seq), max(seq), source, external_id FROM clv_stage "
    "GROUP BY source, external_id HAVING count(*) > 1 ORDER BY max(seq) LIMIT 1";
constexpr const char* kFindBadRefund = R"sql(
SELECT s.seq FROM clv_stage s
WHERE s.refund_of <> ''
  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.tenant_id = $1 AND o.source = s.source
                  AND o.external_id = s.refund_of AND o.kind = 'order')
  AND NOT EXISTS (SELECT 1 FROM clv_stage p WHERE p.source = s.source
                  AND p.external_id = s.refund_of AND p.refund_of = '' AND p.seq < s.seq)
ORDER BY s.seq LIMIT 1
)sql";
// Customers are numbered by an identity sequence and only created here, under the tenant's
// order-write lock, so the customers with an id above the tenant's largest id before the merge
// ($3 below) are exactly the ones this merge created.
constexpr const char* kMaxCustomerId =
    "SELECT coalesce(max(id), 0) FROM customers WHERE tenant_id = $1";
// New customers, written once with their final aggregates: every order that will reference a
// new customer is a staged row (created, or moved from another customer), so its aggregates
// are those of its staged rows, and it needs no recompute pass. The last non-empty email of
// each customer wins, as if the rows were applied in order. The email comes from a DISTINCT ON
// over the rows that carry one, not from array_agg(email ORDER BY seq DESC) in the grouping:
// that sorted all staged rows and then each group again (18 s → 10 s for 1M rows at load 12),
// while this hashes the groups and sorts only the rows with an email.
constexpr const char* kInsertNewCustomers = R"sql(
INSERT INTO customers (tenant_id, source, external_id, email, first_order_at, last_order_at,
                       order_count, created_at)
SELECT $1, g.source, g.customer_external_id, coalesce(e.email, ''), g.first_at, g.last_at, g.n,
       $2
FROM (SELECT s.source, s.customer_external_id,
             min(s.placed_at) FILTER (WHERE s.refund_of = '' AND s.status <> 'cancelled')
               AS first_at,
             max(s.placed_at) FILTER (WHERE s.refund_of = '' AND s.status <> 'cancelled')
               AS last_at,
             count(*) FILTER (WHERE s.refund_of = '' AND s.status <> 'cancelled') AS n
      FROM clv_stage s
      WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = $1 AND c.source = s.source
                        AND c.external_id = s.customer_external_id)
      GROUP BY s.source, s.customer_external_id) g
LEFT JOIN (SELECT DISTINCT ON (source, customer_external_id) source, customer_external_id, email
           FROM clv_stage WHERE email <> ''
           ORDER BY source, customer_external_id, seq DESC) e
  ON e.source = g.source AND e.customer_external_id = g.customer_external_id
ORDER BY g.source, g.customer_external_id
)sql";
constexpr const char* kTableRowEstimates =
    "SELECT (SELECT reltuples FROM pg_class WHERE oid = 'orders'::regclass), "
    "(SELECT reltuples FROM pg_class WHERE oid = 'customers'::regclass)";
// Email changes of customers that existed before the merge ($2 = the largest id then).
constexpr const char* kUpdateCustomerEmails = R"sql(
UPDATE customers c SET email = e.email
FROM (SELECT DISTINCT ON (source, customer_external_id) source, customer_external_id, email
      FROM clv_stage WHERE email <> ''
      ORDER BY source, customer_external_id, seq DESC) e
WHERE c.tenant_id = $1 AND c.source = e.source AND c.external_id = e.customer_external_id
  AND c.id <= $2 AND c.email <> e.email
)sql";
// Previous customers of orders that move to another customer need their aggregates redone.
constexpr const char* kOldCustomersOfMovedOrders = R"sql(
INSERT INTO clv_affected (id)
SELECT DISTINCT o.customer_id FROM clv_stage s
JOIN orders o ON o.tenant_id = $1 AND o.source = s.source AND o.external_id = s.external_id
JOIN customers c ON c.tenant_id = $1 AND c.source = s.source
                AND c.external_id = s.customer_external_id
WHERE o.customer_id <> c.id
ON CONFLICT DO NOTHING
)sql";
// Orders first, then refunds (which reference orders of the same batch); for each, a plain
// INSERT of the staged rows not in the table yet (no per-row speculative insertion: the tenant
// lock excludes concurrent writers of these keys), then an UPDATE of the known rows that
// differ, so a row counts as updated only when something changed. Customers that existed
// before the merge ($3) and gained or changed orders go to clv_affected for the recompute.
#define CLV_STAGED_ORDERS(REFUND_JOIN, FILTER)                                                 \
  " FROM clv_stage s"                                                                         \
  " JOIN customers c ON c.tenant_id = $1 AND c.source = s.source"                             \
  "   AND c.external_id = s.customer_external_id " REFUND_JOIN " WHERE " FILTER
#define CLV_INSERT_NEW(KIND, REFUND_JOIN, REFUND_ID, FILTER)                                  \
  "WITH m AS ("                                                                               \
  " INSERT INTO orders (tenant_id, source, external_id, customer_id, placed_at,"              \
  "   currency, total_minor, status, refund_of_order_id, kind, created_at, updated_at)"       \
  " SELECT $1, s.source, s.external_id, c.id, s.placed_at, s.currency, s.total_minor,"        \
  "   s.status, " REFUND_ID ", '" KIND "', $2, $2"                                            \
  CLV_STAGED_ORDERS(REFUND_JOIN, FILTER)                                                      \
  "   AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.tenant_id = $1"                          \
  "                   AND o.source = s.source AND o.external_id = s.external_id)"             \
  " ORDER BY s.seq"                                                                           \
  " RETURNING customer_id"                                                                    \
  "), a AS (INSERT INTO clv_affected (id) SELECT DISTINCT customer_id FROM m"                 \
  "   WHERE customer_id <= $3 ON CONFLICT DO NOTHING)"                                        \
  " SELECT count(*) FROM m"
// The same for a tenant without any customer before the merge (a first import): every staged row
// is new (duplicates were ruled out before), so no anti-join probe per row, no UPDATE, and no
// customer of these rows existed before, so nothing goes to clv_affected.
#define CLV_INSERT_ALL(KIND, REFUND_JOIN, REFUND_ID, FILTER)                                  \
  " INSERT INTO orders (tenant_id, source, external_id, customer_id, placed_at,"              \
  "   currency, total_minor, status, refund_of_order_id, kind, created_at, updated_at)"       \
  " SELECT $1, s.source, s.external_id, c.id, s.placed_at, s.currency, s.total_minor,"        \
  "   s.status, " REFUND_ID ", '" KIND "', $2, $2"                                            \
  CLV_STAGED_ORDERS(REFUND_JOIN, FILTER)                                                      \
  " ORDER BY s.seq"
#define CLV_UPDATE_CHANGED(KIND, REFUND_JOIN, REFUND_ID, FILTER)                              \
  "WITH m AS ("                                                                               \
  " UPDATE orders o SET customer_id = c.id, placed_at = s.placed_at,"                         \
  "   currency = s.currency, total_minor = s.total_minor, status = s.status,"                 \
  "   refund_of_order_id = " REFUND_ID ", kind = '" KIND "', updated_at = $2"                  \
  CLV_STAGED_ORDERS(REFUND_JOIN, FILTER)                                                      \
  "   AND o.tenant_id = $1 AND o.source = s.source AND o.external_id = s.external_id"         \
  "   AND (o.customer_id, o.placed_at, o.currency, o.total_minor, o.status,"                  \
  "        o.refund_of_order_id, o.kind) IS DISTINCT FROM"                                    \
  "       (c.id, s.placed_at, s.currency, s.total_minor, s.status, " REFUND_ID ", '" KIND "')" \
  " RETURNING o.customer_id"                                                                  \
  "), a AS (INSERT INTO clv_affected (id) SELECT DISTINCT customer_id FROM m"                 \
  "   WHERE customer_id <= $3 ON CONFLICT DO NOTHING)"                                        \
  " SELECT count(*) FROM m"
#define CLV_REFUND_JOIN                                                                       \
  "JOIN orders r ON r.tenant_id = $1 AND r.source = s.source"                                 \
  " AND r.external_id = s.refund_of AND r.kind = 'order'"
constexpr const char* kInsertNewOrders =
    CLV_INSERT_NEW("order", "", "NULL::bigint", "s.refund_of = ''");
constexpr const char* kUpdateChangedOrders =
    CLV_UPDATE_CHANGED("order", "", "NULL::bigint", "s.refund_of = ''");
constexpr const char* kInsertNewRefunds =
    CLV_INSERT_NEW("refund", CLV_REFUND_JOIN, "r.id", "s.refund_of <> ''");
constexpr const char* kUpdateChangedRefunds =
    CLV_UPDATE_CHANGED("refund", CLV_REFUND_JOIN, "r.id", "s.refund_of <> ''");
constexpr const char* kInsertAllOrders =
    CLV_INSERT_ALL("order", "", "NULL::bigint", "s.refund_of = ''");
constexpr const char* kInsertAllRefunds =
    CLV_INSERT_ALL("refund", CLV_REFUND_JOIN, "r.id", "s.refund_of <> ''");
#undef CLV_REFUND_JOIN
#undef CLV_INSERT_ALL
#undef CLV_UPDATE_CHANGED
#undef CLV_INSERT_NEW
#undef CLV_STAGED_ORDERS
// Exact aggregates of the customers in clv_affected (all existed before the merge).
constexpr const char* kRecomputeAffected = R"sql(
UPDATE customers c
SET order_count = coalesce(a.n, 0), first_order_at = a.first_at, last_order_at = a.last_at
FROM clv_affected x
LEFT JOIN (SELECT o.customer_id, count(*) AS n, min(o.placed_at) AS first_at,
                  max(o.placed_at) AS last_at
           FROM orders o
           WHERE o.tenant_id = $1 AND o.kind = 'order' AND o.status <> 'cancelled'
             AND o.customer_id IN (SELECT id FROM clv_affected)
           GROUP BY o.customer_id) a ON a.customer_id = x.id
WHERE c.tenant_id = $1 AND c.id = x.id
)sql";
// Affected customers: those recomputed plus those created by the merge ($2: largest id before).
constexpr const char* kAffectedIds = R"sql(
SELECT id FROM clv_affected
UNION ALL
SELECT id FROM customers WHERE tenant_id = $1 AND id > $2
ORDER BY 1
)sql";

#define CLV_CUSTOMER_SELECT                                                          \
  "SELECT tenant_id, id, source, external_id, email, first_order_at, last_order_at, " \
  "order_count, created_at FROM customers "
constexpr const char* kGetCustomer = CLV_CUSTOMER_SELECT "WHERE tenant_id = $1 AND id = $2";
constexpr const char* kListCustomers = CLV_CUSTOMER_SELECT
    "WHERE tenant_id = $1 AND id > $2 AND ($4::text IS NULL OR source = $4) "
    "AND ($5::text IS NULL OR external_id = $5) AND ($6::text IS NULL OR email = $6) "
    "ORDER BY id LIMIT $3";
#undef CLV_CUSTOMER_SELECT

#define CLV_ORDER_SELECT                                                                       \
  "SELECT o.tenant_id, o.id, o.customer_id, o.source, o.external_id, c.external_id, c.email, " \
  "o.placed_at, o.currency, o.total_minor, o.status, r.external_id, o.created_at, "            \
  "o.updated_at FROM orders o "                                                                \
  "JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id "                    \
  "LEFT JOIN orders r ON r.tenant_id = o.tenant_id AND r.id = o.refund_of_order_id "
constexpr const char* kGetOrder = CLV_ORDER_SELECT "WHERE o.tenant_id = $1 AND o.id = $2";
constexpr const char* kListOrders = CLV_ORDER_SELECT
    "WHERE o.tenant_id = $1 AND o.id > $2 AND ($4::bigint IS NULL OR o.customer_id = $4) "
    "ORDER BY o.id LIMIT $3";
#undef CLV_ORDER_SELECT

constexpr const char* kUserSelect =
    "SELECT tenant_id, id, email, password_hash, role, created_at FROM users ";

Result<User> ReadUser(const PgResult& r, int i) {
  User u;
  u.tenant.value = r.Int(i, 0);
  u.id.value = r.Int(i, 1);
  u.email = r.Text(i, 2);
  u.password_hash = r.Text(i, 3);
  auto role = ParseRole(r.View(i, 4));
  if (!role) return Internal("postgres: unknown role in users row");
  u.role = *role;
  u.created_at_us = r.Int(i, 5);
  return u;
}

Customer ReadCustomer(const PgResult& r, int i) {
  Customer c;
  c.tenant.value = r.Int(i, 0);
  c.id.value = r.Int(i, 1);
  c.source = r.Text(i, 2);
  c.external_id = r.Text(i, 3);
  c.email = r.Text(i, 4);
  c.first_order_at_us = r.Int(i, 5);  // NULL reads as 0
  c.last_order_at_us = r.Int(i, 6);
  c.order_count = r.Int(i, 7);
  c.created_at_us = r.Int(i, 8);
  return c;
}

Result<Order> ReadOrder(const PgResult& r, int i) {
  Order o;
  o.tenant.value = r.Int(i, 0);
  o.id.value = r.Int(i, 1);
  o.customer.value = r.Int(i, 2);
  o.data.source = r.Text(i, 3);
  o.data.external_id = r.Text(i, 4);
  o.data.customer_external_id = r.Text(i, 5);
  o.data.email = r.Text(i, 6);
  o.data.placed_at_us = r.Int(i, 7);
  o.data.currency = r.Text(i, 8);
  o.data.total_minor = r.Int(i, 9);
  auto status = ParseOrderStatus(r.View(i, 10));
  if (!status) return Internal("postgres: unknown status in orders row");
  o.data.status = *status;
  o.data.refund_of = r.Text(i, 11);
  o.created_at_us = r.Int(i, 12);
  o.updated_at_us = r.Int(i, 13);
  return o;
}

// Streams validated rows into clv_stage (COPY must already be open), in ~1 MiB messages.
Status CopyRows(PgConn& conn, std::span<const OrderInput> orders, std::int64_t first_seq) {
  std::string buf;
  buf.reserve(1 << 20);
  for (std::size_t i = 0; i < orders.size(); ++i) {
    AppendCopyRow(buf, first_seq + static_cast<std::int64_t>(i), orders[i]);
    if (buf.size() >= (1 << 20) - 4096) {
      CLV_RETURN_IF_ERROR(conn.CopyPut(buf));
      buf.clear();
    }
  }
  if (!buf.empty()) CLV_RETURN_IF_ERROR(conn.CopyPut(buf));
  return Status::Ok();
}

// Creates the staging tables on `conn` unless done already. Must run OUTSIDE a transaction:
// tables created inside one vanish when it rolls back, while the flag would stay set, and
// every later write on the connection would fail with "relation clv_stage does not exist".
Status EnsureStaging(PgConn& conn) {
  if (conn.staging_ready) return Status::Ok();
  CLV_RETURN_IF_ERROR(conn.Command(kCreateStaging));
  conn.staging_ready = true;
  return Status::Ok();
}

// Planner statistics of orders and customers after a merge that grew them. A large load leaves
// the tables without statistics (or with those of a much smaller table) until autovacuum gets
// to them, a table at a time. In between, a plan can go catastrophically wrong: measured after
// a fresh import of 1M orders, with customers analyzed by autovacuum and orders not yet, the
// next import's refund merge looked every refund up by (tenant_id, source) alone — a scan of
// the tenant's whole orders index per refund, > 140 s of server CPU instead of < 1 s. So the
// writer refreshes the statistics itself, right after its COMMIT, whenever it grew a table
// by the share that would make autovacuum re-analyze it (10 %) and by at least kMinGrowth rows.
// On the POST /orders path this runs before the response. It stays there: a batch of at most
// 10,000 orders triggers it only while the whole table (all tenants) has ≤ 100,000 rows, i.e.
// a handful of times in an installation's life, and then costs 0.3–0.4 s (orders) + 0.1 s
// (customers) at load 7 (measured, docs/benchmarks.md "Round 6 (PostgreSQL)").
struct StatsRefresh {
  static constexpr std::int64_t kMinGrowth = 1000;
  bool orders = false;
  bool customers = false;
};

// Whether `added` rows change a table estimated at `reltuples` rows (-1: never analyzed) enough
// to refresh its statistics.
bool GrewEnough(std::int64_t added, double reltuples) {
  return added >= StatsRefresh::kMinGrowth && static_cast<double>(added) >= 0.1 * reltuples;
}

// Runs the ANALYZEs `refresh` asks for on `conn`, outside any transaction (so the lock they take
// is held for their own duration only). Best effort by contract: the merge is committed already
// and stale statistics only cost speed until autovacuum catches up, so a failure is not
// reported as a failed write.
void RefreshStats(PgConn& conn, const StatsRefresh& refresh) {
  if (refresh.orders) (void)conn.Command("ANALYZE orders");
  if (refresh.customers) (void)conn.Command("ANALYZE customers");
}

// Merges clv_stage into orders and customers for `tenant`, inside the caller's transaction.
// `staged` is the number of staged rows; `check_duplicates` is false when the caller already
// ruled them out; `orders_for_errors` resolves an index to its order for messages (may be
// empty, then the messages are built from the staged row). On success `*refresh` says which
// tables to ANALYZE once the transaction has committed (see StatsRefresh).
Result<UpsertResult> Merge(PgConn& conn, TenantId tenant, UnixMicros now, std::int64_t staged,
                           bool check_duplicates, bool want_affected_ids,
                           std::span<const OrderInput> orders_for_errors, StatsRefresh* refresh) {
  const std::vector<Param> tenant_now = {P(tenant.value), P(now)};
  const std::vector<Param> tenant_only = {P(tenant.value)};
  // One order writer per tenant at a time keeps customer aggregates exact under concurrency.
  CLV_RETURN_IF_ERROR(conn.Exec(kTenantOrderLock, tenant_only).status());
  {
    CLV_ASSIGN_OR_RETURN(PgResult r, conn.Exec("SELECT 1 FROM tenants WHERE id = $1", tenant_only));
    if (r.rows() == 0) return NotFound("tenant " + std::to_string(tenant.value) + " does not exist");
  }
  auto order_at = [&](const PgResult& r, int col, const char* sql_key) -> Result<OrderInput> {
    const std::int64_t seq = r.Int(0, col);
    if (seq >= 0 && seq < static_cast<std::int64_t>(orders_for_errors.size()))
      return orders_for_errors[static_cast<std::size_t>(seq)];
    CLV_ASSIGN_OR_RETURN(PgResult row,
                         conn.Exec(sql_key, {P(seq)}));
    if (row.rows() == 0) return Internal("postgres: staged row vanished");
    OrderInput o;
    o.source = row.Text(0, 0);
    o.external_id = row.Text(0, 1);
    o.refund_of = row.Text(0, 2);
    return o;
  };
  constexpr const char* kStagedRow =
      "SELECT source, external_id, refund_of FROM clv_stage WHERE seq = $1";
  if (check_duplicates) {
    CLV_ASSIGN_OR_RETURN(PgResult r, conn.Exec(kFindDuplicate));
    if (r.rows() > 0) {
      CLV_ASSIGN_OR_RETURN(OrderInput o, order_at(r, 1, kStagedRow));
      return internal::DuplicateError(r.Int(0, 0), r.Int(0, 1), o);
    }
  }
  {
    CLV_ASSIGN_OR_RETURN(PgResult r, conn.Exec(kFindBadRefund, tenant_only));
    if (r.rows() > 0) {
      CLV_ASSIGN_OR_RETURN(OrderInput o, order_at(r, 0, kStagedRow));
      return internal::RefundTargetError(r.Int(0, 0), o);
    }
  }
  std::int64_t max_old_customer = 0;
  {
    CLV_ASSIGN_OR_RETURN(PgResult r, conn.Exec(kMaxCustomerId, tenant_only));
    max_old_customer = r.Int(0, 0);
  }
  const std::vector<Param> tenant_boundary = {P(tenant.value), P(max_old_customer)};
  const std::vector<Param> tenant_now_boundary = {P(tenant.value), P(now), P(max_old_customer)};
  // The tenant's first orders: it has no customer yet, hence no order (every order references
  // one of the tenant's customers; neither is ever deleted but with the tenant).
  const bool first_orders = max_old_customer == 0;
  // The planner's row estimates (pg_class.reltuples; -1 = never analyzed), before the writes.
  double orders_rows = -1, customers_rows = -1;
  {
    CLV_ASSIGN_OR_RETURN(PgResult r, conn.Exec(kTableRowEstimates));
    orders_rows = r.Double(0, 0);
    customers_rows = r.Double(0, 1);
  }
  std::int64_t new_customers = 0;
  {
    CLV_ASSIGN_OR_RETURN(PgResult r, conn.Exec(kInsertNewCustomers, tenant_now));
    new_customers = std::strtoll(PQcmdTuples(r.raw()), nullptr, 10);
  }
  UpsertResult out;
  if (first_orders) {
    // Nothing to update and no customer that existed before (see CLV_INSERT_ALL).
    for (const char* insert_sql : {kInsertAllOrders, kInsertAllRefunds}) {
      CLV_ASSIGN_OR_RETURN(PgResult created, conn.Exec(insert_sql, tenant_now));
      out.created += std::strtoll(PQcmdTuples(created.raw()), nullptr, 10);
    }
  } else {
    CLV_RETURN_IF_ERROR(conn.Exec(kUpdateCustomerEmails, tenant_boundary).status());
    CLV_RETURN_IF_ERROR(conn.Exec(kOldCustomersOfMovedOrders, tenant_only).status());
    for (const auto& [insert_sql, update_sql] :
         {std::pair{kInsertNewOrders, kUpdateChangedOrders},
          std::pair{kInsertNewRefunds, kUpdateChangedRefunds}}) {
      // Updates first: an insert must not see its own new rows as candidates for the update.
      CLV_ASSIGN_OR_RETURN(PgResult updated, conn.Exec(update_sql, tenant_now_boundary));
      out.updated += updated.Int(0, 0);
      CLV_ASSIGN_OR_RETURN(PgResult created, conn.Exec(insert_sql, tenant_now_boundary));
      out.created += created.Int(0, 0);
    }
  }
  out.unchanged = staged - out.created - out.updated;
  refresh->orders = GrewEnough(out.created, orders_rows);
  refresh->customers = GrewEnough(new_customers, customers_rows);
  if (!first_orders) {
    // Statistics for the recompute's plan (it may hold hundreds of thousands of ids).
    if (staged > 1000) CLV_RETURN_IF_ERROR(conn.Command("ANALYZE clv_affected"));
    CLV_RETURN_IF_ERROR(conn.Exec(kRecomputeAffected, tenant_only).status());
  }
  if (want_affected_ids) {
    CLV_ASSIGN_OR_RETURN(PgResult r, conn.Exec(kAffectedIds, tenant_boundary));
    out.affected_customers.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.affected_customers.push_back(CustomerId{r.Int(i, 0)});
  }
  return out;
}

class PgImporter final : public OrderImporter {
 public:
  PgImporter(PgPool::Lease lease, TenantId tenant, UnixMicros now)
      : lease_(std::move(lease)), tenant_(tenant), now_(now) {}
  ~PgImporter() override { Abort(); }

  Status Begin() {
    Status s = EnsureStaging(*lease_);
    if (s.ok()) s = lease_->Command("BEGIN");
    // Bigger sort/hash memory for the merge of a large import, this transaction only.
    if (s.ok()) s = lease_->Command("SET LOCAL work_mem = '128MB'");
    if (s.ok()) {
      CLV_ASSIGN_OR_RETURN(PgResult r,
                           lease_->Exec("SELECT 1 FROM tenants WHERE id = $1", {P(tenant_.value)}));
      if (r.rows() == 0) s = NotFound("tenant " + std::to_string(tenant_.value) + " does not exist");
    }
    if (s.ok()) {
      auto first = IsFirstImport();
      s = first.status();
      if (s.ok() && *first) {
        direct_ = std::make_unique<DirectImport>(tenant_, now_);
        s = direct_->Start(*lease_);
      } else if (s.ok()) {
        s = lease_->CopyBegin(kCopyStage);
      }
    }
    if (!s.ok()) return Fail(s);
    open_ = true;
    return Status::Ok();
  }

  Status Add(std::span<const OrderInput> batch) override {
    if (!open_) return FailedPrecondition("the import is no longer open");
    Status s = direct_ ? direct_->Add(*lease_, batch, next_seq_)
                       : internal::ValidateBatch(batch, next_seq_);
    if (s.ok() && !direct_) s = StageBatch(batch);
    if (!s.ok()) return Fail(s);
    next_seq_ += static_cast<std::int64_t>(batch.size());
    return Status::Ok();
  }

  Result<UpsertResult> Commit() override {
    if (!open_) return FailedPrecondition("the import is no longer open");
    if (direct_) return CommitDirect();
    Status s = Status::Ok();
    if (reimport_) {
      stage_buf_.clear();
      reimport_->EndStaging(stage_buf_);
      if (!stage_buf_.empty()) s = lease_->CopyPut(stage_buf_);
    }
    if (s.ok()) s = lease_->CopyEnd();
    if (s.ok()) s = lease_->Command("ANALYZE clv_stage");  // plans for a million rows, not ten
    if (s.ok() && reimport_) s = CheckLeftOut();
    if (!s.ok()) return Fail(s);
    StatsRefresh refresh;
    auto merged = Merge(*lease_, tenant_, now_, next_seq_, /*check_duplicates=*/true,
                        /*want_affected_ids=*/true, {}, &refresh);
    if (!merged.ok()) return Fail(merged.status());
    s = lease_->Command("COMMIT");
    if (!s.ok()) return Fail(s);
    open_ = false;
    closed_ = true;  // nothing left to roll back
    RefreshStats(*lease_, refresh);
    return merged;
  }

  void Abort() override {
    if (!open_ && closed_) return;
    lease_->AbandonCopy();
    (void)lease_->Command("ROLLBACK");
    open_ = false;
    closed_ = true;
  }

 private:
  Status Fail(Status s) {
    Abort();
    return s;
  }

  // A re-import stages only the rows it cannot prove unchanged (ReImport, pg_reimport.h) once
  // it has shown to be large against the tenant's stored orders: reading those costs the
  // server ≈ 1/kReImportRatio of merging as many rows (measured, docs/benchmarks.md "Round 7"),
  // and a small import into a large tenant must not hold them all in memory. Until then, and
  // when the tenant has more than ReImport::kMaxOrders orders, every row is staged.
  static constexpr std::int64_t kReImportMinRows = 5'000;
  static constexpr std::int64_t kReImportRatio = 8;

  Status StageBatch(std::span<const OrderInput> batch) {
    if (!reimport_ && !reimport_decided_) CLV_RETURN_IF_ERROR(MaybeStartReImport(batch.size()));
    if (!reimport_) return CopyRows(*lease_, batch, next_seq_);
    constexpr std::size_t kSlice = 4096;
    for (std::size_t i = 0; i < batch.size(); i += kSlice) {
      stage_buf_.clear();
      reimport_->Add(batch.subspan(i, std::min(kSlice, batch.size() - i)),
                     next_seq_ + static_cast<std::int64_t>(i), stage_buf_);
      if (!stage_buf_.empty()) CLV_RETURN_IF_ERROR(lease_->CopyPut(stage_buf_));
    }
    return Status::Ok();
  }

  Status MaybeStartReImport(std::size_t batch_rows) {
    const std::int64_t rows = next_seq_ + static_cast<std::int64_t>(batch_rows);
    if (rows < kReImportMinRows) return Status::Ok();
    const std::vector<Param> tenant = {P(tenant_.value)};
    if (stored_orders_ < 0) {  // once; the stage's COPY pauses for it (rows staged stay)
      CLV_RETURN_IF_ERROR(lease_->CopyEnd());
      CLV_ASSIGN_OR_RETURN(PgResult r,
                           lease_->Exec("SELECT count(*) FROM orders WHERE tenant_id = $1", tenant));
      stored_orders_ = r.Int(0, 0);
      CLV_RETURN_IF_ERROR(lease_->CopyBegin(kCopyStage));
    }
    if (stored_orders_ > ReImport::kMaxOrders) {
      reimport_decided_ = true;
      return Status::Ok();
    }
    if (rows * kReImportRatio < stored_orders_) return Status::Ok();
    reimport_decided_ = true;
    // The stored orders are read under the tenant's order-write lock, held to COMMIT (Merge
    // takes it again; advisory locks nest), so they stay what ReImport compares against.
    CLV_RETURN_IF_ERROR(lease_->CopyEnd());
    CLV_RETURN_IF_ERROR(lease_->Exec(kTenantOrderLock, tenant).status());
    reimport_ = std::make_unique<ReImport>(tenant_);
    stage_buf_.clear();
    CLV_ASSIGN_OR_RETURN(bool loaded, reimport_->Load(*lease_, next_seq_, stage_buf_));
    if (!loaded) reimport_.reset();
    CLV_RETURN_IF_ERROR(lease_->CopyBegin(kCopyStage));
    return stage_buf_.empty() ? Status::Ok() : lease_->CopyPut(stage_buf_);
  }

  // Merge's duplicate and refund checks see only staged rows; ReImport tracked the rows left
  // out. When it found a failure among them, the error the full merge would report is the
  // earlier of its own and the staged rows' (duplicates before refunds, as in Merge).
  Status CheckLeftOut() {
    // Duplicates are reported before refund errors (UpsertOrders' order). Staged keys that are
    // not stored have all their rows staged (CheckStagedDuplicates finds theirs); stored keys
    // were tracked by ReImport.
    if (const auto dup = reimport_->FirstDuplicate()) {
      CLV_RETURN_IF_ERROR(CheckStagedDuplicates(dup->last));  // an earlier one among the staged
      return internal::DuplicateError(dup->first, dup->last, dup->order);
    }
    const auto bad = reimport_->FirstBadRefund();
    if (!bad) return Status::Ok();  // Merge's checks see every row that can fail
    CLV_RETURN_IF_ERROR(CheckStagedDuplicates(std::numeric_limits<std::int64_t>::max()));
    return CheckRefunds(*bad);
  }

  // The staged duplicate (of a key that is not stored) whose last row comes before `before`,
  // as DuplicateError; Ok when there is none.
  Status CheckStagedDuplicates(std::int64_t before) {
    constexpr const char* kStagedDuplicates =
        "SELECT min(seq), max(seq), source, external_id FROM clv_stage "
        "GROUP BY source, external_id HAVING count(*) > 1 AND max(seq) < $1 ORDER BY max(seq)";
    CLV_ASSIGN_OR_RETURN(PgResult r, lease_->Exec(kStagedDuplicates, {P(before)}));
    for (int i = 0; i < r.rows(); ++i) {
      if (reimport_->IsStored(r.View(i, 2), r.View(i, 3))) continue;
      OrderInput o;
      o.source = r.Text(i, 2);
      o.external_id = r.Text(i, 3);
      return internal::DuplicateError(r.Int(i, 0), r.Int(i, 1), o);
    }
    return Status::Ok();
  }

  // The first refund without a target: a staged one (kFindBadRefund) before `unstaged`, the
  // first such refund ReImport left out (index, row), or else `unstaged` itself.
  Status CheckRefunds(const std::pair<std::int64_t, OrderInput>& unstaged) {
    CLV_ASSIGN_OR_RETURN(PgResult r, lease_->Exec(kFindBadRefund, {P(tenant_.value)}));
    if (r.rows() > 0 && r.Int(0, 0) < unstaged.first) {
      CLV_ASSIGN_OR_RETURN(
          PgResult row,
          lease_->Exec("SELECT source, refund_of FROM clv_stage WHERE seq = $1", {P(r.Int(0, 0))}));
      if (row.rows() == 0) return Internal("postgres: staged row vanished");
      OrderInput o;
      o.source = row.Text(0, 0);
      o.refund_of = row.Text(0, 1);
      return internal::RefundTargetError(r.Int(0, 0), o);
    }
    return internal::RefundTargetError(unstaged.first, unstaged.second);
  }

  // Whether the tenant has no customer yet (hence no order): then the import goes straight into
  // the tables (DirectImport). When it has none, the tenant's order-write lock is taken here
  // and held to the end of the import, and the answer re-checked under it: a concurrent writer
  // that got there first makes this an ordinary staged import (the lock held early is harmless:
  // Merge takes it again, and advisory locks nest).
  Result<bool> IsFirstImport() {
    constexpr const char* kHasCustomers =
        "SELECT EXISTS (SELECT 1 FROM customers WHERE tenant_id = $1)";
    const std::vector<Param> tenant = {P(tenant_.value)};
    {
      CLV_ASSIGN_OR_RETURN(PgResult r, lease_->Exec(kHasCustomers, tenant));
      if (r.View(0, 0) == "t") return false;
    }
    CLV_RETURN_IF_ERROR(lease_->Exec(kTenantOrderLock, tenant).status());
    CLV_ASSIGN_OR_RETURN(PgResult r, lease_->Exec(kHasCustomers, tenant));
    return r.View(0, 0) != "t";
  }

  Result<UpsertResult> CommitDirect() {
    double orders_rows = -1, customers_rows = -1;
    auto merged = [&]() -> Result<UpsertResult> {
      CLV_ASSIGN_OR_RETURN(UpsertResult out, direct_->Finish(*lease_));
      // Estimates from before the writes: reltuples moves only with VACUUM/ANALYZE.
      CLV_ASSIGN_OR_RETURN(PgResult r, lease_->Exec(kTableRowEstimates));
      orders_rows = r.Double(0, 0);
      customers_rows = r.Double(0, 1);
      return out;
    }();
    if (!merged.ok()) return Fail(merged.status());
    StatsRefresh refresh;
    refresh.orders = GrewEnough(merged->created, orders_rows);
    refresh.customers = GrewEnough(direct_->customers(), customers_rows);
    Status s = lease_->Command("COMMIT");
    if (!s.ok()) return Fail(s);
    open_ = false;
    closed_ = true;
    RefreshStats(*lease_, refresh);
    return merged;
  }

  PgPool::Lease lease_;
  const TenantId tenant_;
  const UnixMicros now_;
  std::unique_ptr<DirectImport> direct_;  // set for a tenant's first import
  std::unique_ptr<ReImport> reimport_;    // set once a re-import leaves unchanged rows out
  bool reimport_decided_ = false;
  std::int64_t stored_orders_ = -1;       // the tenant's orders, counted once
  std::string stage_buf_;
  std::int64_t next_seq_ = 0;
  bool open_ = false;
  bool closed_ = false;
};

// The analytics calls live in pg_analytics.cc (PgAnalyticsStore), on the pool hook below.
class PgStore final : public PgAnalyticsStore {
 public:
  PgStore(const std::string& url, const StoreOptions& options)
      : pool_(url, options.pool_size, options.busy_timeout_ms, options.connect_timeout_s) {}

  PgPool& pool() { return pool_; }
  PgPool& analytics_pool() override { return pool_; }
  std::string_view Backend() const override { return "postgresql"; }

  // Runs `body` in a transaction on a pooled connection; commits when it returns OK. With
  // `staging`, the connection's staging tables are made sure of first, outside the transaction.
  template <typename Body>
  Status Txn(Body&& body) {
    return Txn(/*staging=*/false, std::forward<Body>(body));
  }
  template <typename Body>
  Status Txn(bool staging, Body&& body) {
    CLV_ASSIGN_OR_RETURN(PgPool::Lease c, pool_.Acquire());
    if (staging) CLV_RETURN_IF_ERROR(EnsureStaging(*c));
    CLV_RETURN_IF_ERROR(c->Command("BEGIN"));
    Status s = body(*c);
    if (s.ok()) s = c->Command("COMMIT");
    if (!s.ok()) (void)c->Command("ROLLBACK");
    return s;
  }

  // One statement outside an explicit transaction.
  Result<PgResult> Query(const char* sql, const std::vector<Param>& params) {
    CLV_ASSIGN_OR_RETURN(PgPool::Lease c, pool_.Acquire());
    return c->Exec(sql, params);
  }

  Status Ping() override { return Query("SELECT 1", {}).status(); }

  static Result<int> ReadVersion(PgConn& c) {
    CLV_ASSIGN_OR_RETURN(PgResult has,
                         c.Exec("SELECT to_regclass('schema_migrations') IS NOT NULL"));
    if (has.View(0, 0) != "t") return 0;
    CLV_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT coalesce(max(version), 0) FROM schema_migrations"));
    return static_cast<int>(r.Int(0, 0));
  }

  Result<int> SchemaVersion() override {
    CLV_ASSIGN_OR_RETURN(PgPool::Lease c, pool_.Acquire());
    return ReadVersion(*c);
  }

  Status Migrate() override {
    for (const Migration& m : Migrations()) {
      CLV_RETURN_IF_ERROR(Txn([&](PgConn& c) -> Status {
        // Serialises concurrent migrators (several instances starting at once); the lock is
        // released with the transaction.
        CLV_RETURN_IF_ERROR(c.Exec(kMigrationLock).status());
        CLV_RETURN_IF_ERROR(c.Command(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
        CLV_ASSIGN_OR_RETURN(int current, ReadVersion(c));
        if (current > kSchemaVersion) return internal::NewerSchemaError(current, kSchemaVersion);
        if (current >= m.version) return Status::Ok();
        Status s = c.Command(m.sql);
        if (!s.ok()) return s.WithContext("migration " + std::to_string(m.version));
        return c
            .Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, "
                  "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint)",
                  {P(std::int64_t{m.version}), P(m.name)})
            .status();
      }));
    }
    CLV_ASSIGN_OR_RETURN(int version, SchemaVersion());
    if (version > kSchemaVersion) return internal::NewerSchemaError(version, kSchemaVersion);
    return Status::Ok();
  }

  // ---- Tenants and users ----

  Result<TenantWithOwner> CreateTenantWithOwner(std::string_view name, std::string_view email,
                                                std::string_view password_hash,
                                                UnixMicros now) override {
    if (name.empty()) return InvalidArgument("organization name is empty");
    if (email.empty()) return InvalidArgument("email is empty");
    const std::string lower = LowerAscii(email);
    TenantWithOwner out;
    CLV_RETURN_IF_ERROR(Txn([&](PgConn& c) -> Status {
      CLV_ASSIGN_OR_RETURN(PgResult t, c.Exec("INSERT INTO tenants (name, created_at) "
                                              "VALUES ($1, $2) RETURNING id",
                                              {P(name), P(now)}));
      out.tenant = Tenant{TenantId{t.Int(0, 0)}, std::string(name), now};
      CLV_ASSIGN_OR_RETURN(out.owner,
                           InsertUser(c, out.tenant.id, lower, password_hash, Role::kOwner, now));
      return Status::Ok();
    }));
    return out;
  }

  Result<Tenant> GetTenant(TenantId tenant) override {
    CLV_ASSIGN_OR_RETURN(PgResult r, Query("SELECT id, name, created_at FROM tenants WHERE id = $1",
                                           {P(tenant.value)}));
    if (r.rows() == 0) return NotFound("tenant not found");
    return Tenant{TenantId{r.Int(0, 0)}, r.Text(0, 1), r.Int(0, 2)};
  }

  Result<User> FindUserByEmail(std::string_view email) override {
    return OneUser("SELECT tenant_id, id, email, password_hash, role, created_at FROM users "
                   "WHERE lower(email) = $1",
                   {P(LowerAscii(email))});
  }

  Result<User> GetUser(TenantId tenant, UserId user) override {
    return OneUser("SELECT tenant_id, id, email, password_hash, role, created_at FROM users "
                   "WHERE tenant_id = $1 AND id = $2",
                   {P(tenant.value), P(user.value)});
  }

  Result<std::vector<User>> ListUsers(TenantId tenant) override {
    CLV_ASSIGN_OR_RETURN(PgResult r, Query("SELECT tenant_id, id, email, password_hash, role, "
                                           "created_at FROM users WHERE tenant_id = $1 ORDER BY id",
                                           {P(tenant.value)}));
    std::vector<User> out;
    for (int i = 0; i < r.rows(); ++i) {
      CLV_ASSIGN_OR_RETURN(User u, ReadUser(r, i));
      out.push_back(std::move(u));
    }
    return out;
  }

  Result<User> CreateUser(TenantId tenant, std::string_view email, std::string_view password_hash,
                          Role role, UnixMicros now) override {
    if (email.empty()) return InvalidArgument("email is empty");
    const std::string lower = LowerAscii(email);
    User out;
    CLV_RETURN_IF_ERROR(Txn([&](PgConn& c) -> Status {
      CLV_ASSIGN_OR_RETURN(PgResult t, c.Exec("SELECT 1 FROM tenants WHERE id = $1",
                                              {P(tenant.value)}));
      if (t.rows() == 0) return NotFound("tenant not found");
      CLV_ASSIGN_OR_RETURN(out, InsertUser(c, tenant, lower, password_hash, role, now));
      return Status::Ok();
    }));
    return out;
  }

  Status UpdateUserRole(TenantId tenant, UserId user, Role role) override {
    return OneRow("UPDATE users SET role = $3 WHERE tenant_id = $1 AND id = $2",
                  {P(tenant.value), P(user.value), P(RoleName(role))}, "user not found");
  }
  Status UpdatePasswordHash(TenantId tenant, UserId user, std::string_view hash) override {
    return OneRow("UPDATE users SET password_hash = $3 WHERE tenant_id = $1 AND id = $2",
                  {P(tenant.value), P(user.value), P(hash)}, "user not found");
  }
  Status DeleteUser(TenantId tenant, UserId user) override {
    // refresh_tokens go with the user (ON DELETE CASCADE).
    return OneRow("DELETE FROM users WHERE tenant_id = $1 AND id = $2",
                  {P(tenant.value), P(user.value)}, "user not found");
  }

  // ---- Refresh tokens ----

  Status InsertRefreshToken(TenantId tenant, UserId user, std::string_view token_hash,
                            std::string_view family_id, UnixMicros expires_at,
                            UnixMicros now) override {
    // The composite foreign key (tenant_id, user_id) makes a cross-tenant user impossible.
    auto r = Query("INSERT INTO refresh_tokens (tenant_id, user_id, token_hash, family_id, "
                   "expires_at, created_at) SELECT $1, $2, $3, $4, $5, $6 "
                   "WHERE EXISTS (SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2)",
                   {P(tenant.value), P(user.value), P(token_hash), P(family_id), P(expires_at),
                    P(now)});
    if (r.status().code() == StatusCode::kAlreadyExists)
      return AlreadyExists("refresh token hash is already stored");
    CLV_RETURN_IF_ERROR(r.status());
    if (std::string_view(PQcmdTuples(r->raw())) == "0") return NotFound("user not found");
    return Status::Ok();
  }

  Result<RefreshTokenOwner> RotateRefreshToken(std::string_view old_hash,
                                               std::string_view new_hash, UnixMicros now,
                                               UnixMicros new_expires_at) override {
    RefreshTokenOwner owner;
    bool reused = false;
    CLV_RETURN_IF_ERROR(Txn([&](PgConn& c) -> Status {
      // FOR UPDATE: of two concurrent rotations of one token, the second waits and then sees
      // the token rotated (a reuse).
      CLV_ASSIGN_OR_RETURN(PgResult t,
                           c.Exec("SELECT tenant_id, id, user_id, family_id, expires_at, "
                                  "rotated_at, revoked_at FROM refresh_tokens "
                                  "WHERE token_hash = $1 FOR UPDATE",
                                  {P(old_hash)}));
      if (t.rows() == 0) return Unauthenticated("refresh token is not known");
      const std::int64_t tenant = t.Int(0, 0), id = t.Int(0, 1), user = t.Int(0, 2);
      const std::string family = t.Text(0, 3);
      if (!t.IsNull(0, 5)) {
        CLV_RETURN_IF_ERROR(c.Exec("UPDATE refresh_tokens SET revoked_at = $3 WHERE tenant_id = "
                                   "$1 AND family_id = $2 AND revoked_at IS NULL",
                                   {P(tenant), P(family), P(now)})
                                .status());
        reused = true;
        return Status::Ok();
      }
      if (!t.IsNull(0, 6)) return Unauthenticated("refresh token was revoked");
      if (t.Int(0, 4) <= now) return Unauthenticated("refresh token has expired");
      CLV_RETURN_IF_ERROR(c.Exec("UPDATE refresh_tokens SET rotated_at = $3 WHERE tenant_id = $1 "
                                 "AND id = $2",
                                 {P(tenant), P(id), P(now)})
                              .status());
      auto ins = c.Exec("INSERT INTO refresh_tokens (tenant_id, user_id, token_hash, family_id, "
                        "expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                        {P(tenant), P(user), P(new_hash), P(family), P(new_expires_at), P(now)});
      if (ins.status().code() == StatusCode::kAlreadyExists)
        return AlreadyExists("refresh token hash is already stored");
      CLV_RETURN_IF_ERROR(ins.status());
      owner = RefreshTokenOwner{TenantId{tenant}, UserId{user}, family};
      return Status::Ok();
    }));
    if (reused) {
      return Unauthenticated(
          "refresh token was already used; every session of its family has been revoked");
    }
    return owner;
  }

  Status RevokeRefreshToken(std::string_view token_hash, UnixMicros now) override {
    return Query("UPDATE refresh_tokens SET revoked_at = $2 WHERE token_hash = $1 AND "
                 "revoked_at IS NULL",
                 {P(token_hash), P(now)})
        .status();
  }

  Status RevokeAllForUser(TenantId tenant, UserId user, UnixMicros now) override {
    return Query("UPDATE refresh_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND "
                 "user_id = $2 AND revoked_at IS NULL",
                 {P(tenant.value), P(user.value), P(now)})
        .status();
  }

  // ---- Orders ----

  Result<UpsertResult> UpsertOrders(TenantId tenant, std::span<const OrderInput> orders,
                                    UnixMicros now) override {
    CLV_RETURN_IF_ERROR(internal::ValidateBatch(orders, 0));
    UpsertResult out;
    StatsRefresh refresh;
    CLV_RETURN_IF_ERROR(Txn(/*staging=*/true, [&](PgConn& c) -> Status {
      CLV_RETURN_IF_ERROR(c.CopyBegin(kCopyStage));
      Status s = CopyRows(c, orders, 0);
      if (!s.ok()) {
        c.AbandonCopy();
        return s;
      }
      CLV_RETURN_IF_ERROR(c.CopyEnd());
      CLV_ASSIGN_OR_RETURN(out, Merge(c, tenant, now, static_cast<std::int64_t>(orders.size()),
                                      /*check_duplicates=*/false, /*want_affected_ids=*/true,
                                      orders, &refresh));
      return Status::Ok();
    }));
    if (refresh.orders || refresh.customers) {
      auto c = pool_.Acquire();
      if (c.ok()) RefreshStats(**c, refresh);
    }
    return out;
  }

  Result<std::unique_ptr<OrderImporter>> BeginImport(TenantId tenant, UnixMicros now) override {
    CLV_ASSIGN_OR_RETURN(PgPool::Lease c, pool_.Acquire());
    auto importer = std::make_unique<PgImporter>(std::move(c), tenant, now);
    CLV_RETURN_IF_ERROR(importer->Begin());
    return std::unique_ptr<OrderImporter>(std::move(importer));
  }

  Result<Page<Customer>> ListCustomers(TenantId tenant,
                                       const ListCustomersOptions& options) override {
    CLV_ASSIGN_OR_RETURN(int limit, ResolveLimit(options.limit));
    CLV_ASSIGN_OR_RETURN(std::int64_t after, DecodeCursor(options.cursor));
    Param email;
    if (options.email) email = LowerAscii(*options.email);
    CLV_ASSIGN_OR_RETURN(PgResult r, Query(kListCustomers,
                                           {P(tenant.value), P(after), P(std::int64_t{limit} + 1),
                                            options.source, options.external_id, email}));
    Page<Customer> page;
    for (int i = 0; i < r.rows(); ++i) page.items.push_back(ReadCustomer(r, i));
    if (page.items.size() > static_cast<std::size_t>(limit)) {
      page.items.pop_back();
      page.next_cursor = EncodeCursor(page.items.back().id.value);
    }
    return page;
  }

  Result<Customer> GetCustomer(TenantId tenant, CustomerId id) override {
    CLV_ASSIGN_OR_RETURN(PgResult r, Query(kGetCustomer, {P(tenant.value), P(id.value)}));
    if (r.rows() == 0) return NotFound("customer not found");
    return ReadCustomer(r, 0);
  }

  Result<Page<Order>> ListOrders(TenantId tenant, const ListOrdersOptions& options) override {
    CLV_ASSIGN_OR_RETURN(int limit, ResolveLimit(options.limit));
    CLV_ASSIGN_OR_RETURN(std::int64_t after, DecodeCursor(options.cursor));
    Param customer;
    if (options.customer) customer = P(options.customer->value);
    CLV_ASSIGN_OR_RETURN(PgResult r, Query(kListOrders, {P(tenant.value), P(after),
                                                         P(std::int64_t{limit} + 1), customer}));
    Page<Order> page;
    for (int i = 0; i < r.rows(); ++i) {
      CLV_ASSIGN_OR_RETURN(Order o, ReadOrder(r, i));
      page.items.push_back(std::move(o));
    }
    if (page.items.size() > static_cast<std::size_t>(limit)) {
      page.items.pop_back();
      page.next_cursor = EncodeCursor(page.items.back().id.value);
    }
    return page;
  }

  Result<Order> GetOrder(TenantId tenant, OrderId id) override {
    CLV_ASSIGN_OR_RETURN(PgResult r, Query(kGetOrder, {P(tenant.value), P(id.value)}));
    if (r.rows() == 0) return NotFound("order not found");
    return ReadOrder(r, 0);
  }

  Result<std::int64_t> CountOrders(TenantId tenant) override {
    CLV_ASSIGN_OR_RETURN(PgResult r, Query("SELECT count(*) FROM orders WHERE tenant_id = $1",
                                           {P(tenant.value)}));
    return r.Int(0, 0);
  }
  Result<std::int64_t> CountCustomers(TenantId tenant) override {
    CLV_ASSIGN_OR_RETURN(PgResult r, Query("SELECT count(*) FROM customers WHERE tenant_id = $1",
                                           {P(tenant.value)}));
    return r.Int(0, 0);
  }

  Status AppendAudit(TenantId tenant, std::optional<UserId> actor, std::string_view action,
                     std::string_view detail_json, UnixMicros now) override {
    auto r = Query("INSERT INTO audit_log (tenant_id, at, actor_user_id, action, detail) "
                   "SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM tenants WHERE id = $1)",
                   {P(tenant.value), P(now),
                    actor ? P(actor->value) : Param(), P(action), P(detail_json)});
    CLV_RETURN_IF_ERROR(r.status());
    if (std::string_view(PQcmdTuples(r->raw())) == "0") return NotFound("tenant not found");
    return Status::Ok();
  }

  Result<Page<AuditEntry>> ListAudit(TenantId tenant, const ListAuditOptions& options) override {
    CLV_ASSIGN_OR_RETURN(int limit, ResolveLimit(options.limit));
    CLV_ASSIGN_OR_RETURN(std::int64_t after, DecodeCursor(options.cursor));
    CLV_ASSIGN_OR_RETURN(PgResult r,
                         Query("SELECT tenant_id, id, at, actor_user_id, action, detail FROM "
                               "audit_log WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                               {P(tenant.value), P(after), P(std::int64_t{limit} + 1)}));
    Page<AuditEntry> page;
    for (int i = 0; i < r.rows(); ++i) {
      AuditEntry e;
      e.tenant.value = r.Int(i, 0);
      e.id = r.Int(i, 1);
      e.at_us = r.Int(i, 2);
      if (!r.IsNull(i, 3)) e.actor = UserId{r.Int(i, 3)};
      e.action = r.Text(i, 4);
      e.detail_json = r.Text(i, 5);
      page.items.push_back(std::move(e));
    }
    if (page.items.size() > static_cast<std::size_t>(limit)) {
      page.items.pop_back();
      page.next_cursor = EncodeCursor(page.items.back().id);
    }
    return page;
  }

 private:
  Result<User> OneUser(const char* sql, const std::vector<Param>& params) {
    CLV_ASSIGN_OR_RETURN(PgResult r, Query(sql, params));
    if (r.rows() == 0) return NotFound("user not found");
    return ReadUser(r, 0);
  }

  Status OneRow(const char* sql, const std::vector<Param>& params, const char* not_found) {
    CLV_ASSIGN_OR_RETURN(PgResult r, Query(sql, params));
    if (std::string_view(PQcmdTuples(r.raw())) == "0") return NotFound(not_found);
    return Status::Ok();
  }

  static Result<User> InsertUser(PgConn& c, TenantId tenant, const std::string& lower_email,
                                 std::string_view password_hash, Role role, UnixMicros now) {
    auto r = c.Exec("INSERT INTO users (tenant_id, email, password_hash, role, created_at) "
                    "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    {P(tenant.value), P(lower_email), P(password_hash), P(RoleName(role)), P(now)});
    if (r.status().code() == StatusCode::kAlreadyExists)
      return AlreadyExists("email is already registered");
    CLV_RETURN_IF_ERROR(r.status());
    return User{tenant, UserId{r->Int(0, 0)}, lower_email, std::string(password_hash), role, now};
  }

  PgPool pool_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                 const StoreOptions& options) {
  if (options.pool_size < 1) return InvalidArgument("pool_size must be at least 1");
  char* err = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &err);
  if (!parsed) {
    std::string msg = err ? err : "malformed";
    PQfreemem(err);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return InvalidArgument("malformed PostgreSQL URL: " + msg);
  }
  PQconninfoFree(parsed);
  // Connect once now, so that a wrong address fails at start-up with a clear message.
  CLV_ASSIGN_OR_RETURN(std::unique_ptr<PgConn> first, PgConn::Connect(url, options.connect_timeout_s));
  auto store = std::make_unique<PgStore>(url, options);
  CLV_ASSIGN_OR_RETURN(int version, PgStore::ReadVersion(*first));
  if (version > kSchemaVersion) return internal::NewerSchemaError(version, kSchemaVersion);
  store->pool().Put(std::move(first));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace clv::storage::postgres
