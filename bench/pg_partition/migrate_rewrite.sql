-- Migration alternative: rewrite today's shared orders into one partition per tenant (each a
-- plain table filled by INSERT … SELECT, its constraints and indexes built afterwards, then
-- attached), under an ACCESS EXCLUSIVE lock for the whole run. Rolled back at the end: this
-- only measures the time (compare migrate.sql, which rewrites nothing).  psql -f … DB
\set ON_ERROR_STOP 1
\timing on
BEGIN;
SET LOCAL maintenance_work_mem = '64MB';
LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;
\! bench/pg_partition/pg_cpu.sh rewrite_start
CREATE TABLE orders_new (LIKE orders INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (tenant_id);
SELECT format('CREATE TABLE orders_p%s (LIKE orders INCLUDING DEFAULTS INCLUDING CONSTRAINTS, CHECK (tenant_id = %s))', t, t),
       format('INSERT INTO orders_p%s SELECT * FROM orders WHERE tenant_id = %s', t, t),
       format('ALTER TABLE orders_p%s ADD PRIMARY KEY (tenant_id, id), ADD UNIQUE (tenant_id, source, external_id)', t),
       format('CREATE INDEX ON orders_p%s (tenant_id, customer_id, placed_at, id)', t),
       format('ALTER TABLE orders_new ATTACH PARTITION orders_p%s FOR VALUES IN (%s)', t, t)
  FROM (SELECT DISTINCT tenant_id AS t FROM orders) d ORDER BY t \gexec
ALTER TABLE orders_new ADD PRIMARY KEY (tenant_id, id), ADD UNIQUE (tenant_id, source, external_id);
CREATE INDEX ON orders_new (tenant_id, customer_id, placed_at, id);
\! bench/pg_partition/pg_cpu.sh rewrite_end
ROLLBACK;
