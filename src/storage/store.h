// The storage layer's one interface: everything the service layer reads or writes goes through
// a Store. Two implementations: SQLite (sqlite/, the embedded default) and PostgreSQL
// (postgres/, production). One contract test suite (tests/storage/store_contract_test.cc) runs
// against both, so the behaviour described here is what both do.
//
// Conventions for every method:
// - Tenant scoping: the tenant is the FIRST argument of every tenant-scoped call, and a call
//   never reads or changes another tenant's rows. An id from tenant A passed with tenant B is
//   simply not found (NotFound), never an error that reveals A's row. Ids are unique within
//   their tenant (SQLite numbers them per tenant, PostgreSQL from global sequences): always
//   pair an id with its tenant.
// - The only global lookups are by login email (FindUserByEmail: the login is platform-wide)
//   and by refresh-token hash (RotateRefreshToken, RevokeRefreshToken: the hash is a random
//   256-bit secret's digest); both return the tenant they found.
// - Times are UTC microseconds since the Unix epoch (UnixMicros), passed in by the caller (the
//   store never reads a clock), stored as BIGINT in both backends.
// - Emails are stored lower-cased (ASCII); comparisons are case-insensitive.
// - Errors: InvalidArgument (bad input, bad cursor, bad limit), NotFound, AlreadyExists
//   (unique email or token hash taken), Unauthenticated (refresh-token checks),
//   FailedPrecondition (schema missing or newer than this binary), Unavailable (database
//   unreachable, locked for longer than the busy timeout, connection pool exhausted; a retry
//   later may work), Internal (anything unexpected; the message names the operation).
// - Atomicity: every mutating call is one transaction; on any error nothing it did remains,
//   except RotateRefreshToken's reuse detection, which deliberately commits the family
//   revocation before answering Unauthenticated.
// - Thread safety: a Store is safe to use from many threads at once. SQLite serialises all
//   writes through one connection (in-process lock + BEGIN IMMEDIATE across processes), reads
//   use a pool of read-only connections; PostgreSQL uses a pool of `pool_size` connections.
//   Calls block (disk or network I/O): never call them on an event-loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "core/status.h"

namespace clv::storage {

// The schema version this binary knows (the highest migration number of both backends; the
// backends share numbering). Migrate() brings a database up to it; a database whose version is
// higher is refused with FailedPrecondition.
inline constexpr int kSchemaVersion = 6;

struct StoreOptions {
  // PostgreSQL: maximum number of connections (opened lazily). SQLite: maximum number of read
  // connections besides the one writer. Must be >= 1.
  int pool_size = 4;
  // SQLite: how long a write waits for the database lock (other process or import in progress)
  // before answering Unavailable. PostgreSQL: how long a call waits for a free pooled
  // connection before answering Unavailable.
  int busy_timeout_ms = 5000;
  // PostgreSQL: libpq connect_timeout in seconds when the URL does not set one.
  int connect_timeout_s = 5;
};

struct TenantWithOwner {
  Tenant tenant;
  User owner;
};

// Who a refresh token belongs to; returned by a successful rotation.
struct RefreshTokenOwner {
  TenantId tenant;
  UserId user;
  std::string family_id;
};

// Counts of an order write. created + updated + unchanged = number of inputs.
struct UpsertResult {
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::int64_t unchanged = 0;
  // Customers whose orders or aggregates changed (created or updated orders, including the
  // previous customer of an order that moved), ascending, without duplicates. Unchanged orders
  // contribute nothing, even if they set a customer's email.
  std::vector<CustomerId> affected_customers;
};

// Page request for the List* calls. limit: 1..kMaxPageLimit, 0 means kDefaultPageLimit; other
// values are InvalidArgument. cursor: empty for the first page, else the next_cursor of the
// previous page, opaque; a malformed cursor is InvalidArgument.
inline constexpr int kDefaultPageLimit = 100;
inline constexpr int kMaxPageLimit = 1000;

struct ListCustomersOptions {
  int limit = 0;
  std::string cursor;
  // Exact filters; both may be set. external_id matches any source unless `source` is set.
  std::optional<std::string> source;
  std::optional<std::string> external_id;
  std::optional<std::string> email;  // case-insensitive
};

struct ListOrdersOptions {
  int limit = 0;
  std::string cursor;
  std::optional<CustomerId> customer;
};

struct ListAuditOptions {
  int limit = 0;
  std::string cursor;
};

// Items ascend by id (keyset pagination, so pages stay complete and duplicate-free while rows
// are added). next_cursor is empty on the last page.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_cursor;
};

struct AuditEntry {
  TenantId tenant;
  std::int64_t id = 0;
  UnixMicros at_us = 0;
  std::optional<UserId> actor;  // empty for the system (CLI, jobs)
  std::string action;           // e.g. "user.create"
  std::string detail_json;      // a JSON document, stored as text
};

// One cash flow for the analytics service: an order (positive amount) or a refund (negative).
// Cancelled orders are left out; an order with status refunded still counts positive, its
// refund rows negative.
struct AnalysisRow {
  CustomerId customer;
  UnixMicros placed_at_us = 0;
  std::int64_t amount_minor = 0;
  std::string currency;
};

// A bulk import into one tenant (Store::BeginImport). Add() streams batches into the database
// (memory stays bounded by the batch, not the import); Commit() makes the whole import visible
// at once, Abort() (or destroying the importer without Commit) discards all of it.
// Semantics, counts and errors are those of Store::UpsertOrders applied to the concatenation of
// all batches, with indexes counted across the whole import; a refund may reference an order
// earlier in the import. An error from Add() or Commit() aborts the import: later calls answer
// FailedPrecondition. Not thread-safe: one thread at a time (it may change threads).
// SQLite: the import holds the database's write lock from BeginImport to Commit/Abort, so other
// writes wait (up to the busy timeout, then Unavailable) meanwhile; reads of a file database go
// on (WAL), reads of an in-memory database wait too. PostgreSQL: rows go to a temporary staging
// table by COPY and are merged at Commit, under the tenant's order-write lock — except a
// tenant's first import (no customer yet), which takes that lock in BeginImport, holds it to
// Commit/Abort (the tenant's other order writes wait meanwhile) and COPYs rows straight into
// the tables; it keeps 16–32 bytes per row plus a record per customer and per refund in memory.
class OrderImporter {
 public:
  virtual ~OrderImporter() = default;
  virtual Status Add(std::span<const OrderInput> batch) = 0;
  virtual Result<UpsertResult> Commit() = 0;
  virtual void Abort() = 0;
};

// ---- Analytics: jobs, model fits, customer scores ---------------------------------------------
// The storage layer keeps these as plain records: it knows nothing of models (engine/) — segment,
// tier and churn-band keys are the engine's stable keys stored as text, and a fit's report is a
// JSON document the service layer writes and reads.

enum class JobStatus { kQueued, kRunning, kSucceeded, kFailed };
std::string_view JobStatusName(JobStatus status);  // "queued", "running", "succeeded", "failed"

// A durable unit of background work (a CLV calculation). At most one job of a kind is active
// (queued or running) per tenant. A running job holds a lease: its worker renews it
// (heartbeat_at) while it works; a running job whose heartbeat is older than the caller's
// `stale_before` belongs to a dead worker and is claimed again (attempts + 1).
struct Job {
  TenantId tenant;
  JobId id;
  std::string kind;          // e.g. "clv.calculate"
  JobStatus status = JobStatus::kQueued;
  std::string params_json;   // the request, a JSON document
  std::optional<UserId> created_by;
  double progress = 0;       // 0..1
  std::string stage;         // free text from the worker ("fitting", ...)
  int attempts = 0;          // claims so far (1 on the first run)
  std::string worker;        // who holds or last held it; empty while queued the first time
  std::string error;         // set when failed
  std::string result_json;   // set when succeeded (a JSON document, e.g. {"fit_id": 3})
  UnixMicros created_at_us = 0;
  std::optional<UnixMicros> started_at_us;   // the latest claim
  std::optional<UnixMicros> heartbeat_at_us;
  std::optional<UnixMicros> finished_at_us;
};

struct EnqueuedJob {
  Job job;
  bool created = false;  // false: an active job of that kind already existed and is returned
};

struct ListJobsOptions {
  int limit = 0;
  std::string cursor;
};

// One stored calculation. Ids are per tenant and increase: the highest id is the current fit.
// What incremental scoring needs to rescore a customer without refitting is in typed fields;
// everything else the API shows (standard errors, diagnostics, other models, backtest, forecast,
// cohorts at fit time) is in report_json.
struct ModelFitRecord {
  TenantId tenant;
  std::int64_t id = 0;                 // assigned by the store
  std::optional<JobId> job;            // the job that made it (none for CLI-made fits)
  UnixMicros created_at_us = 0;
  UnixMicros as_of_us = 0;             // the calculation's observation end
  bool as_of_explicit = false;         // the request named as_of (else it was "now")
  std::string currency;
  std::string model;                   // the chosen purchase model, "bgnbd" | "mbgnbd" | "pnbd"
  std::vector<double> model_params;    // in the engine's parameter order for that model
  std::vector<double> gamma_gamma_params;  // p, q, v; empty when spend is "customer_mean"
  std::string spend_model;             // "gamma_gamma" | "customer_mean"
  std::string period;                  // "day" | "week" | "month": the model time unit
  std::string resolution;              // "day" | "period"
  double horizon_periods = 0;
  int clv_months = 12;
  double discount_rate_monthly = 0;
  double margin = 1;
  std::int64_t customers = 0;
  std::string report_json;             // a JSON document
};

struct ListFitsOptions {  // newest first
  int limit = 0;
  std::string cursor;
};

// A customer's scores under a fit (the current scores of that customer). Amounts in minor units
// of the fit's currency; days are UTC day numbers (days since 1970-01-01), -1 for "none";
// frequency/recency/age in the fit's model unit. The sort keys (predicted_clv_minor, p_alive,
// expected_purchases_365d, value_at_risk_minor) must be finite; every other double may be NaN
// and reads back as NaN (stored as NULL).
struct CustomerScore {
  CustomerId customer;
  std::int64_t fit_id = 0;
  double frequency = 0, recency = 0, age = 0, monetary = 0;
  std::int64_t orders = 0;
  std::int64_t first_order_day = -1, last_order_day = -1;
  std::int64_t historical_clv_minor = 0;
  double p_alive = 0;
  double expected_purchases_30d = 0, expected_purchases_90d = 0, expected_purchases_365d = 0;
  double expected_purchases_horizon = 0;
  double expected_spend_minor = 0;
  double predicted_clv_minor = 0, clv_lower_minor = 0, clv_upper_minor = 0;  // NaN allowed for bounds
  std::string churn_risk;    // "low" | "medium" | "high"
  double value_at_risk_minor = 0;
  int rfm_recency = 0, rfm_frequency = 0, rfm_monetary = 0;  // 1..5
  std::string segment;       // engine RfmSegmentKey, e.g. "champions"
  std::string clv_tier;      // engine ClvTierKey, e.g. "top_1"
  std::int64_t expected_next_order_day = -1;
  UnixMicros updated_at_us = 0;
};

// A score with the customer it belongs to (list and detail reads).
struct ScoredCustomer {
  Customer customer;
  CustomerScore score;
};

// Everything GET /clv/customers/:id reads (Store::GetCustomerDetail).
struct CustomerDetailRecord {
  Customer customer;
  std::optional<CustomerScore> score;   // as GetCustomerScore (nullopt: no score)
  // As GetCurrentFitSummary(tenant, {}) (null: no fit). Shared and never modified: on
  // PostgreSQL every record showing the same fit (all of one GetCustomerDetails call, and of
  // later calls while it is current) points at one copy instead of carrying its own.
  std::shared_ptr<const ModelFitRecord> fit;
  std::vector<AnalysisRow> rows;        // as AnalysisRowsForCustomers(tenant, {customer})
};

enum class ScoreSort {
  kPredictedClv, kHistoricalClv, kPAlive, kExpectedPurchases365d, kValueAtRisk, kLastOrder,
  kCustomerId
};

// Page request for ListCustomerScores. Sorting is by the column then customer id (the tie
// breaker, same direction), so keyset cursors stay exact; a cursor is valid only with the sort
// and filters it was made with (InvalidArgument otherwise, when detectable).
struct ListScoresOptions {
  int limit = 0;
  std::string cursor;
  ScoreSort sort = ScoreSort::kPredictedClv;
  bool descending = true;
  std::optional<std::string> segment;
  std::optional<std::string> churn_risk;
  std::optional<std::string> clv_tier;
};

enum class ScoreGroupBy { kSegment, kClvTier, kChurnRisk };

// One group of the current scores. Sums are over the group's customers.
struct ScoreGroup {
  std::string key;
  std::int64_t customers = 0;
  std::int64_t historical_clv_minor = 0;
  double predicted_clv_minor = 0;
  double value_at_risk_minor = 0;
};

// Writes a new fit and ALL its scores (Store::BeginFitWrite): Add() streams batches (memory
// bounded by the batch), Commit() makes the fit current and replaces every score of the tenant
// at once (customers not in the new fit lose their scores); Abort() or destruction without
// Commit discards everything. Not thread-safe. Errors abort (later calls FailedPrecondition).
// Commit returns the stored record (id assigned). The scores' fit_id is set to the new fit's id
// whatever the caller put there. Errors: a customer not in the tenant is NotFound (at Add or at
// Commit); a customer given twice, a non-finite sort key or an empty key is InvalidArgument
// (also for UpsertCustomerScores).
class FitWriter {
 public:
  virtual ~FitWriter() = default;
  virtual Status Add(std::span<const CustomerScore> batch) = 0;
  virtual Result<ModelFitRecord> Commit() = 0;
  virtual void Abort() = 0;
};

// Connection pool usage (Store::GetPoolStats), for the /metrics gauges. open = in_use + idle.
// PostgreSQL: the pool of up to pool_size libpq connections. SQLite: the one writer connection
// (in use while a write or an import holds the write lock) plus up to pool_size read
// connections for a file database (an in-memory database has only the writer).
struct PoolStats {
  int capacity = 0;                  // most connections the pool may hold
  int open = 0;                      // open now
  int in_use = 0;                    // handed to a call now
  int idle = 0;                      // open and free
  std::uint64_t waits = 0;           // acquisitions that found none free and had to wait
  std::uint64_t wait_timeouts = 0;   // waits that gave up (the call answered Unavailable)
  double wait_seconds = 0;           // total time spent in those waits
};

// A tenant whose current fit is due for a scheduled refit (Store::ListRefitCandidates).
struct RefitCandidate {
  TenantId tenant;
  std::int64_t fit_id = 0;
  std::optional<JobId> fit_job;      // the job that made the fit (its params are the request)
  UnixMicros fit_created_at_us = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // "sqlite" or "postgresql".
  virtual std::string_view Backend() const = 0;

  // OK when the database answers a trivial query (for /health/db).
  virtual Status Ping() = 0;

  // Applies the pending migrations, each in its own transaction, recording (version,
  // applied_at) in schema_migrations. Idempotent; safe to run from several processes at once
  // (SQLite: BEGIN IMMEDIATE; PostgreSQL: pg_advisory_xact_lock). FailedPrecondition when the
  // database is newer than kSchemaVersion.
  virtual Status Migrate() = 0;
  // The database's current version (0 for an empty database).
  virtual Result<int> SchemaVersion() = 0;

  // ---- Tenants and users -------------------------------------------------------------------
  // Creates a tenant and its owner in one transaction. AlreadyExists when the email is taken
  // (by any tenant); InvalidArgument for an empty name or email.
  virtual Result<TenantWithOwner> CreateTenantWithOwner(std::string_view name,
                                                        std::string_view email,
                                                        std::string_view password_hash,
                                                        UnixMicros now) = 0;
  virtual Result<Tenant> GetTenant(TenantId tenant) = 0;

  // Case-insensitive, across all tenants (the login). NotFound when nobody has that email.
  virtual Result<User> FindUserByEmail(std::string_view email) = 0;
  virtual Result<User> GetUser(TenantId tenant, UserId user) = 0;
  virtual Result<std::vector<User>> ListUsers(TenantId tenant) = 0;  // ascending id
  // AlreadyExists when the email is taken by anyone; NotFound when the tenant does not exist.
  virtual Result<User> CreateUser(TenantId tenant, std::string_view email,
                                  std::string_view password_hash, Role role, UnixMicros now) = 0;
  // NotFound when the user is not in the tenant. (Rules such as "keep one owner" belong to the
  // service layer.)
  virtual Status UpdateUserRole(TenantId tenant, UserId user, Role role) = 0;
  virtual Status UpdatePasswordHash(TenantId tenant, UserId user,
                                    std::string_view password_hash) = 0;
  // Deletes the user and their refresh tokens. NotFound when the user is not in the tenant.
  virtual Status DeleteUser(TenantId tenant, UserId user) = 0;

  // ---- Refresh tokens (only hashes are stored; security/ makes and hashes them) --------------
  // NotFound when the user is not in the tenant; AlreadyExists when the hash is already stored.
  virtual Status InsertRefreshToken(TenantId tenant, UserId user, std::string_view token_hash,
                                    std::string_view family_id, UnixMicros expires_at,
                                    UnixMicros now) = 0;
  // Atomically exchanges the token `old_hash` for `new_hash` (same family, expiring at
  // new_expires_at) and returns its owner. Unauthenticated when the old token is unknown,
  // revoked or expired (expires_at <= now). When the old token was ALREADY ROTATED (a replayed,
  // probably stolen token) the whole family is revoked — committed — and the answer is
  // Unauthenticated too. Two concurrent rotations of one token: one wins, the other is a reuse.
  virtual Result<RefreshTokenOwner> RotateRefreshToken(std::string_view old_hash,
                                                       std::string_view new_hash, UnixMicros now,
                                                       UnixMicros new_expires_at) = 0;
  // Logout: marks the token revoked. Idempotent: unknown or already revoked tokens are OK.
  virtual Status RevokeRefreshToken(std::string_view token_hash, UnixMicros now) = 0;
  // Revokes every live token of the user (password change, role change, deletion).
  virtual Status RevokeAllForUser(TenantId tenant, UserId user, UnixMicros now) = 0;

  // ---- Orders and customers ------------------------------------------------------------------
  // Writes a batch of orders, idempotently on (tenant, source, external_id): a new order is
  // created, a known order whose fields differ (customer, placed_at, currency, total, status,
  // refund_of) is updated, an identical one is left alone (unchanged). Customers are created or
  // found by (tenant, source, customer_external_id); a non-empty email sets the customer's email.
  // Customer aggregates (first/last order time, order count) count orders that are not refunds
  // and not cancelled, and stay exact when orders move between customers or change.
  // A refund (non-empty refund_of) must name an order (not a refund) of the same tenant and
  // source that exists or comes earlier in the batch.
  // All-or-nothing: InvalidArgument naming the item index ("orders[3]: ...") for a bad refund
  // reference or an invalid item (empty source/external_id/customer_external_id, negative total,
  // currency not 3 upper-case letters); "orders[1] and orders[4] have the same source and
  // external_id" for duplicates. Any error leaves the database as it was.
  virtual Result<UpsertResult> UpsertOrders(TenantId tenant, std::span<const OrderInput> orders,
                                            UnixMicros now) = 0;
  // The bulk path for large imports (see OrderImporter). `now` stamps created/updated rows.
  virtual Result<std::unique_ptr<OrderImporter>> BeginImport(TenantId tenant, UnixMicros now) = 0;

  virtual Result<Page<Customer>> ListCustomers(TenantId tenant,
                                               const ListCustomersOptions& options) = 0;
  virtual Result<Customer> GetCustomer(TenantId tenant, CustomerId id) = 0;  // NotFound
  virtual Result<Page<Order>> ListOrders(TenantId tenant, const ListOrdersOptions& options) = 0;
  virtual Result<Order> GetOrder(TenantId tenant, OrderId id) = 0;  // NotFound
  virtual Result<std::int64_t> CountOrders(TenantId tenant) = 0;     // orders and refunds
  virtual Result<std::int64_t> CountCustomers(TenantId tenant) = 0;

  // Streams the tenant's cash flows (see AnalysisRow) ordered by customer, placed_at, order id,
  // calling `sink` once per row from the calling thread. A non-OK Status from `sink` stops the
  // stream and is returned. The rows of one consistent snapshot are read first by a sequential
  // scan and sorted in memory (about 40 bytes per row: ~200 MB for 5 M orders), then handed to
  // `sink` with no connection held, so `sink` may call into this Store.
  virtual Status StreamOrdersForAnalysis(
      TenantId tenant, const std::function<Status(const AnalysisRow&)>& sink) = 0;

  // ---- Jobs ----------------------------------------------------------------------------------
  // Queues a job unless one of that kind is already active (queued or running) for the tenant,
  // in which case that one is returned with created = false. InvalidArgument for an empty kind.
  virtual Result<EnqueuedJob> EnqueueJob(TenantId tenant, std::string_view kind,
                                         std::string_view params_json,
                                         std::optional<UserId> created_by, UnixMicros now) = 0;
  // Claims the oldest claimable job of any tenant for `worker`: queued, or running with
  // heartbeat_at < stale_before (its worker died). Sets running, worker, started_at = heartbeat_at
  // = now, attempts + 1, and restarts progress (0) and stage (""). Oldest = created_at, then
  // tenant and id. InvalidArgument for an empty worker. Two workers never claim the same job (PostgreSQL: FOR UPDATE SKIP
  // LOCKED; SQLite: the write lock). nullopt when there is nothing to do.
  virtual Result<std::optional<Job>> ClaimJob(std::string_view worker, UnixMicros now,
                                              UnixMicros stale_before) = 0;
  // Heartbeat with progress. FailedPrecondition when the job is no longer running under
  // `worker` (it was reclaimed after a stall, or finished): the caller must stop working on it.
  virtual Status UpdateJobProgress(TenantId tenant, JobId job, std::string_view worker,
                                   double progress, std::string_view stage, UnixMicros now) = 0;
  // Finishes a running job held by `worker`: succeeded with result_json (progress becomes 1), or
  // failed with error.
  // FailedPrecondition as for UpdateJobProgress.
  virtual Status FinishJob(TenantId tenant, JobId job, std::string_view worker, bool succeeded,
                           std::string_view result_json, std::string_view error,
                           UnixMicros now) = 0;
  virtual Result<Job> GetJob(TenantId tenant, JobId job) = 0;  // NotFound
  // Newest first.
  virtual Result<Page<Job>> ListJobs(TenantId tenant, const ListJobsOptions& options) = 0;

  // ---- Model fits and customer scores --------------------------------------------------------
  // Starts writing a new fit (see FitWriter). `fit.id` is ignored (assigned at Commit);
  // `fit.tenant` must equal `tenant`. SQLite holds the write lock until Commit/Abort.
  virtual Result<std::unique_ptr<FitWriter>> BeginFitWrite(TenantId tenant,
                                                           const ModelFitRecord& fit) = 0;
  virtual Result<ModelFitRecord> GetCurrentFit(TenantId tenant) = 0;  // NotFound: none yet
  virtual Result<ModelFitRecord> GetFit(TenantId tenant, std::int64_t fit_id) = 0;  // NotFound
  // The current fit without reading its whole report (tens of KB, most of it for the model and
  // forecast pages): every typed field as GetCurrentFit, and report_json = a JSON object with
  // only the report's top-level members named in `report_keys` that exist (in the store's
  // order; "{}" for no keys). E.g. {"scoring"} for incremental rescoring (service/fit_report.h
  // ParseScoringSpec accepts the trimmed report), {"request"} to repeat the fit's request, none
  // for per-customer reads that need only the typed fields. With no keys the report is not
  // read at all. NotFound: no fit yet. InvalidArgument for an empty key.
  virtual Result<ModelFitRecord> GetCurrentFitSummary(
      TenantId tenant, std::span<const std::string_view> report_keys) = 0;
  virtual Result<Page<ModelFitRecord>> ListFits(TenantId tenant,
                                                const ListFitsOptions& options) = 0;
  // Inserts or replaces the scores of single customers (incremental rescoring after new orders),
  // all-or-nothing. NotFound when a customer is not in the tenant.
  virtual Status UpsertCustomerScores(TenantId tenant, std::span<const CustomerScore> scores) = 0;
  // NotFound when the customer has no score (or is not in the tenant).
  virtual Result<ScoredCustomer> GetCustomerScore(TenantId tenant, CustomerId customer) = 0;
  // The customer, its score, the current fit's summary and its cash flows, each as the single
  // calls above answer them (NotFound only for a customer not in the tenant). The default
  // (storage/customer_detail_read.cc) makes those four calls; PostgreSQL answers with one
  // statement (one round trip, one snapshot).
  virtual Result<CustomerDetailRecord> GetCustomerDetail(TenantId tenant, CustomerId customer);
  // GetCustomerDetail for several customers of one tenant at once (storage/detail_batcher.h
  // combines concurrent requests into these calls): one record per distinct id of the tenant,
  // ascending by customer id; ids not in the tenant are left out (never an error). All records
  // come from one snapshot on PostgreSQL (one statement); the default calls GetCustomerDetail
  // per id.
  virtual Result<std::vector<CustomerDetailRecord>> GetCustomerDetails(
      TenantId tenant, std::span<const CustomerId> customers);
  virtual Result<Page<ScoredCustomer>> ListCustomerScores(TenantId tenant,
                                                          const ListScoresOptions& options) = 0;
  // Aggregates over the tenant's current scores by each of `groupings`: result[i] holds the
  // groups of groupings[i], ascending by key in byte order (only non-empty groups). All of them
  // come from ONE scan of one snapshot, so their customer counts always agree (the segments page
  // shows segments and CLV tiers side by side at a million scores: one pass, not two).
  // InvalidArgument: no grouping, or one listed twice.
  virtual Result<std::vector<std::vector<ScoreGroup>>> AggregateScores(
      TenantId tenant, std::span<const ScoreGroupBy> groupings) = 0;
  // The cash flows (as StreamOrdersForAnalysis) of some customers, for incremental rescoring;
  // ordered by customer, placed_at, order id. Unknown customers contribute nothing.
  virtual Result<std::vector<AnalysisRow>> AnalysisRowsForCustomers(
      TenantId tenant, std::span<const CustomerId> customers) = 0;

  // ---- Scheduled refits and operations -------------------------------------------------------
  // The tenants due for a scheduled refit, ascending by tenant: the current fit (highest id)
  // was made before `fitted_before` and "as of now" (as_of_explicit false: a historical
  // analysis does not age), the tenant has an order created or updated after that fit was
  // made, and no job of `job_kind` was queued for the tenant at or after `fitted_before` (so
  // an active calculation is not doubled, and a refit that keeps failing is retried once per
  // interval, not on every order). `only` restricts the answer to one tenant. Global (every
  // tenant) unless `only` is set; InvalidArgument for an empty job_kind. Cost: one statement;
  // the age and jobs tests are cheap, the orders test walks the tenant's orders from the newest
  // id down and stops at the first one written after the fit (at once for new orders; a
  // tenant with only old orders changed since is read further).
  virtual Result<std::vector<RefitCandidate>> ListRefitCandidates(
      std::string_view job_kind, UnixMicros fitted_before, std::optional<TenantId> only) = 0;
  // The connection pool's usage now (see PoolStats). Cheap (one lock, no I/O); never fails.
  virtual PoolStats GetPoolStats() = 0;

  // ---- Audit log ---------------------------------------------------------------------------
  // detail_json must be a JSON document (not validated here; the caller builds it).
  virtual Status AppendAudit(TenantId tenant, std::optional<UserId> actor,
                             std::string_view action, std::string_view detail_json,
                             UnixMicros now) = 0;
  virtual Result<Page<AuditEntry>> ListAudit(TenantId tenant, const ListAuditOptions& options) = 0;
};

// Opens a store from a URL:
//   sqlite:PATH          a file (the parent directory and the file are created if missing);
//                        sqlite:///abs/path is accepted too
//   sqlite::memory:      a private in-memory database (tests; one connection)
//   postgresql://...     or postgres://... (libpq URI syntax)
// Does not migrate (call Migrate()), but refuses with FailedPrecondition a database whose
// schema is newer than this binary. InvalidArgument for a malformed or unsupported URL or bad
// options; Unavailable when the database cannot be reached or opened (the message names host
// or path, never a password).
Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const StoreOptions& options = {});

}  // namespace clv::storage
