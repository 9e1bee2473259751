// PgAnalyticsStore::GetCurrentFitSummary (store.h): the current fit's typed columns plus, when
// asked, a few top-level members of its report. Kept apart from pg_analytics.cc (the fit
// writer's file) because it is on the per-request read path of GET /clv/customers/:id.
#include <span>
#include <string>
#include <string_view>

#include "storage/analytics_common.h"
#include "storage/postgres/pg_analytics.h"

namespace clv::storage::postgres {
namespace {

// A PostgreSQL text[] literal: {"a","b"} with " and \ escaped.
std::string TextArray(std::span<const std::string_view> items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace

Result<ModelFitRecord> PgAnalyticsStore::GetCurrentFitSummary(
    TenantId tenant, std::span<const std::string_view> report_keys) {
  CLV_RETURN_IF_ERROR(internal::ValidateReportKeys(report_keys));
  // Without keys the report column is not touched: the row's other columns sit inline, the
  // report in TOAST, so the read costs a few hundred bytes instead of detoasting ~90 KB.
  static const std::string plain =
      "SELECT tenant_id, id, " + internal::FitColumnsWithoutReport() +
      ", '{}' FROM model_fits WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1";
  // With keys the report is parsed as json (not jsonb: no re-encoding of numbers, members keep
  // their text) and only the named members are sent.
  static const std::string keyed =
      "SELECT tenant_id, id, " + internal::FitColumnsWithoutReport() +
      ", (SELECT coalesce(json_object_agg(e.key, e.value), '{}')::text "
      "FROM json_each(report::json) e WHERE e.key = ANY($2::text[])) "
      "FROM model_fits WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1";
  CLV_ASSIGN_OR_RETURN(PgPool::Lease c, analytics_pool().Acquire());
  Result<PgResult> r = report_keys.empty()
                           ? c->ExecPrepared("clv_fit_summary", plain.c_str(), {P(tenant.value)})
                           : c->Exec(keyed.c_str(), {P(tenant.value), P(TextArray(report_keys))});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return NotFound("no model fit yet");
  return internal::ReadFit(PgRow{*r, 0});
}

}  // namespace clv::storage::postgres
