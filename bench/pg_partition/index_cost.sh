#!/usr/bin/env bash
# What the shared `orders` table's third index costs a tenant's first import: the orders COPY of
# the exported tenant (run.sh export), relabelled as a new tenant each time, into today's table
# (pgp_index, built by schema.sql -v part=0) with `orders_customer` in several forms.
# One line per COPY: variant, psql wall, server CPU (pg_cpu.sh). ROUNDS (default 3) alternations
# of the VARIANTS (default "dedup nodedup by-customer hash none"):
#   dedup          the btree as migration 1 creates it (B-tree deduplication on, the default)
#   nodedup        the btree as migration 5 leaves it (deduplicate_items = off)
#   by-customer    nodedup, the rows sorted by customer first
#   chunks-N       nodedup, each N-row chunk of the rows sorted by customer (e.g. chunks-65536)
#   narrow         a btree on (tenant_id, customer_id) only
#   hash           a hash index on customer_id
#   none           no third index
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
variants=${VARIANTS:-dedup nodedup by-customer hash none}
# The sorted inputs, made once in $work for the variants that use them.
by_customer() { sort -t$'\t' -k3,3n -k4,4n "$@"; }
for v in $variants; do
  [[ ($v == by-customer || $v == chunks-*) && ! -s $work/orders_$v.tsv ]] || continue
  if [[ $v == by-customer ]]; then
    by_customer "$work/orders.tsv" >"$work/orders_$v.tsv"
    continue
  fi
  rm -rf "$work/chunks" && mkdir "$work/chunks"
  split -l "${v#chunks-}" -d -a 5 "$work/orders.tsv" "$work/chunks/x"
  for f in "$work"/chunks/x*; do by_customer "$f"; done >"$work/orders_$v.tsv"
  rm -rf "$work/chunks"
done

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
nodedup="$btree WITH (deduplicate_items = off)"
copy "warm-up (nodedup)" "$nodedup" "$work/orders.tsv"
for _ in $(seq "${ROUNDS:-3}"); do
  for v in $variants; do
    case $v in
      dedup) copy "btree, dedup (migration 1)" "$btree" "$work/orders.tsv" ;;
      nodedup) copy "btree, no dedup (migr. 5)" "$nodedup" "$work/orders.tsv" ;;
      by-customer) copy "no dedup, rows by customer" "$nodedup" "$work/orders_$v.tsv" ;;
      chunks-*) copy "no dedup, $v" "$nodedup" "$work/orders_$v.tsv" ;;
      narrow) copy "btree (tenant, customer)" \
        "CREATE INDEX orders_customer ON orders (tenant_id, customer_id)" "$work/orders.tsv" ;;
      hash) copy "hash (customer_id)" \
        "CREATE INDEX orders_customer ON orders USING hash (customer_id)" "$work/orders.tsv" ;;
      none) copy "none" "" "$work/orders.tsv" ;;
      *) echo "index_cost: unknown variant $v" >&2; exit 1 ;;
    esac
  done
done
psql -q -X "$base/postgres" -c "DROP DATABASE pgp_index"
