#include "storage/sqlite/migrations.h"

#include "storage/store.h"

namespace clv::storage::sqlite {
namespace {

// Times are INTEGER UTC microseconds. Tables keyed by (tenant_id, id) are WITHOUT ROWID: the
// primary key is the table's own b-tree, one index fewer to maintain per insert. Every table but tenants and schema_migrations leads its
// primary key with tenant_id; ids are numbered per tenant (max + 1 under the write lock).
constexpr Migration kMigrations[] = {
    {1, "tenants, users, refresh tokens, customers, orders, audit log", R"sql(
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
)sql"},
};

static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

}  // namespace clv::storage::sqlite
