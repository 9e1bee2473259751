// SqliteAnalyticsStore::StreamOrdersForAnalysis: the tenant-wide read of a CLV calculation.
//
// A scan of the orders table in primary-key order (tenant_id, id) — the table itself, WITHOUT
// ROWID, so pages are read sequentially — sorted in memory (storage/analysis_rows.h). Walking
// orders_customer in (customer, placed_at, id) order instead costs one table lookup per row.
#include "storage/analysis_rows.h"
#include "storage/sqlite/sqlite_analytics.h"

namespace clv::storage::sqlite {

Status SqliteAnalyticsStore::StreamOrdersForAnalysis(
    TenantId tenant, const std::function<Status(const AnalysisRow&)>& sink) {
  internal::AnalysisRowSorter rows;
  CLV_RETURN_IF_ERROR(ReadConn([&](Db& db) -> Status {
    // One statement = one read snapshot.
    Query q(db,
            "SELECT customer_id, placed_at, id, "
            "CASE WHEN kind = 'refund' THEN -total_minor ELSE total_minor END, currency "
            "FROM orders WHERE tenant_id = ?1 AND status <> 'cancelled'");
    q.Bind(1, tenant.value);
    while (true) {
      CLV_ASSIGN_OR_RETURN(bool more, q.Step());
      if (!more) return Status::Ok();
      rows.Add(q.Int(0), q.Int(1), q.Int(2), q.Int(3), q.TextView(4));
    }
  }));
  // The connection is back in the pool before the sink runs.
  return rows.Emit(sink);
}

}  // namespace clv::storage::sqlite
