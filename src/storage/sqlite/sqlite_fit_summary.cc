// SqliteAnalyticsStore::GetCurrentFitSummary (store.h): the current fit's typed columns plus,
// when asked, a few top-level members of its report. Kept apart from sqlite_analytics.cc (the
// fit writer's file) because it is on the per-request read path of GET /clv/customers/:id.
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "storage/analytics_common.h"
#include "storage/sqlite/sqlite_analytics.h"

namespace clv::storage::sqlite {
namespace {

// The keys as a JSON array of strings (bound as one parameter, read with json_each).
std::string JsonStringArray(std::span<const std::string_view> items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') {
        out += '\\';
        out += ch;
      } else if (static_cast<unsigned char>(ch) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(ch));
        out += buf;
      } else {
        out += ch;
      }
    }
    out += '"';
  }
  out += ']';
  return out;
}

}  // namespace

Result<ModelFitRecord> SqliteAnalyticsStore::GetCurrentFitSummary(
    TenantId tenant, std::span<const std::string_view> report_keys) {
  CLV_RETURN_IF_ERROR(internal::ValidateReportKeys(report_keys));
  // Without keys the report (in overflow pages) is never read. With keys json_each walks the
  // report once and json_group_object keeps the named members as JSON (their subtype).
  static const std::string plain =
      "SELECT tenant_id, id, " + internal::FitColumnsWithoutReport() +
      ", '{}' FROM model_fits WHERE tenant_id = ?1 ORDER BY id DESC LIMIT 1";
  static const std::string keyed =
      "SELECT tenant_id, id, " + internal::FitColumnsWithoutReport() +
      ", (SELECT coalesce(json_group_object(e.key, e.value), '{}') FROM json_each(f.report) e "
      "WHERE e.key IN (SELECT value FROM json_each(?2))) "
      "FROM model_fits f WHERE tenant_id = ?1 ORDER BY id DESC LIMIT 1";
  const std::string keys = JsonStringArray(report_keys);
  std::optional<ModelFitRecord> out;
  CLV_RETURN_IF_ERROR(ReadConn([&](Db& db) -> Status {
    Query q(db, report_keys.empty() ? plain.c_str() : keyed.c_str());
    q.Bind(1, tenant.value);
    if (!report_keys.empty()) q.Bind(2, std::string_view(keys));
    CLV_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) {
      CLV_ASSIGN_OR_RETURN(out, internal::ReadFit(SqliteRow{q}));
    }
    return Status::Ok();
  }));
  if (!out) return NotFound("no model fit yet");
  return *std::move(out);
}

}  // namespace clv::storage::sqlite
