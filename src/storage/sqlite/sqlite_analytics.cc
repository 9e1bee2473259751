#include "storage/sqlite/sqlite_analytics.h"

#include <algorithm>
#include <array>
#include <string>
#include <type_traits>
#include <vector>

#include "storage/analytics_common.h"
#include "storage/common.h"

namespace clv::storage::sqlite {
namespace {

using internal::Cat;
using internal::DecodeDescendingCursor;
using internal::EncodeCursor;
using internal::FitSelect;
using internal::JobSelect;
using internal::ResolveLimit;
using internal::ScoreSelect;

using Row = SqliteRow;

// Statements are built once (function-local statics): Db caches prepared statements by the
// SQL text's address, which must stay put.

// ?1 tenant, ?2..?29 the score columns (kScoreColumns order). The EXISTS guard makes an unknown
// customer insert nothing (sqlite3_changes() == 0), which the writers report as NotFound.
const std::string& InsertScoreSql(bool upsert) {
  auto build = [](bool up) {
    std::string sql = Cat({"INSERT INTO customer_scores (tenant_id, ", internal::kScoreColumns,
                           ") SELECT ?1"});
    for (int i = 0; i < internal::kScoreColumnCount; ++i) sql += ", ?" + std::to_string(i + 2);
    sql += " WHERE EXISTS (SELECT 1 FROM customers WHERE tenant_id = ?1 AND id = ?2)";
    if (up) {
      sql += Cat({" ON CONFLICT (tenant_id, customer_id) DO UPDATE SET ",
                  internal::ScoreUpsertAssignments()});
    }
    return sql;
  };
  static const std::string insert = build(false), upsert_sql = build(true);
  return upsert ? upsert_sql : insert;
}

void BindScore(Query& q, const CustomerScore& s) {
  internal::VisitScore(s, [&](int i, auto v) {
    using T = decltype(v);
    if constexpr (std::is_same_v<T, double>) {
      q.BindDouble(i + 2, v);  // NaN -> NULL
    } else {
      q.Bind(i + 2, v);
    }
  });
}

// One sorted-list statement per (sort, direction, first page or not): ?1 tenant, ?2 segment,
// ?3 churn_risk, ?4 clv_tier (NULL: no filter), ?5 key and ?6 customer of the cursor, ?7 limit.
// `scan`: the same rows, but with the sort key written as +key so SQLite cannot use the key's
// index (neither for the order nor for the cursor range): it scans the tenant's scores and
// keeps the top LIMIT in a bounded sorter. The plan for a filter that matches few rows.
const char* ListScoresSql(ScoreSort sort, bool descending, bool after, bool scan) {
  constexpr int kSorts = 7;
  static const std::array<std::string, kSorts * 8> all = [] {
    std::array<std::string, kSorts * 8> out;
    for (int s = 0; s < kSorts; ++s) {
      for (int sc = 0; sc < 2; ++sc) {
        const std::string k = std::string(sc ? "+s." : "s.") +
                              internal::ScoreSortColumn(static_cast<ScoreSort>(s));
        for (int d = 0; d < 2; ++d) {
          for (int a = 0; a < 2; ++a) {
            const bool desc = d == 1;
            std::string sql = ScoreSelect() +
                              "WHERE s.tenant_id = ?1 AND (?2 IS NULL OR s.segment = ?2) "
                              "AND (?3 IS NULL OR s.churn_risk = ?3) "
                              "AND (?4 IS NULL OR s.clv_tier = ?4) ";
            // (key, customer) beyond the cursor, written so the key bound is an index range.
            if (a == 1) {
              const char* cmp = desc ? "<" : ">";
              sql += Cat({"AND ", k, desc ? " <= ?5" : " >= ?5", " AND (", k, " ", cmp,
                          " ?5 OR s.customer_id ", cmp, " ?6) "});
            }
            const char* dir = desc ? " DESC" : " ASC";
            sql += Cat({"ORDER BY ", k, dir, ", s.customer_id", dir, " LIMIT ?7"});
            out[s * 8 + sc * 4 + d * 2 + a] = std::move(sql);
          }
        }
      }
    }
    return out;
  }();
  return all[static_cast<int>(sort) * 8 + (scan ? 4 : 0) + (descending ? 2 : 0) + (after ? 1 : 0)]
      .c_str();
}

// How much of a filtered index walk ListCustomerScores allows before it switches to the scan
// plan, in SQLite VM instructions (counted by a progress handler every kProgressStep). The walk
// is right for a common filter (a page is found within a few hundred index entries) and
// ruinous for a rare one whose rows sit at the far end of the order (a segment of 0.5% sorted
// by historical CLV: 12 s at 1M scores, every walked entry costing a random table lookup); the
// scan reads the scores once in key order (~1 s wall, 0.3 s CPU at 1M). Each walked entry is
// some 20-30 instructions, so 500k instructions is ~20k entries: a filter matching more than
// ~0.3% of the scores still pages by index, a rarer one wastes at most that much walking.
constexpr int kProgressStep = 1000;
constexpr int kWalkBudgetSteps = 500;

// The grouping columns and the summed values of every score of a tenant. Grouping happens in
// AggregateScores, not in SQL: SQLite's GROUP BY on an unindexed column sorts every row in a
// temporary b-tree (about 1.3 s of CPU at 1M scores) where a scan summing into the few groups
// costs about a third of that, and one scan serves every grouping (docs/benchmarks.md
// "Dashboard"). The key columns follow the sums in ScoreGroupBy order; all three are read
// whatever is asked, as Db caches prepared statements by the SQL text's address.
constexpr const char* kAggregateSql =
    "SELECT historical_clv_minor, predicted_clv_minor, value_at_risk_minor, "
    "segment, clv_tier, churn_risk FROM customer_scores WHERE tenant_id = ?1";
constexpr int kAggregateKeyAt = 3;

Status CheckTenant(Db& db, TenantId tenant) {
  Query q(db, "SELECT 1 FROM tenants WHERE id = ?1");
  q.Bind(1, tenant.value);
  CLV_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? Status::Ok() : NotFound("tenant not found");
}

Result<std::int64_t> NextId(Db& db, const char* sql, TenantId tenant) {
  Query q(db, sql);
  q.Bind(1, tenant.value);
  CLV_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Internal("sqlite: next id query returned no row");
  return q.Int(0);
}

// Why a job-state change matched no row: the job is unknown, or not running under `worker`.
Status JobNotHeld(Db& db, TenantId tenant, JobId job, std::string_view worker) {
  Query q(db, "SELECT status, worker FROM jobs WHERE tenant_id = ?1 AND id = ?2");
  q.Bind(1, tenant.value).Bind(2, job.value);
  CLV_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return NotFound("job not found");
  return FailedPrecondition("job " + std::to_string(job.value) + " is " + q.Text(0) +
                            (q.TextView(1).empty() ? "" : " under worker '" + q.Text(1) + "'") +
                            ", not running under '" + std::string(worker) + "'");
}

Status InsertScore(Db& db, const std::string& sql, TenantId tenant, const CustomerScore& s,
                   std::optional<std::int64_t> fit_id, std::int64_t index) {
  Query q(db, sql.c_str());
  q.Bind(1, tenant.value);
  BindScore(q, s);
  if (fit_id) q.Bind(3, *fit_id);
  Status st = q.Run();
  const std::string where = "scores[" + std::to_string(index) + "]: ";
  if (st.code() == StatusCode::kAlreadyExists)
    return InvalidArgument(where + "customer " + std::to_string(s.customer.value) +
                           " appears twice in the fit");
  CLV_RETURN_IF_ERROR(st);
  if (sqlite3_changes(db.raw()) == 0)
    return NotFound(where + "customer " + std::to_string(s.customer.value) + " not found");
  return Status::Ok();
}

// Writes a fit in one transaction on the writer connection, held from Begin to Commit/Abort.
class SqliteFitWriter final : public FitWriter {
 public:
  SqliteFitWriter(SqliteAnalyticsStore* store, TenantId tenant, ModelFitRecord fit)
      : store_(store), tenant_(tenant), fit_(std::move(fit)) {}
  ~SqliteFitWriter() override { Abort(); }

  Status Begin() {
    CLV_ASSIGN_OR_RETURN(db_, store_->AcquireWriter());
    open_ = true;
    Status s = db_->Exec("BEGIN IMMEDIATE");
    if (!s.ok()) {
      open_ = false;
      store_->ReleaseWriter();
      return s;
    }
    s = CheckTenant(*db_, tenant_);
    // The write lock is held until Commit, so the next id is ours.
    if (s.ok()) {
      auto id = NextId(*db_, "SELECT coalesce(max(id), 0) + 1 FROM model_fits WHERE tenant_id = ?1",
                       tenant_);
      if (id.ok()) fit_.id = *id; else s = id.status();
    }
    if (s.ok()) s = MaybeDropSortIndexes();
    // The new fit replaces every score; deleting first lets the inserts below detect a
    // customer given twice (primary key) and costs the same as replacing row by row.
    if (s.ok()) {
      Query q(*db_, "DELETE FROM customer_scores WHERE tenant_id = ?1");
      q.Bind(1, tenant_.value);
      s = q.Run();
    }
    return s.ok() ? s : Fail(s);
  }

  Status Add(std::span<const CustomerScore> batch) override {
    if (!open_) return FailedPrecondition("the fit write is no longer open");
    Status s = internal::ValidateScores(batch, next_index_);
    if (!s.ok()) return Fail(s);
    const std::string& sql = InsertScoreSql(/*upsert=*/false);
    for (const CustomerScore& score : batch) {
      s = InsertScore(*db_, sql, tenant_, score, fit_.id, next_index_++);
      if (!s.ok()) return Fail(s);
    }
    return Status::Ok();
  }

  Result<ModelFitRecord> Commit() override {
    if (!open_) return FailedPrecondition("the fit write is no longer open");
    static const std::string insert =
        Cat({"INSERT INTO model_fits (tenant_id, id, ", internal::kFitColumns,
             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
             "?17, ?18, ?19)"});
    const std::string model_params = internal::EncodeDoubles(fit_.model_params);
    const std::string gg_params = internal::EncodeDoubles(fit_.gamma_gamma_params);
    Status s;
    {
      Query q(*db_, insert.c_str());
      q.Bind(1, tenant_.value).Bind(2, fit_.id);
      q.Bind(3, fit_.job ? std::optional(fit_.job->value) : std::nullopt);
      q.Bind(4, fit_.created_at_us).Bind(5, fit_.as_of_us);
      q.Bind(6, std::int64_t{fit_.as_of_explicit ? 1 : 0});
      q.Bind(7, std::string_view(fit_.currency)).Bind(8, std::string_view(fit_.model));
      q.Bind(9, std::string_view(model_params)).Bind(10, std::string_view(gg_params));
      q.Bind(11, std::string_view(fit_.spend_model)).Bind(12, std::string_view(fit_.period));
      q.Bind(13, std::string_view(fit_.resolution)).BindDouble(14, fit_.horizon_periods);
      q.Bind(15, std::int64_t{fit_.clv_months}).BindDouble(16, fit_.discount_rate_monthly);
      q.BindDouble(17, fit_.margin).Bind(18, fit_.customers);
      q.Bind(19, std::string_view(fit_.report_json));
      s = q.Run();
    }
    // Rebuilding an index sorts its keys once: far cheaper than a million random inserts.
    for (const std::string& sql : dropped_indexes_) {
      if (s.ok()) s = db_->Exec(sql.c_str());
    }
    if (s.ok()) s = db_->Exec("COMMIT");
    if (!s.ok()) return Fail(s);
    open_ = false;
    store_->ReleaseWriter();
    return fit_;
  }

  void Abort() override {
    if (!open_) return;
    (void)db_->Exec("ROLLBACK");
    open_ = false;
    store_->ReleaseWriter();
  }

 private:
  Status Fail(Status s) {
    Abort();
    return s;
  }

  // Bulk mode for a large fit (fit.customers, the caller's count of scores, is the hint): the
  // sort indexes of customer_scores are dropped inside the transaction and rebuilt at Commit
  // (a rollback restores them). Each secondary index takes its keys in random order, so with
  // the indexes in place a million-score write thrashes the page cache (measured: 213 s for
  // 1M scores, 413 s replacing them; see docs/benchmarks.md "Fit write"). Only when this
  // tenant's scores are at least half of the table: the rebuild costs every tenant's rows.
  Status MaybeDropSortIndexes() {
    constexpr std::int64_t kBulkMin = 20'000;
    if (fit_.customers < kBulkMin) return Status::Ok();
    std::int64_t others = 0;
    {
      Query q(*db_, "SELECT count(*) FROM customer_scores WHERE tenant_id <> ?1");
      q.Bind(1, tenant_.value);
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (row) others = q.Int(0);
    }
    if (others > fit_.customers) return Status::Ok();
    std::vector<std::string> names;
    {
      // The indexes as the migrations made them, so the rebuild is exactly what was there.
      Query q(*db_,
              "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
              "AND tbl_name = 'customer_scores' AND sql IS NOT NULL ORDER BY name");
      while (true) {
        CLV_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) break;
        names.push_back(q.Text(0));
        dropped_indexes_.push_back(q.Text(1));
      }
    }
    for (const std::string& name : names) {
      // Names come from sqlite_master (our migrations), quoted as identifiers all the same.
      const std::string drop = "DROP INDEX \"" + name + "\"";
      CLV_RETURN_IF_ERROR(db_->Exec(drop.c_str()));
    }
    return Status::Ok();
  }

  SqliteAnalyticsStore* store_;
  const TenantId tenant_;
  ModelFitRecord fit_;
  std::vector<std::string> dropped_indexes_;
  Db* db_ = nullptr;
  std::int64_t next_index_ = 0;
  bool open_ = false;
};

}  // namespace

// ---- Jobs ---------------------------------------------------------------------------------------

Result<EnqueuedJob> SqliteAnalyticsStore::EnqueueJob(TenantId tenant, std::string_view kind,
                                                     std::string_view params_json,
                                                     std::optional<UserId> created_by,
                                                     UnixMicros now) {
  CLV_RETURN_IF_ERROR(internal::ValidateJobKind(kind));
  EnqueuedJob out;
  CLV_RETURN_IF_ERROR(WriteTxn([&](Db& db) -> Status {
    CLV_RETURN_IF_ERROR(CheckTenant(db, tenant));
    static const std::string active =
        JobSelect() + "WHERE tenant_id = ?1 AND kind = ?2 AND status IN ('queued', 'running')";
    {
      Query q(db, active.c_str());
      q.Bind(1, tenant.value).Bind(2, kind);
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (row) {
        CLV_ASSIGN_OR_RETURN(out.job, internal::ReadJob(Row{q}));
        out.created = false;
        return Status::Ok();
      }
    }
    CLV_ASSIGN_OR_RETURN(
        std::int64_t id,
        NextId(db, "SELECT coalesce(max(id), 0) + 1 FROM jobs WHERE tenant_id = ?1", tenant));
    Query q(db,
            "INSERT INTO jobs (tenant_id, id, kind, status, params, created_by, created_at) "
            "VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?6)");
    q.Bind(1, tenant.value).Bind(2, id).Bind(3, kind).Bind(4, params_json);
    q.Bind(5, created_by ? std::optional(created_by->value) : std::nullopt).Bind(6, now);
    CLV_RETURN_IF_ERROR(q.Run());
    out.created = true;
    out.job = Job{};
    out.job.tenant = tenant;
    out.job.id = JobId{id};
    out.job.kind = std::string(kind);
    out.job.status = JobStatus::kQueued;
    out.job.params_json = std::string(params_json);
    out.job.created_by = created_by;
    out.job.created_at_us = now;
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<Job>> SqliteAnalyticsStore::ClaimJob(std::string_view worker,
                                                          UnixMicros now,
                                                          UnixMicros stale_before) {
  CLV_RETURN_IF_ERROR(internal::ValidateWorker(worker));
  std::optional<Job> out;
  CLV_RETURN_IF_ERROR(WriteTxn([&](Db& db) -> Status {
    // The write lock makes find-then-update atomic against every other claimer.
    std::int64_t tenant = 0, id = 0;
    {
      Query q(db,
              "SELECT tenant_id, id FROM jobs WHERE status IN ('queued', 'running') "
              "AND (status = 'queued' OR heartbeat_at < ?1) "
              "ORDER BY created_at, tenant_id, id LIMIT 1");
      q.Bind(1, stale_before);
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) return Status::Ok();
      tenant = q.Int(0);
      id = q.Int(1);
    }
    static const std::string claim = Cat(
        {"UPDATE jobs SET status = 'running', worker = ?3, started_at = ?4, heartbeat_at = ?4, "
         "attempts = attempts + 1, progress = 0, stage = '' WHERE tenant_id = ?1 AND id = ?2 "
         "RETURNING ",
         internal::kJobColumns});
    Query q(db, claim.c_str());
    q.Bind(1, tenant).Bind(2, id).Bind(3, worker).Bind(4, now);
    CLV_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return Internal("sqlite: claimed job vanished");
    CLV_ASSIGN_OR_RETURN(Job job, internal::ReadJob(Row{q}));
    out = std::move(job);
    return q.Run();
  }));
  return out;
}

Status SqliteAnalyticsStore::UpdateJobProgress(TenantId tenant, JobId job,
                                               std::string_view worker, double progress,
                                               std::string_view stage, UnixMicros now) {
  CLV_RETURN_IF_ERROR(internal::ValidateProgress(progress));
  return WriteTxn([&](Db& db) -> Status {
    {
      Query q(db,
              "UPDATE jobs SET progress = ?4, stage = ?5, heartbeat_at = ?6 "
              "WHERE tenant_id = ?1 AND id = ?2 AND status = 'running' AND worker = ?3");
      q.Bind(1, tenant.value).Bind(2, job.value).Bind(3, worker).BindDouble(4, progress);
      q.Bind(5, stage).Bind(6, now);
      CLV_RETURN_IF_ERROR(q.Run());
    }
    if (sqlite3_changes(db.raw()) == 1) return Status::Ok();
    return JobNotHeld(db, tenant, job, worker);
  });
}

Status SqliteAnalyticsStore::FinishJob(TenantId tenant, JobId job, std::string_view worker,
                                       bool succeeded, std::string_view result_json,
                                       std::string_view error, UnixMicros now) {
  return WriteTxn([&](Db& db) -> Status {
    {
      Query q(db,
              "UPDATE jobs SET status = ?4, result = ?5, error = ?6, finished_at = ?7, "
              "heartbeat_at = ?7, progress = CASE WHEN ?4 = 'succeeded' THEN 1 ELSE progress END "
              "WHERE tenant_id = ?1 AND id = ?2 AND status = 'running' AND worker = ?3");
      q.Bind(1, tenant.value).Bind(2, job.value).Bind(3, worker);
      q.Bind(4, JobStatusName(succeeded ? JobStatus::kSucceeded : JobStatus::kFailed));
      q.Bind(5, succeeded ? result_json : std::string_view());
      q.Bind(6, succeeded ? std::string_view() : error).Bind(7, now);
      CLV_RETURN_IF_ERROR(q.Run());
    }
    if (sqlite3_changes(db.raw()) == 1) return Status::Ok();
    return JobNotHeld(db, tenant, job, worker);
  });
}

Result<Job> SqliteAnalyticsStore::GetJob(TenantId tenant, JobId job) {
  static const std::string sql = JobSelect() + "WHERE tenant_id = ?1 AND id = ?2";
  std::optional<Job> out;
  CLV_RETURN_IF_ERROR(ReadConn([&](Db& db) -> Status {
    Query q(db, sql.c_str());
    q.Bind(1, tenant.value).Bind(2, job.value);
    CLV_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) {
      CLV_ASSIGN_OR_RETURN(out, internal::ReadJob(Row{q}));
    }
    return Status::Ok();
  }));
  if (!out) return NotFound("job not found");
  return *out;
}

namespace {
// One page of a list newest first (jobs, fits). `sql` (static storage) takes ?1 the tenant, ?2
// the exclusive upper bound of the ids, ?3 the page size + 1; `read` makes an item of a row
// (Result<T>), `id` gives an item's id for the next page's cursor.
template <typename T, typename Read, typename Id>
Result<Page<T>> DescendingPage(SqliteAnalyticsStore& store, const std::string& sql,
                               TenantId tenant, int limit_option, std::string_view cursor,
                               Read read, Id id) {
  CLV_ASSIGN_OR_RETURN(int limit, ResolveLimit(limit_option));
  CLV_ASSIGN_OR_RETURN(std::int64_t before, DecodeDescendingCursor(cursor));
  Page<T> page;
  CLV_RETURN_IF_ERROR(store.ReadConn([&](Db& db) -> Status {
    Query q(db, sql.c_str());
    q.Bind(1, tenant.value).Bind(2, before).Bind(3, std::int64_t{limit} + 1);
    while (true) {
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) return Status::Ok();
      CLV_ASSIGN_OR_RETURN(T item, read(Row{q}));
      page.items.push_back(std::move(item));
    }
  }));
  if (page.items.size() > static_cast<std::size_t>(limit)) {
    page.items.pop_back();
    page.next_cursor = EncodeCursor(id(page.items.back()));
  }
  return page;
}
}  // namespace

Result<Page<Job>> SqliteAnalyticsStore::ListJobs(TenantId tenant, const ListJobsOptions& options) {
  static const std::string sql =
      JobSelect() + "WHERE tenant_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3";
  return DescendingPage<Job>(
      *this, sql, tenant, options.limit, options.cursor,
      [](const Row& r) { return internal::ReadJob(r); }, [](const Job& j) { return j.id.value; });
}

// ---- Model fits ---------------------------------------------------------------------------------

Result<std::unique_ptr<FitWriter>> SqliteAnalyticsStore::BeginFitWrite(TenantId tenant,
                                                                       const ModelFitRecord& fit) {
  CLV_RETURN_IF_ERROR(internal::ValidateFit(tenant, fit));
  auto writer = std::make_unique<SqliteFitWriter>(this, tenant, fit);
  CLV_RETURN_IF_ERROR(writer->Begin());
  return std::unique_ptr<FitWriter>(std::move(writer));
}

namespace {
Result<ModelFitRecord> ReadOneFit(SqliteAnalyticsStore& store, const char* sql, TenantId tenant,
                                  std::int64_t id) {
  std::optional<ModelFitRecord> out;
  CLV_RETURN_IF_ERROR(store.ReadConn([&](Db& db) -> Status {
    Query q(db, sql);
    q.Bind(1, tenant.value).Bind(2, id);
    CLV_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) {
      CLV_ASSIGN_OR_RETURN(out, internal::ReadFit(Row{q}));
    }
    return Status::Ok();
  }));
  if (!out) return NotFound("model fit not found");
  return *out;
}
}  // namespace

Result<ModelFitRecord> SqliteAnalyticsStore::GetCurrentFit(TenantId tenant) {
  // ?2 is unused (ReadOneFit binds it); the highest id is the current fit.
  static const std::string sql =
      FitSelect() + "WHERE tenant_id = ?1 AND ?2 = ?2 ORDER BY id DESC LIMIT 1";
  return ReadOneFit(*this, sql.c_str(), tenant, 0);
}

Result<ModelFitRecord> SqliteAnalyticsStore::GetFit(TenantId tenant, std::int64_t fit_id) {
  static const std::string sql = FitSelect() + "WHERE tenant_id = ?1 AND id = ?2";
  return ReadOneFit(*this, sql.c_str(), tenant, fit_id);
}

Result<Page<ModelFitRecord>> SqliteAnalyticsStore::ListFits(TenantId tenant,
                                                            const ListFitsOptions& options) {
  static const std::string sql =
      FitSelect() + "WHERE tenant_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3";
  return DescendingPage<ModelFitRecord>(
      *this, sql, tenant, options.limit, options.cursor,
      [](const Row& r) { return internal::ReadFit(r); },
      [](const ModelFitRecord& f) { return f.id; });
}

// ---- Customer scores ----------------------------------------------------------------------------

Status SqliteAnalyticsStore::UpsertCustomerScores(TenantId tenant,
                                                  std::span<const CustomerScore> scores) {
  CLV_RETURN_IF_ERROR(internal::ValidateScores(scores, 0));
  if (scores.empty()) return Status::Ok();
  return WriteTxn([&](Db& db) -> Status {
    const std::string& sql = InsertScoreSql(/*upsert=*/true);
    for (std::size_t i = 0; i < scores.size(); ++i)
      CLV_RETURN_IF_ERROR(
          InsertScore(db, sql, tenant, scores[i], std::nullopt, static_cast<std::int64_t>(i)));
    return Status::Ok();
  });
}

Result<ScoredCustomer> SqliteAnalyticsStore::GetCustomerScore(TenantId tenant,
                                                              CustomerId customer) {
  static const std::string sql = ScoreSelect() + "WHERE s.tenant_id = ?1 AND s.customer_id = ?2";
  std::optional<ScoredCustomer> out;
  CLV_RETURN_IF_ERROR(ReadConn([&](Db& db) -> Status {
    Query q(db, sql.c_str());
    q.Bind(1, tenant.value).Bind(2, customer.value);
    CLV_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row)
      out = ScoredCustomer{internal::ReadScoreCustomer(Row{q}, internal::kScoreColumnCount),
                           internal::ReadScore(Row{q}, 0)};
    return Status::Ok();
  }));
  if (!out) return NotFound("customer has no score");
  return *out;
}

Result<Page<ScoredCustomer>> SqliteAnalyticsStore::ListCustomerScores(
    TenantId tenant, const ListScoresOptions& options) {
  CLV_ASSIGN_OR_RETURN(int limit, ResolveLimit(options.limit));
  CLV_ASSIGN_OR_RETURN(std::optional<internal::ScoreCursor> cursor,
                       internal::DecodeScoreCursor(options));
  const bool int_key = internal::ScoreSortIsInteger(options.sort);
  const bool filtered = options.segment || options.churn_risk || options.clv_tier;
  Page<ScoredCustomer> page;
  CLV_RETURN_IF_ERROR(ReadConn([&](Db& db) -> Status {
    auto run = [&](bool scan) -> Status {
      page.items.clear();
      Query q(db, ListScoresSql(options.sort, options.descending, cursor.has_value(), scan));
      q.Bind(1, tenant.value);
      if (options.segment) q.Bind(2, std::string_view(*options.segment));
      if (options.churn_risk) q.Bind(3, std::string_view(*options.churn_risk));
      if (options.clv_tier) q.Bind(4, std::string_view(*options.clv_tier));
      if (cursor) {
        if (int_key) q.Bind(5, cursor->int_key); else q.BindDouble(5, cursor->double_key);
        q.Bind(6, cursor->customer);
      }
      q.Bind(7, std::int64_t{limit} + 1);
      while (true) {
        CLV_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) return Status::Ok();
        page.items.push_back(
            ScoredCustomer{internal::ReadScoreCustomer(Row{q}, internal::kScoreColumnCount),
                           internal::ReadScore(Row{q}, 0)});
      }
    };
    if (!filtered) return run(/*scan=*/false);
    // A filtered page: the index walk under a budget, then the scan if the walk ran out.
    int steps = 0;
    sqlite3_progress_handler(
        db.raw(), kProgressStep,
        [](void* n) -> int { return ++*static_cast<int*>(n) > kWalkBudgetSteps ? 1 : 0; }, &steps);
    Status walked = run(/*scan=*/false);
    sqlite3_progress_handler(db.raw(), 0, nullptr, nullptr);
    if (walked.ok() || steps <= kWalkBudgetSteps) return walked;
    return run(/*scan=*/true);
  }));
  if (page.items.size() > static_cast<std::size_t>(limit)) {
    page.items.pop_back();
    page.next_cursor = internal::EncodeScoreCursor(options, page.items.back().score);
  }
  return page;
}

Result<std::vector<std::vector<ScoreGroup>>> SqliteAnalyticsStore::AggregateScores(
    TenantId tenant, std::span<const ScoreGroupBy> groupings) {
  CLV_RETURN_IF_ERROR(internal::ValidateGroupings(groupings));
  std::vector<internal::ScoreGroupSums> sums(groupings.size());
  CLV_RETURN_IF_ERROR(ReadConn([&](Db& db) -> Status {
    // One statement: one scan of one snapshot for every grouping.
    Query q(db, kAggregateSql);
    q.Bind(1, tenant.value);
    while (true) {
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) return Status::Ok();
      const std::int64_t historical = q.Int(0);
      const double predicted = q.Double(1);
      const double at_risk = q.Double(2);
      for (std::size_t k = 0; k < sums.size(); ++k) {
        sums[k].Add(q.TextView(kAggregateKeyAt + static_cast<int>(groupings[k])), 1, historical,
                    predicted, at_risk);
      }
    }
  }));
  std::vector<std::vector<ScoreGroup>> out;
  out.reserve(sums.size());
  for (internal::ScoreGroupSums& s : sums) out.push_back(std::move(s).Take());
  return out;
}

Result<std::vector<AnalysisRow>> SqliteAnalyticsStore::AnalysisRowsForCustomers(
    TenantId tenant, std::span<const CustomerId> customers) {
  std::vector<std::int64_t> ids;
  ids.reserve(customers.size());
  for (CustomerId c : customers) ids.push_back(c.value);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<AnalysisRow> out;
  if (ids.empty()) return out;
  CLV_RETURN_IF_ERROR(ReadConn([&](Db& db) -> Status {
    // One read transaction: every customer's rows come from the same snapshot.
    CLV_RETURN_IF_ERROR(db.Exec("BEGIN"));
    Status s = [&]() -> Status {
      for (std::int64_t id : ids) {
        // The index (tenant_id, customer_id, placed_at, id) yields each customer's rows in order.
        Query q(db,
                "SELECT placed_at, "
                "CASE WHEN kind = 'refund' THEN -total_minor ELSE total_minor END, currency "
                "FROM orders WHERE tenant_id = ?1 AND customer_id = ?2 AND status <> 'cancelled' "
                "ORDER BY placed_at, id");
        q.Bind(1, tenant.value).Bind(2, id);
        while (true) {
          CLV_ASSIGN_OR_RETURN(bool row, q.Step());
          if (!row) break;
          out.push_back(AnalysisRow{CustomerId{id}, q.Int(0), q.Int(1), q.Text(2)});
        }
      }
      return Status::Ok();
    }();
    if (s.ok()) return db.Exec("COMMIT");
    (void)db.Exec("ROLLBACK");
    return s;
  }));
  return out;
}

}  // namespace clv::storage::sqlite
