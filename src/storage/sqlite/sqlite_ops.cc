// SQLite: the operational calls of the Store that need no connection internals (scheduled-refit
// candidates). Pool usage is SqliteStore::GetPoolStats (sqlite_store.cc), next to the pool.
#include <vector>

#include "storage/analytics_common.h"
#include "storage/sqlite/sqlite_analytics.h"

namespace clv::storage::sqlite {

Result<std::vector<RefitCandidate>> SqliteAnalyticsStore::ListRefitCandidates(
    std::string_view job_kind, UnixMicros fitted_before, std::optional<TenantId> only) {
  CLV_RETURN_IF_ERROR(internal::ValidateJobKind(job_kind));
  // The current fit is the tenant's highest id; the newest-order test walks orders by id DESC
  // (the primary key) and stops at the first order written after the fit (new orders have the
  // highest ids). The jobs test keeps an active or recently failed calculation from being
  // doubled. See store.h.
  static constexpr const char* kSql =
      "SELECT f.tenant_id, f.id, f.job_id, f.created_at FROM model_fits f "
      "WHERE (?3 IS NULL OR f.tenant_id = ?3)"
      "  AND f.id = (SELECT max(id) FROM model_fits m WHERE m.tenant_id = f.tenant_id)"
      "  AND f.created_at < ?1 AND f.as_of_explicit = 0"
      "  AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.tenant_id = f.tenant_id AND j.kind = ?2"
      "                  AND j.created_at >= ?1)"
      "  AND (SELECT o.id FROM orders o WHERE o.tenant_id = f.tenant_id"
      "       AND o.updated_at > f.created_at ORDER BY o.id DESC LIMIT 1) IS NOT NULL "
      "ORDER BY f.tenant_id";
  std::vector<RefitCandidate> out;
  CLV_RETURN_IF_ERROR(ReadConn([&](Db& db) -> Status {
    Query q(db, kSql);
    q.Bind(1, fitted_before).Bind(2, job_kind);
    if (only) {
      q.Bind(3, only->value);
    } else {
      q.BindNull(3);
    }
    while (true) {
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      RefitCandidate c;
      c.tenant = TenantId{q.Int(0)};
      c.fit_id = q.Int(1);
      if (!q.IsNull(2)) c.fit_job = JobId{q.Int(2)};
      c.fit_created_at_us = q.Int(3);
      out.push_back(c);
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace clv::storage::sqlite
