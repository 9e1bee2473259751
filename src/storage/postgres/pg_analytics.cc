#include "storage/postgres/pg_analytics.h"

namespace clv::storage::postgres {

// Forwards to the transitional Store defaults until this backend's implementation lands.
Result<EnqueuedJob> PgAnalyticsStore::EnqueueJob(TenantId t, std::string_view k, std::string_view p,
                                   std::optional<UserId> u, UnixMicros n) {
  return Store::EnqueueJob(t, k, p, u, n);
}
Result<std::optional<Job>> PgAnalyticsStore::ClaimJob(std::string_view w, UnixMicros n, UnixMicros s) {
  return Store::ClaimJob(w, n, s);
}
Status PgAnalyticsStore::UpdateJobProgress(TenantId t, JobId j, std::string_view w, double p,
                             std::string_view s, UnixMicros n) {
  return Store::UpdateJobProgress(t, j, w, p, s, n);
}
Status PgAnalyticsStore::FinishJob(TenantId t, JobId j, std::string_view w, bool ok, std::string_view r,
                     std::string_view e, UnixMicros n) {
  return Store::FinishJob(t, j, w, ok, r, e, n);
}
Result<Job> PgAnalyticsStore::GetJob(TenantId t, JobId j) { return Store::GetJob(t, j); }
Result<Page<Job>> PgAnalyticsStore::ListJobs(TenantId t, const ListJobsOptions& o) { return Store::ListJobs(t, o); }
Result<std::unique_ptr<FitWriter>> PgAnalyticsStore::BeginFitWrite(TenantId t, const ModelFitRecord& f) {
  return Store::BeginFitWrite(t, f);
}
Result<ModelFitRecord> PgAnalyticsStore::GetCurrentFit(TenantId t) { return Store::GetCurrentFit(t); }
Result<ModelFitRecord> PgAnalyticsStore::GetFit(TenantId t, std::int64_t id) { return Store::GetFit(t, id); }
Result<Page<ModelFitRecord>> PgAnalyticsStore::ListFits(TenantId t, const ListFitsOptions& o) {
  return Store::ListFits(t, o);
}
Status PgAnalyticsStore::UpsertCustomerScores(TenantId t, std::span<const CustomerScore> s) {
  return Store::UpsertCustomerScores(t, s);
}
Result<ScoredCustomer> PgAnalyticsStore::GetCustomerScore(TenantId t, CustomerId c) {
  return Store::GetCustomerScore(t, c);
}
Result<Page<ScoredCustomer>> PgAnalyticsStore::ListCustomerScores(TenantId t, const ListScoresOptions& o) {
  return Store::ListCustomerScores(t, o);
}
Result<std::vector<ScoreGroup>> PgAnalyticsStore::AggregateScores(TenantId t, ScoreGroupBy g) {
  return Store::AggregateScores(t, g);
}
Result<std::vector<AnalysisRow>> PgAnalyticsStore::AnalysisRowsForCustomers(TenantId t,
                                                              std::span<const CustomerId> c) {
  return Store::AnalysisRowsForCustomers(t, c);
}

}  // namespace clv::storage::postgres
