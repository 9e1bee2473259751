#!/usr/bin/env bash
# What the shared `orders` table's third index costs a tenant's first import: the orders COPY of
# the exported tenant (run.sh export), relabelled as a new tenant each time, into today's table
# (pgp_index, built by schema.sql -v part=0) with `orders_customer` as migration 1 defines it,
# without it, as a hash index on customer_id, and with the rows sorted by customer first.
# One line per COPY: variant, psql wall, server CPU (pg_cpu.sh). ROUNDS (default 3) alternations.
#
#   eval "$(scripts/services.sh start)"
#   WORK=/tmp/pgp bench/pg_partition/run.sh export SOURCE_DB_URL
#   WORK=/tmp/pgp bench/pg_partition/index_cost.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/pg_partition}
base=${CLV_TEST_POSTGRES_URL%/*}
db=$base/pgp_index
[[ -s $work/orders.tsv ]] || { echo "index_cost: $work/orders.tsv missing (run.sh export)" >&2; exit 1; }
[[ -s $work/orders_by_customer.tsv ]] ||
  sort -t$'\t' -k3,3n -k4,4n "$work/orders.tsv" >"$work/orders_by_customer.tsv"

psql -q -X "$base/postgres" -c "DROP DATABASE IF EXISTS pgp_index" 2>/dev/null -c "CREATE DATABASE pgp_index"
psql -q -X -v ON_ERROR_STOP=1 -v part=0 -f "$here/schema.sql" "$db" >/dev/null
psql -q -X "$db" -c "DROP TABLE customers" >/dev/null

tenant=1
# copy VARIANT INDEX_SQL FILE: (re)creates orders_customer as INDEX_SQL, then one COPY of FILE as
# the next tenant.
copy() {
  local variant=$1 index_sql=$2 file=$3 out
  psql -q -X "$db" -c "SET client_min_messages = warning" -c "DROP INDEX IF EXISTS orders_customer" ${index_sql:+-c "$index_sql"} >/dev/null
  # The CPU is read from inside the session, while its backend is a live child of the postmaster.
  out=$(psql -q -X "$db" <<SQL
\\! $here/pg_cpu.sh before
\\timing on
\\copy orders (tenant_id, source, external_id, customer_id, placed_at, currency, total_minor, status, refund_of_order_id, kind, created_at, updated_at) FROM PROGRAM 'sed "s/^/$tenant\t/" $file'
\\timing off
\\! $here/pg_cpu.sh after
SQL
)
  awk -v v="$variant" -v t="$tenant" '
    /^cpu before/ {b = $3} /^cpu after/ {a = $3} /^Time:/ {w = $2 / 1000}
    END {printf "%-26s tenant %2d  wall %6.2f s  server CPU %5.2f s\n", v, t, w, a - b}' <<<"$out"
  tenant=$((tenant + 1))
}

btree="CREATE INDEX orders_customer ON orders (tenant_id, customer_id, placed_at, id)"
copy "warm-up (btree)" "$btree" "$work/orders.tsv"
for _ in $(seq "${ROUNDS:-3}"); do
  copy "btree (migration 1)" "$btree" "$work/orders.tsv"
  copy "btree, rows by customer" "$btree" "$work/orders_by_customer.tsv"
  copy "hash (customer_id)" "CREATE INDEX orders_customer ON orders USING hash (customer_id)" "$work/orders.tsv"
  copy "none" "" "$work/orders.tsv"
done
psql -q -X "$base/postgres" -c "DROP DATABASE pgp_index"
