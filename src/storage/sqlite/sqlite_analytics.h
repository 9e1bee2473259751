// The analytics calls of the SQLite store (jobs, model fits, customer scores), implemented in
// sqlite_analytics.cc on top of the connection handling that SqliteStore (sqlite_store.cc)
// provides through the hooks below. Internal to storage/sqlite.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/sqlite/db.h"
#include "storage/store.h"

namespace clv::storage::sqlite {

// The current row of a stepped query as the shared row readers (internal::ReadJob, ReadFit,
// ReadScore, ReadScoreCustomer in analytics_common.h) read it: Int, Double (NaN for NULL),
// Text, IsNull, Bool (non-zero).
struct SqliteRow {
  const Query& q;
  std::int64_t Int(int c) const { return q.Int(c); }
  double Double(int c) const { return q.Double(c); }
  std::string Text(int c) const { return q.Text(c); }
  bool IsNull(int c) const { return q.IsNull(c); }
  bool Bool(int c) const { return q.Int(c) != 0; }
};

class SqliteAnalyticsStore : public Store {
 public:
  Result<EnqueuedJob> EnqueueJob(TenantId tenant, std::string_view kind,
                                 std::string_view params_json, std::optional<UserId> created_by,
                                 UnixMicros now) override;
  Result<std::optional<Job>> ClaimJob(std::string_view worker, UnixMicros now,
                                      UnixMicros stale_before) override;
  Status UpdateJobProgress(TenantId tenant, JobId job, std::string_view worker, double progress,
                           std::string_view stage, UnixMicros now) override;
  Status FinishJob(TenantId tenant, JobId job, std::string_view worker, bool succeeded,
                   std::string_view result_json, std::string_view error,
                   UnixMicros now) override;
  Result<Job> GetJob(TenantId tenant, JobId job) override;
  Result<Page<Job>> ListJobs(TenantId tenant, const ListJobsOptions& options) override;

  Result<std::unique_ptr<FitWriter>> BeginFitWrite(TenantId tenant,
                                                   const ModelFitRecord& fit) override;
  Result<ModelFitRecord> GetCurrentFit(TenantId tenant) override;
  Result<ModelFitRecord> GetFit(TenantId tenant, std::int64_t fit_id) override;
  // sqlite_fit_summary.cc
  Result<ModelFitRecord> GetCurrentFitSummary(
      TenantId tenant, std::span<const std::string_view> report_keys) override;
  Result<Page<ModelFitRecord>> ListFits(TenantId tenant, const ListFitsOptions& options) override;
  Status UpsertCustomerScores(TenantId tenant, std::span<const CustomerScore> scores) override;
  Result<ScoredCustomer> GetCustomerScore(TenantId tenant, CustomerId customer) override;
  Result<Page<ScoredCustomer>> ListCustomerScores(TenantId tenant,
                                                  const ListScoresOptions& options) override;
  Result<std::vector<std::vector<ScoreGroup>>> AggregateScores(
      TenantId tenant, std::span<const ScoreGroupBy> groupings) override;
  Result<std::vector<AnalysisRow>> AnalysisRowsForCustomers(
      TenantId tenant, std::span<const CustomerId> customers) override;
  // The tenant-wide analysis read (sqlite_analysis_read.cc).
  Status StreamOrdersForAnalysis(
      TenantId tenant, const std::function<Status(const AnalysisRow&)>& sink) override;

  // Scheduled refits (sqlite_ops.cc).
  Result<std::vector<RefitCandidate>> ListRefitCandidates(std::string_view job_kind,
                                                          UnixMicros fitted_before,
                                                          std::optional<TenantId> only) override;

  // ---- Hooks provided by SqliteStore ----
  // Runs `body` in a write transaction (BEGIN IMMEDIATE under the write lock); commits on OK.
  virtual Status WriteTxn(const std::function<Status(Db&)>& body) = 0;
  // Runs `body` on a connection for reading (no explicit transaction).
  virtual Status ReadConn(const std::function<Status(Db&)>& body) = 0;
  // Takes the write lock and hands out the writer connection until ReleaseWriter() (which may
  // be called from another thread). The caller runs BEGIN/COMMIT itself.
  virtual Result<Db*> AcquireWriter() = 0;
  virtual void ReleaseWriter() = 0;
};

}  // namespace clv::storage::sqlite
