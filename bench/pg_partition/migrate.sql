-- Migration sketch: today's shared orders (5M rows of several tenants) into a table
-- partitioned by LIST (tenant_id) WITHOUT rewriting rows: the old table becomes the DEFAULT
-- partition (its indexes are attached to the new parent's, not rebuilt), the identity
-- sequence's position carries over, and a CHECK (tenant_id <= the largest tenant id at
-- migration time) lets later ATTACHes of new tenants' partitions skip scanning the default.
-- customers works the same way (not repeated here).  psql -f migrate.sql DB
\set ON_ERROR_STOP 1
\timing on
\! bench/pg_partition/pg_cpu.sh migrate_start
BEGIN;
LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;
SELECT last_value AS orders_last_id FROM orders_id_seq \gset
SELECT coalesce(max(id), 0) AS max_tenant FROM tenants \gset
ALTER TABLE orders RENAME TO orders_default;
ALTER INDEX orders_pkey RENAME TO orders_default_pkey;
ALTER INDEX orders_tenant_id_source_external_id_key RENAME TO orders_default_tenant_id_source_external_id_key;
ALTER INDEX orders_customer RENAME TO orders_default_customer;
-- The parent copies the old table's columns, defaults, identity (a new sequence, positioned
-- below) and CHECKs with their names (ATTACH matches inherited CHECKs by name).
CREATE TABLE orders (LIKE orders_default INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY)
  PARTITION BY LIST (tenant_id);
ALTER TABLE orders_default ALTER id DROP IDENTITY;  -- drops the old sequence (position read above)
SELECT pg_get_serial_sequence('orders', 'id') AS new_seq \gset
ALTER SEQUENCE :new_seq RENAME TO orders_id_seq;
ALTER TABLE orders ADD PRIMARY KEY (tenant_id, id), ADD UNIQUE (tenant_id, source, external_id);
CREATE INDEX orders_customer ON orders (tenant_id, customer_id, placed_at, id);
SELECT setval(pg_get_serial_sequence('orders', 'id'), :orders_last_id);
\! bench/pg_partition/pg_cpu.sh migrate_before_attach
ALTER TABLE orders ATTACH PARTITION orders_default DEFAULT;
\! bench/pg_partition/pg_cpu.sh migrate_attached
ALTER TABLE orders_default ADD CONSTRAINT orders_default_tenants CHECK (tenant_id <= :max_tenant);
\! bench/pg_partition/pg_cpu.sh migrate_checked
COMMIT;
-- Were the old indexes attached, not rebuilt? (expect 3 indexes on orders_default)
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'orders_default'::regclass;
-- A new tenant's partition: does ATTACH skip the default now? (compare with attach.sql's scan)
BEGIN;
CREATE TABLE orders_new (LIKE orders INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                         CHECK (tenant_id = :max_tenant + 1));
ALTER TABLE orders_new ADD PRIMARY KEY (tenant_id, id), ADD UNIQUE (tenant_id, source, external_id);
CREATE INDEX ON orders_new (tenant_id, customer_id, placed_at, id);
\! bench/pg_partition/pg_cpu.sh new_attach_before
ALTER TABLE orders ATTACH PARTITION orders_new FOR VALUES IN (:max_tenant + 1);
\! bench/pg_partition/pg_cpu.sh new_attach_after
ROLLBACK;
