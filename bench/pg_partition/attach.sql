-- What ATTACH PARTITION costs and locks (run in the pgp_part database of run.sh setup, which
-- holds tenant :src as a partition):  psql -v src=1 -f attach.sql "$base/pgp_part"
-- (1) a 1M-row table WITHOUT the tenant CHECK: ATTACH must scan it to validate;
-- (2) the same WITH the CHECK: no scan;
-- (3) a DEFAULT partition holding 1M rows: attaching any new tenant scans the default.
-- Everything is rolled back. Server CPU between the "cpu" lines (pg_cpu.sh), wall by \timing.
\set ON_ERROR_STOP 1
-- This transaction's locks on orders and its partitions (as :locks;).
\set locks 'SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = pg_backend_pid() AND c.relkind IN (''r'', ''p'') AND c.relname LIKE ''orders%'' ORDER BY 1, 2'
\timing on
BEGIN;
\set t orders_nocheck
\set v 900
\set check 0
\ir fill_table.sql
\! bench/pg_partition/pg_cpu.sh attach_nocheck_before
ALTER TABLE orders ATTACH PARTITION orders_nocheck FOR VALUES IN (900);
\! bench/pg_partition/pg_cpu.sh attach_nocheck_after
\set t orders_check
\set v 901
\set check 1
\ir fill_table.sql
\! bench/pg_partition/pg_cpu.sh attach_check_before
ALTER TABLE orders ATTACH PARTITION orders_check FOR VALUES IN (901);
\! bench/pg_partition/pg_cpu.sh attach_check_after
-- Which locks does ATTACH hold to COMMIT?
:locks;
ROLLBACK;

BEGIN;
\set t orders_def
\set v 902
\set check 0
\ir fill_table.sql
ALTER TABLE orders ATTACH PARTITION orders_def DEFAULT;
CREATE TABLE orders_new (LIKE orders INCLUDING DEFAULTS INCLUDING CONSTRAINTS, CHECK (tenant_id = 903));
ALTER TABLE orders_new ADD PRIMARY KEY (tenant_id, id), ADD UNIQUE (tenant_id, source, external_id);
CREATE INDEX ON orders_new (tenant_id, customer_id, placed_at, id);
\! bench/pg_partition/pg_cpu.sh attach_with_default_before
ALTER TABLE orders ATTACH PARTITION orders_new FOR VALUES IN (903);
\! bench/pg_partition/pg_cpu.sh attach_with_default_after
:locks;
ROLLBACK;

-- DETACH (not CONCURRENTLY, which cannot run in a transaction block) of an existing partition:
BEGIN;
ALTER TABLE orders DETACH PARTITION orders_t:src;
:locks;
ROLLBACK;
