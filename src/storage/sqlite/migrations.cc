#include "storage/sqlite/migrations.h"

#include "storage/migration.h"
#include "storage/store.h"

namespace clv::storage::sqlite {
namespace {

// Times are INTEGER UTC microseconds. Tables keyed by (tenant_id, id) are WITHOUT ROWID: the
// primary key is the table's own b-tree, one index fewer to maintain per insert. Every table but tenants and schema_migrations leads its
// primary key with tenant_id; ids are numbered per tenant (max + 1 under the write lock).
constexpr char kMigration1[] = R"sql(
CREATE TABLE tenants (
  id          INTEGER PRIMARY KEY,          -- the tenant's own id is its tenant_id
  name        TEXT    NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE users (
  tenant_id     INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id            INTEGER NOT NULL,
  email         TEXT    NOT NULL,           -- lower-cased
  password_hash TEXT    NOT NULL,
  role          TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'analyst', 'viewer')),
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
-- The one deliberate cross-tenant constraint: the email is the platform-wide login.
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE refresh_tokens (
  tenant_id   INTEGER NOT NULL,
  id          INTEGER NOT NULL,
  user_id     INTEGER NOT NULL,
  token_hash  TEXT    NOT NULL UNIQUE,
  family_id   TEXT    NOT NULL,
  expires_at  INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  rotated_at  INTEGER,
  revoked_at  INTEGER,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX refresh_tokens_family ON refresh_tokens (tenant_id, family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (tenant_id, user_id);

CREATE TABLE customers (
  tenant_id       INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id              INTEGER NOT NULL,
  source          TEXT    NOT NULL,
  external_id     TEXT    NOT NULL,
  email           TEXT    NOT NULL DEFAULT '',
  first_order_at  INTEGER,                  -- NULL while the customer has no counted order
  last_order_at   INTEGER,
  order_count     INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, source, external_id)
) WITHOUT ROWID;
CREATE INDEX customers_email ON customers (tenant_id, email);
CREATE INDEX customers_external_id ON customers (tenant_id, external_id);

CREATE TABLE orders (
  tenant_id           INTEGER NOT NULL,
  id                  INTEGER NOT NULL,
  source              TEXT    NOT NULL,
  external_id         TEXT    NOT NULL,
  customer_id         INTEGER NOT NULL,
  placed_at           INTEGER NOT NULL,
  currency            TEXT    NOT NULL,
  total_minor         INTEGER NOT NULL CHECK (total_minor >= 0),
  status              TEXT    NOT NULL CHECK (status IN
                        ('paid', 'pending', 'refunded', 'partially_refunded', 'cancelled')),
  refund_of_order_id  INTEGER,
  kind                TEXT    NOT NULL CHECK (kind IN ('order', 'refund')),
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, source, external_id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
  FOREIGN KEY (tenant_id, refund_of_order_id) REFERENCES orders (tenant_id, id)
) WITHOUT ROWID;
-- Serves per-customer listings, aggregates and the analysis stream in order, without a sort.
CREATE INDEX orders_customer ON orders (tenant_id, customer_id, placed_at, id);

CREATE TABLE audit_log (
  tenant_id      INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id             INTEGER NOT NULL,
  at             INTEGER NOT NULL,
  actor_user_id  INTEGER,                   -- no foreign key: the log outlives the user
  action         TEXT    NOT NULL,
  detail         TEXT    NOT NULL,          -- JSON
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
)sql";

constexpr auto kMigration2 = JoinSql(R"sql(
CREATE TABLE jobs (
  tenant_id     INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id            INTEGER NOT NULL,
  kind          TEXT    NOT NULL,
  status        TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  params        TEXT    NOT NULL,           -- JSON
  created_by    INTEGER,                   -- no foreign key: the job outlives the user
  progress      REAL       NOT NULL DEFAULT 0,
  stage         TEXT    NOT NULL DEFAULT '',
  attempts      INTEGER NOT NULL DEFAULT 0,
  worker        TEXT    NOT NULL DEFAULT '',
  error         TEXT    NOT NULL DEFAULT '',
  result        TEXT    NOT NULL DEFAULT '',  -- JSON when succeeded
  created_at    INTEGER NOT NULL,
  started_at    INTEGER,
  heartbeat_at  INTEGER,
  finished_at   INTEGER,
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
-- At most one active job of a kind per tenant (EnqueueJob relies on it under concurrency).
CREATE UNIQUE INDEX jobs_one_active ON jobs (tenant_id, kind)
  WHERE status IN ('queued', 'running');
-- The claim query's scan: only active jobs, oldest first (the one table read across tenants).
CREATE INDEX jobs_claimable ON jobs (created_at, tenant_id, id)
  WHERE status IN ('queued', 'running');

CREATE TABLE model_fits (
  tenant_id              INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id                     INTEGER NOT NULL,
  job_id                 INTEGER,
  created_at             INTEGER NOT NULL,
  as_of                  INTEGER NOT NULL,
  as_of_explicit         INTEGER NOT NULL,
  currency               TEXT    NOT NULL,
  model                  TEXT    NOT NULL,
  model_params           TEXT    NOT NULL,  -- decimals separated by ',' (see analytics_common.h)
  gamma_gamma_params     TEXT    NOT NULL,
  spend_model            TEXT    NOT NULL,
  period                 TEXT    NOT NULL,
  resolution             TEXT    NOT NULL,
  horizon_periods        REAL,              -- NULL stands for NaN in every float column
  clv_months             INTEGER NOT NULL,
  discount_rate_monthly  REAL,
  margin                 REAL,
  customers              INTEGER NOT NULL,
  report                 TEXT    NOT NULL,  -- JSON
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

-- The current scores: one row per scored customer, replaced wholesale by each fit and per
-- customer by incremental rescoring. No foreign keys (checked by the writes themselves; a
-- per-row check would dominate a million-row fit write).
CREATE TABLE customer_scores (
  tenant_id                   INTEGER NOT NULL,
  customer_id                 INTEGER NOT NULL,
  fit_id                      INTEGER NOT NULL,
  frequency                   REAL,
  recency                     REAL,
  age                         REAL,
  monetary                    REAL,
  orders                      INTEGER NOT NULL,
  first_order_day             INTEGER NOT NULL,
  last_order_day              INTEGER NOT NULL,
  historical_clv_minor        INTEGER NOT NULL,
  p_alive                     REAL NOT NULL,
  expected_purchases_30d      REAL,
  expected_purchases_90d      REAL,
  expected_purchases_365d     REAL NOT NULL,
  expected_purchases_horizon  REAL,
  expected_spend_minor        REAL,
  predicted_clv_minor         REAL NOT NULL,
  clv_lower_minor             REAL,          -- NULL: no interval (NaN)
  clv_upper_minor             REAL,
  churn_risk                  TEXT    NOT NULL,
  value_at_risk_minor         REAL NOT NULL,
  rfm_recency                 INTEGER NOT NULL,
  rfm_frequency               INTEGER NOT NULL,
  rfm_monetary                INTEGER NOT NULL,
  segment                     TEXT    NOT NULL,
  clv_tier                    TEXT    NOT NULL,
  expected_next_order_day     INTEGER NOT NULL,
  updated_at                  INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, customer_id)
) WITHOUT ROWID;
-- One index per list sort: (tenant, key, customer) serves both directions and the keyset
-- cursor (key, customer) without sorting; filters are applied while walking the index.
)sql",
                                   kScoreSortIndexesSql);  // storage/migration.h

// PostgreSQL's migration 3 partitions customer_scores by tenant; SQLite has one tenant's
// fit write at a time under its write lock and rebuilds the sort indexes in bulk instead
// (sqlite_analytics.cc), so its schema is unchanged.
constexpr char kMigration3[] = R"sql(
SELECT 1;
)sql";

// The orders table of migration 1 with its two CHECKs on status and kind written as comparisons.
// SQLite evaluated `status IN (<five values>)` at about 2 µs per inserted row — more than the
// row's own b-tree insert (sqlite3 3.40 CLI, 1M-row INSERT … SELECT into this table: 4.4 s of
// CPU with the IN list, 2.3 s with comparisons; the same ratio with bound 64-row INSERTs). The
// rule is the same. A CHECK cannot be altered, so the table is rebuilt as SQLite documents
// (new table, copy, drop, rename, indexes), in the migration's transaction, where foreign keys
// stay on (the pragma cannot change inside a transaction): the old table is renamed first,
// which points its own refund reference at its new name, so the new table's references name
// the new table; the foreign-key checks are deferred to COMMIT, so the copy's row order does
// not matter. Cost: one copy of every order, once.
constexpr char kMigration4[] = R"sql(
PRAGMA defer_foreign_keys = ON;
ALTER TABLE orders RENAME TO orders_v3;
CREATE TABLE orders (
  tenant_id           INTEGER NOT NULL,
  id                  INTEGER NOT NULL,
  source              TEXT    NOT NULL,
  external_id         TEXT    NOT NULL,
  customer_id         INTEGER NOT NULL,
  placed_at           INTEGER NOT NULL,
  currency            TEXT    NOT NULL,
  total_minor         INTEGER NOT NULL CHECK (total_minor >= 0),
  status              TEXT    NOT NULL CHECK (status = 'paid' OR status = 'pending' OR
                        status = 'refunded' OR status = 'partially_refunded' OR
                        status = 'cancelled'),
  refund_of_order_id  INTEGER,
  kind                TEXT    NOT NULL CHECK (kind = 'order' OR kind = 'refund'),
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, source, external_id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
  FOREIGN KEY (tenant_id, refund_of_order_id) REFERENCES orders (tenant_id, id)
) WITHOUT ROWID;
INSERT INTO orders SELECT * FROM orders_v3;
DROP TABLE orders_v3;
CREATE INDEX orders_customer ON orders (tenant_id, customer_id, placed_at, id);
)sql";

// PostgreSQL's migration 5 turns off B-tree deduplication on orders_customer; SQLite's B-trees
// have no such pass, so its schema is unchanged.
constexpr char kMigration5[] = R"sql(
SELECT 1;
)sql";

// PostgreSQL's migration 6 reorders the unique keys of orders and customers and drops
// customers_external_id. SQLite keeps them: its keys are table constraints, which only a
// rebuild of each table could change, and its imports already meet their target.
constexpr char kMigration6[] = R"sql(
SELECT 1;
)sql";

constexpr Migration kMigrations[] = {
    {1, "tenants, users, refresh tokens, customers, orders, audit log", kMigration1},
    {2, "jobs, model fits, customer scores", kMigration2.data()},
    {3, "customer_scores partitioned by tenant (PostgreSQL only)", kMigration3},
    {4, "orders' status and kind checks as comparisons (SQLite only)", kMigration4},
    {5, "orders_customer without B-tree deduplication (PostgreSQL only)", kMigration5},
    {6, "unique keys of orders and customers led by external_id (PostgreSQL only)", kMigration6},
};

static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

}  // namespace clv::storage::sqlite
