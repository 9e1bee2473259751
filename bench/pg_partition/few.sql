-- A partitioned installation where only tenants with a large first import have partitions of
-- their own (decision 0006, "Revisited 2026-11-27"): on pgp_part after `run.sh setup` (tenant 1,
-- 1M orders, in orders_t1/customers_t1), adds tenants 2..:big+1 as partitions of ~100,000
-- orders each and :small tenants of ~1,000 orders each in DEFAULT partitions, all copied from
-- tenant 1 (every 10th / every 1,000th customer with its orders, relabelled), then ANALYZEs
-- the parents (autovacuum never does). Run reads.sh on pgp_part afterwards: tenant 1 (its own
-- partition) and a small tenant, e.g. :big + 2 (in the default); the statement naming the
-- default partitions is detail_t1.pgbench with the names replaced (sed below). More partitions:
-- the same CREATE/INSERT lines for further tenant numbers (docs/benchmarks.md, session 10).
--
--   psql -v big=29 -v small=190 -f bench/pg_partition/few.sql "${CLV_TEST_POSTGRES_URL%/*}/pgp_part"
--   ANALYSIS=0 bench/pg_partition/reads.sh pgp_part 1; ANALYSIS=0 bench/pg_partition/reads.sh pgp_part 31
--   sed 's/_t1/_default/g' bench/pg_partition/detail_t1.pgbench >/tmp/detail_default.pgbench
--   (reads.sh takes SCRIPTS from its own directory: copy it there for the run, then remove it)
--   JIT=off, and `ALTER DATABASE pgp_part SET max_parallel_workers_per_gather = 0`, for the
--   plans without JIT and parallel workers.
\set ON_ERROR_STOP 1
SELECT format('CREATE TABLE orders_t%s PARTITION OF orders FOR VALUES IN (%s)', t, t),
       format('CREATE TABLE customers_t%s PARTITION OF customers FOR VALUES IN (%s) WITH (fillfactor = 85)', t, t),
       format('INSERT INTO customers SELECT %s, id, source, external_id, email, first_order_at, last_order_at, order_count, created_at FROM customers_t1 WHERE id %% 10 = %s', t, t % 10),
       format('INSERT INTO orders SELECT %s, id, source, external_id, customer_id, placed_at, currency, total_minor, status, refund_of_order_id, kind, created_at, updated_at FROM orders_t1 WHERE customer_id %% 10 = %s', t, t % 10)
FROM generate_series(2, :big + 1) t \gexec
CREATE TABLE orders_default PARTITION OF orders DEFAULT;
CREATE TABLE customers_default PARTITION OF customers DEFAULT WITH (fillfactor = 85);
SELECT format('INSERT INTO customers SELECT %s, id, source, external_id, email, first_order_at, last_order_at, order_count, created_at FROM customers_t1 WHERE id %% 1000 = %s', t, t % 1000),
       format('INSERT INTO orders SELECT %s, id, source, external_id, customer_id, placed_at, currency, total_minor, status, refund_of_order_id, kind, created_at, updated_at FROM orders_t1 WHERE customer_id %% 1000 = %s', t, t % 1000)
FROM generate_series(:big + 2, :big + 1 + :small) t \gexec
VACUUM ANALYZE orders_default;
VACUUM ANALYZE customers_default;
ANALYZE orders;
ANALYZE customers;
SELECT (SELECT count(*) FROM pg_inherits WHERE inhparent = 'orders'::regclass) AS order_partitions,
       (SELECT count(DISTINCT tenant_id) FROM orders) AS tenants,
       (SELECT count(*) FROM orders) AS orders;
