// PostgreSQL: the operational calls of the Store (scheduled-refit candidates, pool usage).
#include <string>
#include <vector>

#include "storage/analytics_common.h"
#include "storage/postgres/pg_analytics.h"

namespace clv::storage::postgres {

Result<std::vector<RefitCandidate>> PgAnalyticsStore::ListRefitCandidates(
    std::string_view job_kind, UnixMicros fitted_before, std::optional<TenantId> only) {
  CLV_RETURN_IF_ERROR(internal::ValidateJobKind(job_kind));
  // The current fit of each tenant is its highest id (DISTINCT ON over the primary key). The
  // newest-order test is a scalar subquery walking orders by id DESC (the primary key) so that
  // it stops at the first order written after the fit: new orders have the highest ids. (An
  // EXISTS would let the planner drop the ordering and read the tenant's orders from the
  // oldest.) The jobs test keeps an active or recently failed calculation from being doubled.
  static constexpr const char* kSql =
      "SELECT f.tenant_id, f.id, f.job_id, f.created_at FROM ("
      "  SELECT DISTINCT ON (tenant_id) tenant_id, id, job_id, created_at, as_of_explicit"
      "  FROM model_fits WHERE ($3::bigint IS NULL OR tenant_id = $3::bigint)"
      "  ORDER BY tenant_id, id DESC) f "
      "WHERE f.created_at < $1::bigint AND NOT f.as_of_explicit"
      "  AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.tenant_id = f.tenant_id AND j.kind = $2"
      "                  AND j.created_at >= $1::bigint)"
      "  AND (SELECT o.id FROM orders o WHERE o.tenant_id = f.tenant_id"
      "       AND o.updated_at > f.created_at ORDER BY o.id DESC LIMIT 1) IS NOT NULL "
      "ORDER BY f.tenant_id";
  Param tenant_param = only ? P(only->value) : std::nullopt;
  CLV_ASSIGN_OR_RETURN(PgPool::Lease c, analytics_pool().Acquire());
  CLV_ASSIGN_OR_RETURN(PgResult r,
                       c->Exec(kSql, {P(fitted_before), P(job_kind), std::move(tenant_param)}));
  std::vector<RefitCandidate> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    RefitCandidate c;
    c.tenant = TenantId{r.Int(i, 0)};
    c.fit_id = r.Int(i, 1);
    if (!r.IsNull(i, 2)) c.fit_job = JobId{r.Int(i, 2)};
    c.fit_created_at_us = r.Int(i, 3);
    out.push_back(c);
  }
  return out;
}

PoolStats PgAnalyticsStore::GetPoolStats() { return analytics_pool().Stats(); }

}  // namespace clv::storage::postgres
