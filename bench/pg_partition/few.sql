-- A partitioned installation where only some tenants have partitions of their own (decision
-- 0006, "Revisited 2026-11-27"), on pgp_part after `run.sh setup` (tenant 1, 1M orders, in
-- orders_t1/customers_t1), all rows copied from tenant 1 and relabelled:
--  - tenants :from..:to in partitions of their own, each with every :every-th customer of
--    tenant 1 and its orders (every=10: ~100,000 orders, every=100: ~10,000);
--  - with -v small=N (first run only), N tenants of ~1,000 orders (every 1,000th customer) after
--    :to, in DEFAULT partitions, which this run creates;
-- then ANALYZEs the parents (autovacuum never does). docs/benchmarks.md, session 10, ran:
--
--   db=${CLV_TEST_POSTGRES_URL%/*}/pgp_part
--   psql -v from=2 -v to=30 -v every=10 -v small=190 -f bench/pg_partition/few.sql $db  # 31
--   psql -v from=300 -v to=329 -v every=10 -f bench/pg_partition/few.sql $db            # 61
--   psql -v from=400 -v to=539 -v every=100 -f bench/pg_partition/few.sql $db           # 201
--
-- and after each, reads.sh for tenant 1 (its own partitions) and tenant 31 (DEFAULT), against
-- the statement naming the partitions (detail_t1.pgbench, and for the default partitions the
-- same file with the names replaced):
--
--   ANALYSIS=0 bench/pg_partition/reads.sh pgp_part 1; ANALYSIS=0 bench/pg_partition/reads.sh pgp_part 31
--   sed 's/_t1\b/_default/g' bench/pg_partition/detail_t1.pgbench >/tmp/detail_default.pgbench
--   ANALYSIS=0 SCRIPTS=/tmp/detail_default.pgbench bench/pg_partition/reads.sh pgp_part 31
--   JIT=off, and `ALTER DATABASE pgp_part SET max_parallel_workers_per_gather = 0`, for the
--   plans without JIT and parallel workers.
\set ON_ERROR_STOP 1
SELECT format('CREATE TABLE orders_t%s PARTITION OF orders FOR VALUES IN (%s)', t, t),
       format('CREATE TABLE customers_t%s PARTITION OF customers FOR VALUES IN (%s) WITH (fillfactor = 85)', t, t),
       format('INSERT INTO customers SELECT %s, id, source, external_id, email, first_order_at, last_order_at, order_count, created_at FROM customers_t1 WHERE id %% %s = %s', t, :every, t % :every),
       format('INSERT INTO orders SELECT %s, id, source, external_id, customer_id, placed_at, currency, total_minor, status, refund_of_order_id, kind, created_at, updated_at FROM orders_t1 WHERE customer_id %% %s = %s', t, :every, t % :every)
FROM generate_series(:from, :to) t \gexec
\if :{?small}
CREATE TABLE orders_default PARTITION OF orders DEFAULT;
CREATE TABLE customers_default PARTITION OF customers DEFAULT WITH (fillfactor = 85);
SELECT format('INSERT INTO customers SELECT %s, id, source, external_id, email, first_order_at, last_order_at, order_count, created_at FROM customers_t1 WHERE id %% 1000 = %s', t, t % 1000),
       format('INSERT INTO orders SELECT %s, id, source, external_id, customer_id, placed_at, currency, total_minor, status, refund_of_order_id, kind, created_at, updated_at FROM orders_t1 WHERE customer_id %% 1000 = %s', t, t % 1000)
FROM generate_series(:to + 1, :to + :small) t \gexec
VACUUM ANALYZE orders_default;
VACUUM ANALYZE customers_default;
\endif
ANALYZE orders;
ANALYZE customers;
SELECT (SELECT count(*) FROM pg_inherits WHERE inhparent = 'orders'::regclass) AS order_partitions,
       (SELECT count(DISTINCT tenant_id) FROM orders) AS tenants,
       (SELECT count(*) FROM orders) AS orders;
