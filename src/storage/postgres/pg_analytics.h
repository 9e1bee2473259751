// The analytics calls of the PostgreSQL store (jobs, model fits, customer scores), implemented
// in pg_analytics.cc on top of PgStore's connection pool (pg_store.cc), reached through the
// hook below. Internal to storage/postgres.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "storage/postgres/pg.h"
#include "storage/store.h"

namespace clv::storage::postgres {

// Row `i` of a result as the shared row readers (internal::ReadJob, ReadFit, ReadScore,
// ReadScoreCustomer in analytics_common.h) read it, columns counted from `base`: Int (0 for
// NULL), Double (NaN for NULL; parses "NaN" and "Infinity"), Text, IsNull, Bool ('t').
struct PgRow {
  const PgResult& r;
  int i;
  int base = 0;
  std::int64_t Int(int c) const { return r.Int(i, base + c); }
  double Double(int c) const { return r.Double(i, base + c); }
  std::string Text(int c) const { return r.Text(i, base + c); }
  bool IsNull(int c) const { return r.IsNull(i, base + c); }
  bool Bool(int c) const { return r.View(i, base + c) == "t"; }
};

class PgAnalyticsStore : public Store {
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
  // pg_fit_summary.cc
  Result<ModelFitRecord> GetCurrentFitSummary(
      TenantId tenant, std::span<const std::string_view> report_keys) override;
  Result<Page<ModelFitRecord>> ListFits(TenantId tenant, const ListFitsOptions& options) override;
  Status UpsertCustomerScores(TenantId tenant, std::span<const CustomerScore> scores) override;
  Result<ScoredCustomer> GetCustomerScore(TenantId tenant, CustomerId customer) override;
  // pg_customer_detail.cc
  Result<CustomerDetailRecord> GetCustomerDetail(TenantId tenant, CustomerId customer) override;
  Result<std::vector<CustomerDetailRecord>> GetCustomerDetails(
      TenantId tenant, std::span<const CustomerId> customers) override;
  Result<Page<ScoredCustomer>> ListCustomerScores(TenantId tenant,
                                                  const ListScoresOptions& options) override;
  Result<std::vector<std::vector<ScoreGroup>>> AggregateScores(
      TenantId tenant, std::span<const ScoreGroupBy> groupings) override;
  Result<std::vector<AnalysisRow>> AnalysisRowsForCustomers(
      TenantId tenant, std::span<const CustomerId> customers) override;
  // The tenant-wide analysis read (pg_analysis_read.cc).
  Status StreamOrdersForAnalysis(
      TenantId tenant, const std::function<Status(const AnalysisRow&)>& sink) override;

  // Scheduled refits (pg_ops.cc).
  Result<std::vector<RefitCandidate>> ListRefitCandidates(std::string_view job_kind,
                                                          UnixMicros fitted_before,
                                                          std::optional<TenantId> only) override;

  // The pool's usage (pg_ops.cc).
  PoolStats GetPoolStats() override;

  // ---- Hook provided by PgStore ----
  virtual PgPool& analytics_pool() = 0;

 private:
  // GetCustomerDetails' copy of each tenant's current fit summary (pg_customer_detail.cc). Not a
  // cache of WHAT is current: every statement still reads the current fit's id; the summary is
  // reused only when that id (and its created_at) matches, which is exact because a model_fits
  // row is never updated once written (ids come from a sequence and are not reused).
  struct DetailFits {
    std::mutex mu;
    std::unordered_map<std::int64_t, std::shared_ptr<const ModelFitRecord>> by_tenant;  // mu
  };
  DetailFits detail_fits_;
  // The fit `fit_id` (created at `created_at_us`) of the tenant as the detail read shows it:
  // detail_fits_'s copy when it is that fit, else read on `c` and remembered.
  Result<std::shared_ptr<const ModelFitRecord>> DetailFit(PgConn& c, TenantId tenant,
                                                          std::int64_t fit_id,
                                                          UnixMicros created_at_us);
};

}  // namespace clv::storage::postgres
