#!/usr/bin/env bash
# A tenant's first import into PostgreSQL, two ways, with psql on the throwaway server of
# scripts/services.sh (docs/decisions/0006-postgres-tenant-partitions.md):
#   shared: COPY into today's shared, indexed orders and customers (what PgImporter's direct
#           path does), then ANALYZE;
#   part:   the tenant's partition created as a plain table in the import's transaction, COPY
#           (FREEZE), its constraints and indexes built afterwards, ATTACH PARTITION, ANALYZE.
# Prints each step's wall time (psql \timing) and the server's CPU seconds before and after it
# (pg_cpu.sh), so a step's server CPU is the difference of two "cpu" lines.
#
#   eval "$(scripts/services.sh start)"
#   bench/pg_partition/run.sh export SOURCE_DB_URL   # orders/customers of tenant 1 (e.g. after
#                                                   # bench/import_bench.sh's `clv import`)
#   bench/pg_partition/run.sh setup                  # databases pgp_shared and pgp_part, tenant 1
#   bench/pg_partition/run.sh shared TENANT          # first import of TENANT (>= 2), shared tables
#   bench/pg_partition/run.sh part TENANT [MWM]      # the same as a partition (maintenance_work_mem)
#     env: FREEZE=false (COPY without FREEZE), IDS=1 (order ids from the file, not the default),
#          WORKERS=N (max_parallel_maintenance_workers, default 2)
# WORK (default /tmp/pg_partition) holds the exported rows and per-tenant copies.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/pg_partition}
base=${CLV_TEST_POSTGRES_URL%/*}
mkdir -p "$work"

# tenant_files T: orders (without id: the default draws it, as the importer's COPY does) and
# customers (with ids) of the exported tenant, relabelled as tenant T.
tenant_files() {
  [[ -s $work/orders_t$1.tsv ]] || sed "s/^/$1\t/" "$work/orders.tsv" >"$work/orders_t$1.tsv"
  [[ ${IDS:-0} != 1 || -s $work/orders_t$1_ids.tsv ]] ||
    awk -v t="$1" '{print t "\t" NR "\t" $0}' "$work/orders.tsv" >"$work/orders_t$1_ids.tsv"
  [[ -s $work/customers_t$1.tsv ]] || sed "s/^/$1\t/" "$work/customers.tsv" >"$work/customers_t$1.tsv"
}

cpu() { echo "\\! $here/pg_cpu.sh $1"; }

# partition_sql T MWM: the partition path for tenant T, as one transaction.
partition_sql() {
  local t=$1 mwm=$2 freeze=${FREEZE:-true} ids=""
  # IDS=1: the client supplies order ids (as it does for customers) instead of the column
  # default drawing nextval per row.
  [[ ${IDS:-0} == 1 ]] && ids=_ids
  cat <<SQL
\\timing on
BEGIN;
SET LOCAL maintenance_work_mem = '$mwm';
SET LOCAL max_parallel_maintenance_workers = ${WORKERS:-2};
$(cpu start)
CREATE TABLE orders_t$t (LIKE orders INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                         CONSTRAINT orders_t${t}_tenant CHECK (tenant_id = $t));
SELECT pg_get_serial_sequence('orders', 'id') AS seq \\gset
ALTER TABLE orders_t$t ALTER id SET DEFAULT nextval(:'seq'::regclass);
CREATE TABLE customers_t$t (LIKE customers INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                            CONSTRAINT customers_t${t}_tenant CHECK (tenant_id = $t))
  WITH (fillfactor = 85);
$(cpu created)
\\copy orders_t$t (tenant_id, ${ids:+id, }source, external_id, customer_id, placed_at, currency, total_minor, status, refund_of_order_id, kind, created_at, updated_at) FROM '$work/orders_t$t$ids.tsv' WITH (FREEZE $freeze)
$(cpu orders_copy)
ALTER TABLE orders_t$t ADD PRIMARY KEY (tenant_id, id);
$(cpu orders_pkey)
ALTER TABLE orders_t$t ADD UNIQUE (tenant_id, source, external_id);
$(cpu orders_unique)
CREATE INDEX ON orders_t$t (tenant_id, customer_id, placed_at, id);
$(cpu orders_customer)
\\copy customers_t$t (tenant_id, id, source, external_id, email, first_order_at, last_order_at, order_count, created_at) FROM '$work/customers_t$t.tsv' WITH (FREEZE)
$(cpu customers_copy)
ALTER TABLE customers_t$t ADD PRIMARY KEY (tenant_id, id), ADD UNIQUE (tenant_id, source, external_id);
CREATE INDEX ON customers_t$t (tenant_id, email);
CREATE INDEX ON customers_t$t (tenant_id, external_id);
$(cpu customers_indexes)
ALTER TABLE orders ATTACH PARTITION orders_t$t FOR VALUES IN ($t);
ALTER TABLE customers ATTACH PARTITION customers_t$t FOR VALUES IN ($t);
$(cpu attach)
ANALYZE orders_t$t;
ANALYZE customers_t$t;
$(cpu analyze)
COMMIT;
$(cpu commit)
SQL
}

shared_sql() {
  local t=$1
  cat <<SQL
\\timing on
BEGIN;
$(cpu start)
\\copy orders (tenant_id, source, external_id, customer_id, placed_at, currency, total_minor, status, refund_of_order_id, kind, created_at, updated_at) FROM '$work/orders_t$t.tsv'
$(cpu orders_copy)
\\copy customers (tenant_id, id, source, external_id, email, first_order_at, last_order_at, order_count, created_at) FROM '$work/customers_t$t.tsv'
$(cpu customers_copy)
ANALYZE orders;
ANALYZE customers;
$(cpu analyze)
COMMIT;
$(cpu commit)
SQL
}

case ${1:-} in
  export)
    psql -q -X "$2" <<SQL
\\copy (SELECT id, source, external_id, customer_id, placed_at, currency, total_minor, status, refund_of_order_id, kind, created_at, updated_at FROM orders WHERE tenant_id = (SELECT min(id) FROM tenants) ORDER BY id) TO '$work/orders_full.tsv'
\\copy (SELECT id, source, external_id, email, first_order_at, last_order_at, order_count, created_at FROM customers WHERE tenant_id = (SELECT min(id) FROM tenants) ORDER BY source, external_id) TO '$work/customers.tsv'
SQL
    cut -f2- "$work/orders_full.tsv" >"$work/orders.tsv" && rm "$work/orders_full.tsv"
    wc -l "$work/orders.tsv" "$work/customers.tsv" ;;
  setup)
    tenant_files 1
    for v in shared part; do
      psql -q -X "$base/postgres" -c "DROP DATABASE IF EXISTS pgp_$v" -c "CREATE DATABASE pgp_$v"
      psql -q -X -v ON_ERROR_STOP=1 -v part="$([[ $v == part ]] && echo 1 || echo 0)" \
        -f "$here/schema.sql" "$base/pgp_$v"
    done
    # Tenant 1 (the "other tenants" already stored): the partition path is the fast way to get
    # it into either form; for the shared tables a plain COPY of 1M rows would take minutes.
    partition_sql 1 256MB | psql -q -X -v ON_ERROR_STOP=1 "$base/pgp_part" >/dev/null
    psql -q -X -v ON_ERROR_STOP=1 "$base/pgp_shared" <<SQL
BEGIN;
ALTER TABLE orders DROP CONSTRAINT orders_pkey, DROP CONSTRAINT orders_tenant_id_source_external_id_key;
DROP INDEX orders_customer;
\\copy orders (tenant_id, source, external_id, customer_id, placed_at, currency, total_minor, status, refund_of_order_id, kind, created_at, updated_at) FROM '$work/orders_t1.tsv'
ALTER TABLE orders ADD PRIMARY KEY (tenant_id, id), ADD UNIQUE (tenant_id, source, external_id);
CREATE INDEX orders_customer ON orders (tenant_id, customer_id, placed_at, id);
\\copy customers (tenant_id, id, source, external_id, email, first_order_at, last_order_at, order_count, created_at) FROM '$work/customers_t1.tsv'
COMMIT;
VACUUM ANALYZE orders; VACUUM ANALYZE customers;
SQL
    psql -q -X "$base/pgp_part" -c "VACUUM ANALYZE orders_t1" -c "VACUUM ANALYZE customers_t1" ;;
  shared)
    tenant_files "$2"
    echo "shared tenant $2 $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    shared_sql "$2" | psql -q -X -v ON_ERROR_STOP=1 "$base/pgp_shared" ;;
  part)
    tenant_files "$2"
    echo "part tenant $2 mwm ${3:-64MB} freeze ${FREEZE:-true} ids ${IDS:-0} workers ${WORKERS:-2} $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    partition_sql "$2" "${3:-64MB}" | psql -q -X -v ON_ERROR_STOP=1 "$base/pgp_part" ;;
  *) sed -n 2,17p "$0"; exit 2 ;;
esac
