#include "storage/store.h"

#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace clv::storage {

std::string_view JobStatusName(JobStatus status) {
  switch (status) {
    case JobStatus::kQueued: return "queued";
    case JobStatus::kRunning: return "running";
    case JobStatus::kSucceeded: return "succeeded";
    case JobStatus::kFailed: return "failed";
  }
  return "unknown";
}

// TRANSITIONAL defaults (see store.h): removed when both backends implement the analytics calls.
namespace {
Status NotYet(std::string_view call) {
  return Internal(std::string(call) + " is not implemented by this backend yet");
}
}  // namespace

Result<EnqueuedJob> Store::EnqueueJob(TenantId, std::string_view, std::string_view,
                                      std::optional<UserId>, UnixMicros) {
  return NotYet("EnqueueJob");
}
Result<std::optional<Job>> Store::ClaimJob(std::string_view, UnixMicros, UnixMicros) {
  return NotYet("ClaimJob");
}
Status Store::UpdateJobProgress(TenantId, JobId, std::string_view, double, std::string_view,
                                UnixMicros) {
  return NotYet("UpdateJobProgress");
}
Status Store::FinishJob(TenantId, JobId, std::string_view, bool, std::string_view,
                        std::string_view, UnixMicros) {
  return NotYet("FinishJob");
}
Result<Job> Store::GetJob(TenantId, JobId) { return NotYet("GetJob"); }
Result<Page<Job>> Store::ListJobs(TenantId, const ListJobsOptions&) { return NotYet("ListJobs"); }
Result<std::unique_ptr<FitWriter>> Store::BeginFitWrite(TenantId, const ModelFitRecord&) {
  return NotYet("BeginFitWrite");
}
Result<ModelFitRecord> Store::GetCurrentFit(TenantId) { return NotYet("GetCurrentFit"); }
Result<ModelFitRecord> Store::GetFit(TenantId, std::int64_t) { return NotYet("GetFit"); }
Result<Page<ModelFitRecord>> Store::ListFits(TenantId, const ListFitsOptions&) {
  return NotYet("ListFits");
}
Status Store::UpsertCustomerScores(TenantId, std::span<const CustomerScore>) {
  return NotYet("UpsertCustomerScores");
}
Result<ScoredCustomer> Store::GetCustomerScore(TenantId, CustomerId) {
  return NotYet("GetCustomerScore");
}
Result<Page<ScoredCustomer>> Store::ListCustomerScores(TenantId, const ListScoresOptions&) {
  return NotYet("ListCustomerScores");
}
Result<std::vector<ScoreGroup>> Store::AggregateScores(TenantId, ScoreGroupBy) {
  return NotYet("AggregateScores");
}
Result<std::vector<AnalysisRow>> Store::AnalysisRowsForCustomers(TenantId,
                                                                 std::span<const CustomerId>) {
  return NotYet("AnalysisRowsForCustomers");
}

Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const StoreOptions& options) {
  if (options.pool_size < 1) return InvalidArgument("database pool size must be at least 1");
  if (options.busy_timeout_ms < 0) return InvalidArgument("busy timeout must not be negative");
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.substr(0, kSqlite.size()) == kSqlite) {
    std::string_view rest = url.substr(kSqlite.size());
    if (rest == ":memory:") return sqlite::OpenSqliteStore(":memory:", options);
    if (rest.substr(0, 2) == "//") {
      // sqlite:///abs/path (URL style): the path starts at the third slash.
      rest.remove_prefix(2);
      if (rest.empty() || rest[0] != '/')
        return InvalidArgument("sqlite:// URLs need an absolute path (sqlite:///var/lib/clv.db)");
    }
    if (rest.empty()) return InvalidArgument("database URL 'sqlite:' names no file");
    return sqlite::OpenSqliteStore(std::string(rest), options);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://"))
    return postgres::OpenPostgresStore(std::string(url), options);
  return InvalidArgument(
      "unsupported database URL (expected sqlite:PATH, sqlite::memory: or postgresql://...)");
}

}  // namespace clv::storage
