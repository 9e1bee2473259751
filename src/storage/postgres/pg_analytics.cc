#include "storage/postgres/pg_analytics.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "storage/analytics_common.h"
#include "storage/common.h"

namespace clv::storage::postgres {
namespace {

using internal::Cat;
using internal::DecodeDescendingCursor;
using internal::EncodeCursor;
using internal::FitSelect;
using internal::JobSelect;
using internal::ResolveLimit;
using internal::ScoreSelect;

// Serialises, per tenant, the statements that replace or upsert scores (fit commits and
// incremental rescoring), and makes "highest fit id = last committed fit" hold: the fit's id is
// drawn under this lock. Namespace 'CLW' next to the order-merge lock 'CLV'.
constexpr const char* kTenantScoreLock =
    "SELECT pg_advisory_xact_lock(4410456, ($1::bigint % 2147483647)::int)";

// Per-connection staging table for scores, emptied at every commit or rollback.
constexpr const char* kCreateScoreStage =
    "CREATE TEMP TABLE IF NOT EXISTS clv_score_stage (LIKE customer_scores) "
    "ON COMMIT DELETE ROWS";

Status EnsureScoreStage(PgConn& c) {
  if (c.score_staging_ready) return Status::Ok();
  CLV_RETURN_IF_ERROR(c.Command(kCreateScoreStage));
  c.score_staging_ready = true;
  return Status::Ok();
}

// Shortest round-trip text of a double; NaN is SQL NULL.
Param PD(double v) {
  if (std::isnan(v)) return std::nullopt;
  if (std::isinf(v)) return std::string(v > 0 ? "Infinity" : "-Infinity");
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

using Row = PgRow;

// One staged row: tenant_id, then kScoreColumns.
void AppendScoreRow(std::string& out, TenantId tenant, const CustomerScore& s) {
  CopyRowWriter row(out);
  row.Int(tenant.value);
  internal::VisitScore(s, [&](int, auto v) {
    using T = decltype(v);
    if constexpr (std::is_same_v<T, double>) {
      if (std::isnan(v)) {
        row.Null();
      } else if (std::isinf(v)) {
        row.Raw(v > 0 ? "Infinity" : "-Infinity");
      } else {
        char buf[64];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
        row.Raw(std::string_view(buf, static_cast<std::size_t>(end - buf)));
      }
    } else if constexpr (std::is_same_v<T, std::string_view>) {
      row.Text(v);
    } else {
      row.Int(v);
    }
  });
  row.End();
}

const std::string& CopyScoresSql() {
  static const std::string s =
      Cat({"COPY clv_score_stage (tenant_id, ", internal::kScoreColumns, ") FROM STDIN"});
  return s;
}

// The first staged customer that is not in the tenant, as NotFound.
Status CheckStagedCustomers(PgConn& c, TenantId tenant) {
  CLV_ASSIGN_OR_RETURN(
      PgResult r,
      c.Exec("SELECT s.customer_id FROM clv_score_stage s WHERE NOT EXISTS "
             "(SELECT 1 FROM customers c WHERE c.tenant_id = $1 AND c.id = s.customer_id) "
             "ORDER BY s.customer_id LIMIT 1",
             {P(tenant.value)}));
  if (r.rows() > 0) return NotFound("customer " + r.Text(0, 0) + " not found");
  return Status::Ok();
}

Status DuplicateAsInvalid(Status s) {
  if (s.code() == StatusCode::kAlreadyExists)
    return InvalidArgument("a customer appears twice in the fit's scores (" + s.message() + ")");
  return s;
}

// One row of a binary COPY into a fit's partition: tenant_id, then kScoreColumns (all bigint,
// double precision or text; NaN doubles are NULL). Binary spares the server parsing 28 numbers
// per row as text — most of the COPY's CPU time for a million scores.
void AppendScoreRowBinary(std::string& out, TenantId tenant, std::int64_t fit_id,
                          const CustomerScore& s) {
  auto put16 = [&](std::uint16_t v) {
    v = __builtin_bswap16(v);
    out.append(reinterpret_cast<const char*>(&v), 2);
  };
  auto put32 = [&](std::uint32_t v) {
    v = __builtin_bswap32(v);
    out.append(reinterpret_cast<const char*>(&v), 4);
  };
  auto put64 = [&](std::uint64_t v) {
    put32(8);
    v = __builtin_bswap64(v);
    out.append(reinterpret_cast<const char*>(&v), 8);
  };
  put16(1 + internal::kScoreColumnCount);
  put64(static_cast<std::uint64_t>(tenant.value));
  internal::VisitScore(s, [&](int column, auto v) {
    using T = decltype(v);
    if constexpr (std::is_same_v<T, double>) {
      if (std::isnan(v)) {
        put32(0xFFFFFFFFu);  // NULL
      } else {
        std::uint64_t bits;
        std::memcpy(&bits, &v, 8);
        put64(bits);
      }
    } else if constexpr (std::is_same_v<T, std::string_view>) {
      put32(static_cast<std::uint32_t>(v.size()));
      out.append(v);
    } else {
      put64(static_cast<std::uint64_t>(column == 1 ? fit_id : v));  // column 1: fit_id
    }
  });
}

// Bounds of the partition swap's lock wait (PgFitWriter::SwapWithRetry): per attempt, number of
// attempts, and the pause before attempt n (n times this).
constexpr int kSwapLockTimeoutMs = 500;
constexpr int kSwapAttempts = 4;
constexpr int kSwapRetryPauseMs = 100;

// The binary COPY header: signature, flags, header-extension length.
constexpr std::string_view kBinaryCopyHeader{"PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19};
constexpr std::string_view kBinaryCopyTrailer{"\377\377", 2};

// Writes a fit into a fresh table that becomes the tenant's partition of customer_scores at
// Commit (migration 3 partitions the table by tenant). Scores stream by binary COPY into the
// new table, which has no indexes yet; Commit checks the customers, builds the primary key and
// the sort indexes in bulk (sorted builds, not a million random inserts into six btrees), then
// swaps the partitions: DETACH + DROP of the old one (or deletion of the tenant's rows from the
// default partition), ATTACH of the new one. Readers see the old scores until COMMIT.
//
// Locks: the tenant's score lock (kTenantScoreLock) is taken at Begin and the fit id drawn
// under it then, so the scores can carry their final fit_id as they are copied; incremental
// rescoring of the tenant waits until the fit commits or aborts. The swap takes ACCESS
// EXCLUSIVE on customer_scores for the few catalog statements before COMMIT: it waits for
// in-flight score reads of every tenant and holds new ones back for that instant — a bounded
// wait, retried a few times, then Unavailable (SwapWithRetry).
class PgFitWriter final : public FitWriter {
 public:
  PgFitWriter(PgPool::Lease lease, TenantId tenant, ModelFitRecord fit)
      : lease_(std::move(lease)), tenant_(tenant), fit_(std::move(fit)) {}
  ~PgFitWriter() override { Abort(); }

  Status Begin() {
    Status s = lease_->Command("BEGIN");
    if (!s.ok()) {
      closed_ = true;
      return s;
    }
    open_ = true;
    s = Prepare();
    if (s.ok()) s = lease_->CopyBegin(copy_sql_.c_str());
    if (s.ok()) s = lease_->CopyPut(kBinaryCopyHeader);
    return s.ok() ? s : Fail(s);
  }

  Status Add(std::span<const CustomerScore> batch) override {
    if (!open_) return FailedPrecondition("the fit write is no longer open");
    Status s = internal::ValidateScores(batch, next_index_);
    if (!s.ok()) return Fail(s);
    buf_.clear();
    for (const CustomerScore& score : batch) {
      AppendScoreRowBinary(buf_, tenant_, fit_.id, score);
      if (buf_.size() > (1 << 20)) {
        s = lease_->CopyPut(buf_);
        if (!s.ok()) return Fail(s);
        buf_.clear();
      }
    }
    if (!buf_.empty()) s = lease_->CopyPut(buf_);
    if (!s.ok()) return Fail(s);
    next_index_ += static_cast<std::int64_t>(batch.size());
    return Status::Ok();
  }

  Result<ModelFitRecord> Commit() override {
    if (!open_) return FailedPrecondition("the fit write is no longer open");
    Status s = lease_->CopyPut(kBinaryCopyTrailer);
    if (s.ok()) s = lease_->CopyEnd();
    if (s.ok()) s = Swap();
    if (s.ok()) s = lease_->Command("COMMIT");
    if (!s.ok()) return Fail(s);
    open_ = false;
    closed_ = true;
    return fit_;
  }

  void Abort() override {
    if (!open_) return;
    lease_->AbandonCopy();
    (void)lease_->Command("ROLLBACK");  // also drops the new table
    open_ = false;
    closed_ = true;
  }

 private:
  // Inside the transaction: the tenant exists, the tenant's score lock, the fit id, the table.
  Status Prepare() {
    PgConn& c = *lease_;
    const std::vector<Param> tenant_only = {P(tenant_.value)};
    // Index builds sort in memory up to maintenance_work_mem.
    CLV_RETURN_IF_ERROR(c.Command("SET LOCAL maintenance_work_mem = '256MB'"));
    CLV_RETURN_IF_ERROR(c.Command("SET LOCAL work_mem = '128MB'"));
    {
      CLV_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT 1 FROM tenants WHERE id = $1", tenant_only));
      if (r.rows() == 0) return NotFound("tenant not found");
    }
    CLV_RETURN_IF_ERROR(c.Exec(kTenantScoreLock, tenant_only).status());
    {
      CLV_ASSIGN_OR_RETURN(
          PgResult r,
          c.Exec("SELECT nextval(pg_get_serial_sequence('model_fits', 'id')), txid_current()"));
      fit_.id = r.Int(0, 0);
      // Unique per transaction; the tenant prefix finds the partition again (OldPartitions).
      table_ = PartitionPrefix() + std::to_string(r.Int(0, 1));
    }
    // Identifiers built from integers only: safe to splice. The CHECK matching the partition
    // bound spares ATTACH its own scan under the parent's lock; declared here it is checked per
    // row as the COPY arrives instead of by one more full scan of the table at Commit.
    const std::string tenant = std::to_string(tenant_.value);
    CLV_RETURN_IF_ERROR(c.Command(Cat({"CREATE TABLE ", table_,
                                       " (LIKE customer_scores INCLUDING DEFAULTS, CONSTRAINT ",
                                       table_, "_tenant CHECK (tenant_id = ", tenant, "))"})
                                      .c_str()));
    copy_sql_ = Cat({"COPY ", table_, " (tenant_id, ", internal::kScoreColumns,
                     ") FROM STDIN (FORMAT binary)"});
    return Status::Ok();
  }

  std::string PartitionPrefix() const {
    return "customer_scores_t" + std::to_string(tenant_.value) + "_";
  }

  Status Swap() {
    PgConn& c = *lease_;
    const std::vector<Param> tenant_only = {P(tenant_.value)};
    {
      CLV_ASSIGN_OR_RETURN(
          PgResult r,
          c.Exec(("SELECT s.customer_id FROM " + table_ +
                  " s WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = $1 AND "
                  "c.id = s.customer_id) ORDER BY s.customer_id LIMIT 1")
                     .c_str(),
                 tenant_only));
      if (r.rows() > 0) return NotFound("customer " + r.Text(0, 0) + " not found");
    }
    CLV_RETURN_IF_ERROR(DuplicateAsInvalid(c.Command(
        ("ALTER TABLE " + table_ + " ADD PRIMARY KEY (tenant_id, customer_id)").c_str())));
    // The parent's sort indexes (migrations.cc); ATTACH adopts matching ones.
    static constexpr const char* kSortKeys[] = {
        "predicted_clv_minor", "historical_clv_minor", "p_alive", "expected_purchases_365d",
        "value_at_risk_minor", "last_order_day"};
    for (const char* key : kSortKeys) {
      CLV_RETURN_IF_ERROR(c.Command(
          Cat({"CREATE INDEX ON ", table_, " (tenant_id, ", key, ", customer_id)"}).c_str()));
    }
    static const std::string insert_fit =
        Cat({"INSERT INTO model_fits (tenant_id, id, ", internal::kFitColumns,
             ") VALUES ($1, $19, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
             "$16, $17, $18)"});
    CLV_RETURN_IF_ERROR(
        c.Exec(insert_fit.c_str(),
               {P(tenant_.value), fit_.job ? P(fit_.job->value) : Param(), P(fit_.created_at_us),
                P(fit_.as_of_us), P(fit_.as_of_explicit ? "true" : "false"), P(fit_.currency),
                P(fit_.model), P(internal::EncodeDoubles(fit_.model_params)),
                P(internal::EncodeDoubles(fit_.gamma_gamma_params)), P(fit_.spend_model),
                P(fit_.period), P(fit_.resolution), PD(fit_.horizon_periods),
                P(std::int64_t{fit_.clv_months}), PD(fit_.discount_rate_monthly),
                PD(fit_.margin), P(fit_.customers), P(fit_.report_json), P(fit_.id)})
            .status());
    return SwapWithRetry();
  }

  // The catalog statements of the swap need ACCESS EXCLUSIVE on customer_scores (DETACH) or on
  // its default partition (ATTACH scans it for rows of the tenant). While such a request waits,
  // PostgreSQL queues every new reader of the table behind it, so an unbounded wait behind one
  // long read (an export, a slow list) would stall every tenant's score reads. Each attempt
  // therefore waits at most kSwapLockTimeoutMs; on a timeout (or a deadlock) the attempt is
  // rolled back to a savepoint — the loaded, indexed table and the fit row stay — the queued
  // readers go through during a short pause, and the swap is tried again, kSwapAttempts times
  // in all. After that Commit fails with Unavailable and nothing of the fit is kept.
  Status SwapWithRetry() {
    PgConn& c = *lease_;
    // set_config(..., true) is SET LOCAL with the value as a parameter (milliseconds, the
    // setting's unit), so the bound and the error message below share kSwapLockTimeoutMs.
    CLV_RETURN_IF_ERROR(c.Exec("SELECT set_config('lock_timeout', $1, true)",
                               {P(std::int64_t{kSwapLockTimeoutMs})})
                            .status());
    CLV_RETURN_IF_ERROR(c.Command("SAVEPOINT clv_swap"));
    for (int attempt = 1;; ++attempt) {
      Status s = SwapPartitions();
      if (s.ok()) return c.Command("RELEASE SAVEPOINT clv_swap");
      // Unavailable on a healthy connection: lock timeout, deadlock or serialization failure —
      // the transaction is intact up to the savepoint. Anything else is final.
      if (s.code() != StatusCode::kUnavailable || !c.healthy()) return s;
      CLV_RETURN_IF_ERROR(c.Command("ROLLBACK TO SAVEPOINT clv_swap"));
      if (attempt == kSwapAttempts) {
        return Unavailable(
            "the new scores could not be swapped in: customer_scores stayed locked by other "
            "sessions through " + std::to_string(kSwapAttempts) + " attempts of " +
            std::to_string(kSwapLockTimeoutMs) + " ms; nothing was written (last error: " +
            s.message() + ")");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(kSwapRetryPauseMs * attempt));
    }
  }

  // DETACH + DROP of the tenant's old partition (or deletion of its rows from the default
  // partition), ATTACH of the new table.
  Status SwapPartitions() {
    PgConn& c = *lease_;
    const std::vector<Param> tenant_only = {P(tenant_.value)};
    const std::string tenant = std::to_string(tenant_.value);
    // The old partition is found by name (one per tenant at most).
    CLV_ASSIGN_OR_RETURN(
        PgResult old,
        c.Exec("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
               "WHERE i.inhparent = 'customer_scores'::regclass AND left(c.relname, $2) = $1",
               {P(PartitionPrefix()), P(static_cast<std::int64_t>(PartitionPrefix().size()))}));
    for (int i = 0; i < old.rows(); ++i) {
      const std::string name = old.Text(i, 0);
      CLV_RETURN_IF_ERROR(
          c.Command(("ALTER TABLE customer_scores DETACH PARTITION " + name).c_str()));
      CLV_RETURN_IF_ERROR(c.Command(("DROP TABLE " + name).c_str()));
    }
    // Scores written before the tenant had a partition (incremental rescoring) live in the
    // default partition; ATTACH refuses while any of them remain.
    CLV_RETURN_IF_ERROR(
        c.Exec("DELETE FROM customer_scores_default WHERE tenant_id = $1", tenant_only).status());
    return c.Command(Cat({"ALTER TABLE customer_scores ATTACH PARTITION ", table_,
                          " FOR VALUES IN (", tenant, ")"})
                         .c_str());
  }

  Status Fail(Status s) {
    Abort();
    return s;
  }

  PgPool::Lease lease_;
  const TenantId tenant_;
  ModelFitRecord fit_;
  std::string table_;
  std::string copy_sql_;
  std::string buf_;
  std::int64_t next_index_ = 0;
  bool open_ = false;
  bool closed_ = false;
};

// Runs `body` in a transaction on a pooled connection; commits on OK.
template <typename Body>
Status Txn(PgPool& pool, Body&& body) {
  CLV_ASSIGN_OR_RETURN(PgPool::Lease c, pool.Acquire());
  CLV_RETURN_IF_ERROR(c->Command("BEGIN"));
  Status s = body(*c);
  if (s.ok()) s = c->Command("COMMIT");
  if (!s.ok()) (void)c->Command("ROLLBACK");
  return s;
}

Result<PgResult> Query(PgPool& pool, const char* sql, const std::vector<Param>& params) {
  CLV_ASSIGN_OR_RETURN(PgPool::Lease c, pool.Acquire());
  return c->Exec(sql, params);
}

bool ChangedNothing(const PgResult& r) { return std::string_view(PQcmdTuples(r.raw())) == "0"; }

Status JobNotHeld(PgConn& c, TenantId tenant, JobId job, std::string_view worker) {
  CLV_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT status, worker FROM jobs WHERE tenant_id = $1 "
                                          "AND id = $2",
                                          {P(tenant.value), P(job.value)}));
  if (r.rows() == 0) return NotFound("job not found");
  return FailedPrecondition("job " + std::to_string(job.value) + " is " + r.Text(0, 0) +
                            (r.View(0, 1).empty() ? "" : " under worker '" + r.Text(0, 1) + "'") +
                            ", not running under '" + std::string(worker) + "'");
}

template <typename T, typename Read>
Result<Page<T>> DescendingPage(PgPool& pool, const std::string& sql, TenantId tenant,
                               const std::string& cursor, int requested_limit, Read&& read,
                               std::int64_t (*id_of)(const T&)) {
  CLV_ASSIGN_OR_RETURN(int limit, ResolveLimit(requested_limit));
  CLV_ASSIGN_OR_RETURN(std::int64_t before, DecodeDescendingCursor(cursor));
  CLV_ASSIGN_OR_RETURN(PgResult r, Query(pool, sql.c_str(),
                                         {P(tenant.value), P(before), P(std::int64_t{limit} + 1)}));
  Page<T> page;
  for (int i = 0; i < r.rows(); ++i) {
    CLV_ASSIGN_OR_RETURN(T item, read(Row{r, i}));
    page.items.push_back(std::move(item));
  }
  if (page.items.size() > static_cast<std::size_t>(limit)) {
    page.items.pop_back();
    page.next_cursor = EncodeCursor(id_of(page.items.back()));
  }
  return page;
}

}  // namespace

// ---- Jobs ---------------------------------------------------------------------------------------

Result<EnqueuedJob> PgAnalyticsStore::EnqueueJob(TenantId tenant, std::string_view kind,
                                                 std::string_view params_json,
                                                 std::optional<UserId> created_by,
                                                 UnixMicros now) {
  CLV_RETURN_IF_ERROR(internal::ValidateJobKind(kind));
  static const std::string insert = Cat(
      {"INSERT INTO jobs (tenant_id, kind, status, params, created_by, created_at) "
       "SELECT $1, $2, 'queued', $3, $4, $5 WHERE EXISTS (SELECT 1 FROM tenants WHERE id = $1) "
       "ON CONFLICT (tenant_id, kind) WHERE status IN ('queued', 'running') DO NOTHING "
       "RETURNING ",
       internal::kJobColumns});
  static const std::string active =
      JobSelect() + "WHERE tenant_id = $1 AND kind = $2 AND status IN ('queued', 'running')";
  CLV_ASSIGN_OR_RETURN(PgPool::Lease c, analytics_pool().Acquire());
  // The unique partial index decides between concurrent enqueuers; the loser reads the winner's
  // job. If that job finished in between, try again (bounded: each round needs a new finisher).
  for (int attempt = 0; attempt < 5; ++attempt) {
    CLV_ASSIGN_OR_RETURN(
        PgResult r, c->Exec(insert.c_str(), {P(tenant.value), P(kind), P(params_json),
                                             created_by ? P(created_by->value) : Param(), P(now)}));
    if (r.rows() == 1) {
      CLV_ASSIGN_OR_RETURN(Job job, internal::ReadJob(Row{r, 0}));
      return EnqueuedJob{std::move(job), true};
    }
    CLV_ASSIGN_OR_RETURN(PgResult a, c->Exec(active.c_str(), {P(tenant.value), P(kind)}));
    if (a.rows() == 1) {
      CLV_ASSIGN_OR_RETURN(Job job, internal::ReadJob(Row{a, 0}));
      return EnqueuedJob{std::move(job), false};
    }
    CLV_ASSIGN_OR_RETURN(PgResult t, c->Exec("SELECT 1 FROM tenants WHERE id = $1",
                                             {P(tenant.value)}));
    if (t.rows() == 0) return NotFound("tenant not found");
  }
  return Unavailable("jobs of this kind keep finishing while enqueueing; retry");
}

Result<std::optional<Job>> PgAnalyticsStore::ClaimJob(std::string_view worker, UnixMicros now,
                                                      UnixMicros stale_before) {
  CLV_RETURN_IF_ERROR(internal::ValidateWorker(worker));
  // SKIP LOCKED: a job another instance is claiming right now is passed over, not waited for,
  // and the row lock plus the re-check of the WHERE clause under it mean no job is claimed twice.
  static const std::string claim = Cat(
      {"UPDATE jobs j SET status = 'running', worker = $1, started_at = $2, heartbeat_at = $2, "
       "attempts = j.attempts + 1, progress = 0, stage = '' "
       "FROM (SELECT tenant_id AS t, id AS i FROM jobs "
       "      WHERE status IN ('queued', 'running') AND (status = 'queued' OR heartbeat_at < $3) "
       "      ORDER BY created_at, tenant_id, id LIMIT 1 FOR UPDATE SKIP LOCKED) c "
       "WHERE j.tenant_id = c.t AND j.id = c.i RETURNING ",
       internal::kJobColumns});
  CLV_ASSIGN_OR_RETURN(PgResult r,
                       Query(analytics_pool(), claim.c_str(), {P(worker), P(now), P(stale_before)}));
  if (r.rows() == 0) return std::optional<Job>();
  CLV_ASSIGN_OR_RETURN(Job job, internal::ReadJob(Row{r, 0}));
  return std::optional<Job>(std::move(job));
}

Status PgAnalyticsStore::UpdateJobProgress(TenantId tenant, JobId job, std::string_view worker,
                                           double progress, std::string_view stage,
                                           UnixMicros now) {
  CLV_RETURN_IF_ERROR(internal::ValidateProgress(progress));
  return Txn(analytics_pool(), [&](PgConn& c) -> Status {
    CLV_ASSIGN_OR_RETURN(
        PgResult r,
        c.Exec("UPDATE jobs SET progress = $4, stage = $5, heartbeat_at = $6 "
               "WHERE tenant_id = $1 AND id = $2 AND status = 'running' AND worker = $3",
               {P(tenant.value), P(job.value), P(worker), PD(progress), P(stage), P(now)}));
    return ChangedNothing(r) ? JobNotHeld(c, tenant, job, worker) : Status::Ok();
  });
}

Status PgAnalyticsStore::FinishJob(TenantId tenant, JobId job, std::string_view worker,
                                   bool succeeded, std::string_view result_json,
                                   std::string_view error, UnixMicros now) {
  return Txn(analytics_pool(), [&](PgConn& c) -> Status {
    CLV_ASSIGN_OR_RETURN(
        PgResult r,
        c.Exec("UPDATE jobs SET status = $4, result = $5, error = $6, finished_at = $7, "
               "heartbeat_at = $7, "
               "progress = CASE WHEN $4 = 'succeeded' THEN 1 ELSE progress END "
               "WHERE tenant_id = $1 AND id = $2 AND status = 'running' AND worker = $3",
               {P(tenant.value), P(job.value), P(worker),
                P(JobStatusName(succeeded ? JobStatus::kSucceeded : JobStatus::kFailed)),
                P(succeeded ? result_json : std::string_view()),
                P(succeeded ? std::string_view() : error), P(now)}));
    return ChangedNothing(r) ? JobNotHeld(c, tenant, job, worker) : Status::Ok();
  });
}

Result<Job> PgAnalyticsStore::GetJob(TenantId tenant, JobId job) {
  static const std::string sql = JobSelect() + "WHERE tenant_id = $1 AND id = $2";
  CLV_ASSIGN_OR_RETURN(PgResult r,
                       Query(analytics_pool(), sql.c_str(), {P(tenant.value), P(job.value)}));
  if (r.rows() == 0) return NotFound("job not found");
  return internal::ReadJob(Row{r, 0});
}

Result<Page<Job>> PgAnalyticsStore::ListJobs(TenantId tenant, const ListJobsOptions& options) {
  static const std::string sql =
      JobSelect() + "WHERE tenant_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";
  return DescendingPage<Job>(
      analytics_pool(), sql, tenant, options.cursor, options.limit,
      [](const Row& row) { return internal::ReadJob(row); },
      +[](const Job& j) { return j.id.value; });
}

// ---- Model fits ---------------------------------------------------------------------------------

Result<std::unique_ptr<FitWriter>> PgAnalyticsStore::BeginFitWrite(TenantId tenant,
                                                                   const ModelFitRecord& fit) {
  CLV_RETURN_IF_ERROR(internal::ValidateFit(tenant, fit));
  CLV_ASSIGN_OR_RETURN(PgPool::Lease c, analytics_pool().Acquire());
  auto writer = std::make_unique<PgFitWriter>(std::move(c), tenant, fit);
  CLV_RETURN_IF_ERROR(writer->Begin());
  return std::unique_ptr<FitWriter>(std::move(writer));
}

Result<ModelFitRecord> PgAnalyticsStore::GetCurrentFit(TenantId tenant) {
  static const std::string sql = FitSelect() + "WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1";
  CLV_ASSIGN_OR_RETURN(PgResult r, Query(analytics_pool(), sql.c_str(), {P(tenant.value)}));
  if (r.rows() == 0) return NotFound("no model fit yet");
  return internal::ReadFit(Row{r, 0});
}

Result<ModelFitRecord> PgAnalyticsStore::GetFit(TenantId tenant, std::int64_t fit_id) {
  static const std::string sql = FitSelect() + "WHERE tenant_id = $1 AND id = $2";
  CLV_ASSIGN_OR_RETURN(PgResult r,
                       Query(analytics_pool(), sql.c_str(), {P(tenant.value), P(fit_id)}));
  if (r.rows() == 0) return NotFound("model fit not found");
  return internal::ReadFit(Row{r, 0});
}

Result<Page<ModelFitRecord>> PgAnalyticsStore::ListFits(TenantId tenant,
                                                        const ListFitsOptions& options) {
  static const std::string sql =
      FitSelect() + "WHERE tenant_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";
  return DescendingPage<ModelFitRecord>(
      analytics_pool(), sql, tenant, options.cursor, options.limit,
      [](const Row& row) { return internal::ReadFit(row); },
      +[](const ModelFitRecord& f) { return f.id; });
}

// ---- Customer scores ----------------------------------------------------------------------------

Status PgAnalyticsStore::UpsertCustomerScores(TenantId tenant,
                                              std::span<const CustomerScore> scores) {
  CLV_RETURN_IF_ERROR(internal::ValidateScores(scores, 0));
  if (scores.empty()) return Status::Ok();
  CLV_ASSIGN_OR_RETURN(PgPool::Lease c, analytics_pool().Acquire());
  CLV_RETURN_IF_ERROR(EnsureScoreStage(*c));
  CLV_RETURN_IF_ERROR(c->Command("BEGIN"));
  Status s = [&]() -> Status {
    CLV_RETURN_IF_ERROR(c->CopyBegin(CopyScoresSql().c_str()));
    std::string buf;
    for (const CustomerScore& score : scores) AppendScoreRow(buf, tenant, score);
    Status put = c->CopyPut(buf);
    if (!put.ok()) {
      c->AbandonCopy();
      return put;
    }
    CLV_RETURN_IF_ERROR(c->CopyEnd());
    const std::vector<Param> tenant_only = {P(tenant.value)};
    CLV_RETURN_IF_ERROR(c->Exec(kTenantScoreLock, tenant_only).status());
    CLV_RETURN_IF_ERROR(CheckStagedCustomers(*c, tenant));
    static const std::string upsert = [] {
      return Cat({"INSERT INTO customer_scores (tenant_id, ", internal::kScoreColumns,
                  ") SELECT $1, ", internal::kScoreColumns,
                  " FROM clv_score_stage "
                  "ON CONFLICT (tenant_id, customer_id) DO UPDATE SET ",
                  internal::ScoreUpsertAssignments()});
    }();
    return c->Exec(upsert.c_str(), tenant_only).status();
  }();
  if (s.ok()) s = c->Command("COMMIT");
  if (!s.ok()) (void)c->Command("ROLLBACK");
  return s;
}

Result<ScoredCustomer> PgAnalyticsStore::GetCustomerScore(TenantId tenant, CustomerId customer) {
  static const std::string sql = ScoreSelect() + "WHERE s.tenant_id = $1 AND s.customer_id = $2";
  CLV_ASSIGN_OR_RETURN(PgResult r, Query(analytics_pool(), sql.c_str(),
                                         {P(tenant.value), P(customer.value)}));
  if (r.rows() == 0) return NotFound("customer has no score");
  return ScoredCustomer{internal::ReadScoreCustomer(Row{r, 0}, internal::kScoreColumnCount),
                        internal::ReadScore(Row{r, 0}, 0)};
}

Result<Page<ScoredCustomer>> PgAnalyticsStore::ListCustomerScores(
    TenantId tenant, const ListScoresOptions& options) {
  CLV_ASSIGN_OR_RETURN(int limit, ResolveLimit(options.limit));
  CLV_ASSIGN_OR_RETURN(std::optional<internal::ScoreCursor> cursor,
                       internal::DecodeScoreCursor(options));
  const bool int_key = internal::ScoreSortIsInteger(options.sort);
  // The column name comes from a fixed table (never from input); values are parameters.
  const std::string k = std::string("s.") + internal::ScoreSortColumn(options.sort);
  const char* dir = options.descending ? " DESC" : " ASC";
  std::string sql = ScoreSelect() +
                    "WHERE s.tenant_id = $1 AND ($2::text IS NULL OR s.segment = $2) "
                    "AND ($3::text IS NULL OR s.churn_risk = $3) "
                    "AND ($4::text IS NULL OR s.clv_tier = $4) ";
  std::vector<Param> params = {P(tenant.value),
                               options.segment ? P(*options.segment) : Param(),
                               options.churn_risk ? P(*options.churn_risk) : Param(),
                               options.clv_tier ? P(*options.clv_tier) : Param(),
                               P(std::int64_t{limit} + 1)};
  if (cursor) {
    // A row comparison on (key, customer) is one index range in PostgreSQL.
    sql += Cat({"AND (", k, ", s.customer_id) ", options.descending ? "<" : ">", " ($6::",
                int_key ? "bigint" : "double precision", ", $7::bigint) "});
    params.push_back(int_key ? P(cursor->int_key) : PD(cursor->double_key));
    params.push_back(P(cursor->customer));
  }
  sql += Cat({"ORDER BY ", k, dir, ", s.customer_id", dir, " LIMIT $5"});
  CLV_ASSIGN_OR_RETURN(PgResult r, Query(analytics_pool(), sql.c_str(), params));
  Page<ScoredCustomer> page;
  for (int i = 0; i < r.rows(); ++i) {
    page.items.push_back(
        ScoredCustomer{internal::ReadScoreCustomer(Row{r, i}, internal::kScoreColumnCount),
                       internal::ReadScore(Row{r, i}, 0)});
  }
  if (page.items.size() > static_cast<std::size_t>(limit)) {
    page.items.pop_back();
    page.next_cursor = internal::EncodeScoreCursor(options, page.items.back().score);
  }
  return page;
}

Result<std::vector<std::vector<ScoreGroup>>> PgAnalyticsStore::AggregateScores(
    TenantId tenant, std::span<const ScoreGroupBy> groupings) {
  CLV_RETURN_IF_ERROR(internal::ValidateGroupings(groupings));
  // One statement with a grouping set per grouping: PostgreSQL hashes every set in one scan of
  // one snapshot. GROUPING(c1, …, cn) has a 0 bit for the grouped column (c1 the most
  // significant), which says which grouping a result row belongs to.
  std::string cols;
  std::string sets;
  for (std::size_t k = 0; k < groupings.size(); ++k) {
    const char* col = internal::ScoreGroupColumn(groupings[k]);
    cols += k ? ", " : "";
    cols += col;
    sets += k ? ", (" : "(";
    sets += col;
    sets += ')';
  }
  const std::string sql =
      Cat({"SELECT GROUPING(", cols, "), ", cols,
           ", count(*), sum(historical_clv_minor), sum(predicted_clv_minor), "
           "sum(value_at_risk_minor) FROM customer_scores WHERE tenant_id = $1 "
           "GROUP BY GROUPING SETS (", sets, ")"});
  CLV_ASSIGN_OR_RETURN(PgResult r, Query(analytics_pool(), sql.c_str(), {P(tenant.value)}));
  const int n = static_cast<int>(groupings.size());
  const int count_at = 1 + n;
  std::vector<internal::ScoreGroupSums> sums(groupings.size());
  for (int i = 0; i < r.rows(); ++i) {
    Row row{r, i};
    const std::int64_t mask = row.Int(0);
    int k = 0;
    while (k < n && ((mask >> (n - 1 - k)) & 1) != 0) ++k;
    if (k == n) return Internal("score aggregates: a result row of no grouping set");
    sums[k].Add(row.Text(1 + k), row.Int(count_at), row.Int(count_at + 1),
                row.Double(count_at + 2), row.Double(count_at + 3));
  }
  std::vector<std::vector<ScoreGroup>> out;
  out.reserve(sums.size());
  for (internal::ScoreGroupSums& s : sums) out.push_back(std::move(s).Take());
  return out;
}

Result<std::vector<AnalysisRow>> PgAnalyticsStore::AnalysisRowsForCustomers(
    TenantId tenant, std::span<const CustomerId> customers) {
  std::vector<AnalysisRow> out;
  if (customers.empty()) return out;
  std::string ids = "{";
  for (std::size_t i = 0; i < customers.size(); ++i) {
    if (i) ids += ',';
    ids += std::to_string(customers[i].value);
  }
  ids += '}';
  CLV_ASSIGN_OR_RETURN(
      PgResult r,
      Query(analytics_pool(),
            "SELECT customer_id, placed_at, "
            "CASE WHEN kind = 'refund' THEN -total_minor ELSE total_minor END, currency "
            "FROM orders WHERE tenant_id = $1 AND customer_id = ANY ($2::bigint[]) "
            "AND status <> 'cancelled' ORDER BY customer_id, placed_at, id",
            {P(tenant.value), P(ids)}));
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(AnalysisRow{CustomerId{r.Int(i, 0)}, r.Int(i, 1), r.Int(i, 2), r.Text(i, 3)});
  return out;
}

}  // namespace clv::storage::postgres
