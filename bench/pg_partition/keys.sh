#!/usr/bin/env bash
# What each index of `orders` and `customers` costs a tenant's first import, and the column order
# of their unique keys (migration 6, docs/benchmarks.md "Session 11"): the exported tenant's rows
# (run.sh export) COPYed by psql, as tenant 1, into a fresh copy of the table (columns, defaults,
# CHECKs, identity and fillfactor of schema.sql's, no index) with the variant's indexes first.
# One line per COPY: table, variant, psql wall. ROUNDS (default 3) alternations of the VARIANTS
# (default: all of them, in this order):
#   orders-none          no index
#   orders-pkey          the primary key (tenant_id, id)
#   orders-key-source    the unique key as migration 1 created it (tenant_id, source, external_id)
#   orders-key-external  the unique key as migration 6 leaves it (tenant_id, external_id, source)
#   orders-customer      orders_customer as migration 5 leaves it
#   customers-before     the four indexes before migration 6 (primary key, unique key led by
#                        source, customers_email, customers_external_id), rows in key order
#   customers-after      the three after it (the unique key led by external_id), rows in key order
#   customers-by-id      the three after it, rows in id order
#
#   eval "$(scripts/services.sh start)"
#   WORK=/tmp/pgp bench/pg_partition/run.sh export SOURCE_DB_URL
#   WORK=/tmp/pgp bench/pg_partition/keys.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/pg_partition}
base=${CLV_TEST_POSTGRES_URL%/*}
db=$base/pgp_keys
[[ -s $work/orders.tsv && -s $work/customers.tsv ]] ||
  { echo "keys: $work/orders.tsv or customers.tsv missing (run.sh export)" >&2; exit 1; }
variants=${VARIANTS:-orders-none orders-pkey orders-key-source orders-key-external orders-customer customers-before customers-after customers-by-id}

# The inputs as tenant 1; the customers in key order (the export's third column is external_id;
# every exported customer has the same source) and in id order.
[[ -s $work/keys_orders.tsv ]] || sed "s/^/1\t/" "$work/orders.tsv" >"$work/keys_orders.tsv"
[[ -s $work/keys_customers_by_key.tsv ]] ||
  sort -t$'\t' -k3,3 "$work/customers.tsv" | sed "s/^/1\t/" >"$work/keys_customers_by_key.tsv"
[[ -s $work/keys_customers_by_id.tsv ]] ||
  sort -t$'\t' -k1,1n "$work/customers.tsv" | sed "s/^/1\t/" >"$work/keys_customers_by_id.tsv"

psql -q -X "$base/postgres" -c "DROP DATABASE IF EXISTS pgp_keys" 2>/dev/null -c "CREATE DATABASE pgp_keys"
psql -q -X -v ON_ERROR_STOP=1 -v part=0 -f "$here/schema.sql" "$db" >/dev/null

order_cols="tenant_id, source, external_id, customer_id, placed_at, currency, total_minor, status, refund_of_order_id, kind, created_at, updated_at"
customer_cols="tenant_id, id, source, external_id, email, first_order_at, last_order_at, order_count, created_at"

# copy TABLE VARIANT INDEX_SQL FILE COLUMNS: a fresh copy `t` of TABLE with INDEX_SQL's indexes,
# then one COPY of FILE into it.
copy() {
  local table=$1 variant=$2 index_sql=$3 file=$4 cols=$5 out
  psql -q -X -v ON_ERROR_STOP=1 "$db" -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS t" \
    -c "CREATE TABLE t (LIKE $table INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY)$(
      [[ $table == customers ]] && echo " WITH (fillfactor = 85)")" \
    ${index_sql:+-c "$index_sql"} -c "CHECKPOINT" >/dev/null
  out=$(psql -q -X -v ON_ERROR_STOP=1 "$db" -c "\\timing on" -c "\\copy t ($cols) FROM '$file'")
  printf "%-10s %-20s wall %6.3f s\n" "$table" "$variant" \
    "$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' <<<"$out" | awk '{print $1 / 1000}')"
}

orders_customer="CREATE INDEX ON t (tenant_id, customer_id, placed_at, id) WITH (deduplicate_items = off)"
customers_after="ALTER TABLE t ADD PRIMARY KEY (tenant_id, id), ADD UNIQUE (tenant_id, external_id, source);
CREATE INDEX ON t (tenant_id, email)"
customers_before="ALTER TABLE t ADD PRIMARY KEY (tenant_id, id), ADD UNIQUE (tenant_id, source, external_id);
CREATE INDEX ON t (tenant_id, email); CREATE INDEX ON t (tenant_id, external_id)"
for _ in $(seq "${ROUNDS:-3}"); do
  for v in $variants; do
    case $v in
      orders-none) copy orders none "" "$work/keys_orders.tsv" "$order_cols" ;;
      orders-pkey) copy orders pkey "ALTER TABLE t ADD PRIMARY KEY (tenant_id, id)" \
        "$work/keys_orders.tsv" "$order_cols" ;;
      orders-key-source) copy orders key-source "ALTER TABLE t ADD UNIQUE (tenant_id, source, external_id)" \
        "$work/keys_orders.tsv" "$order_cols" ;;
      orders-key-external) copy orders key-external "ALTER TABLE t ADD UNIQUE (tenant_id, external_id, source)" \
        "$work/keys_orders.tsv" "$order_cols" ;;
      orders-customer) copy orders customer "$orders_customer" "$work/keys_orders.tsv" "$order_cols" ;;
      customers-before) copy customers before "$customers_before" \
        "$work/keys_customers_by_key.tsv" "$customer_cols" ;;
      customers-after) copy customers after "$customers_after" \
        "$work/keys_customers_by_key.tsv" "$customer_cols" ;;
      customers-by-id) copy customers after-by-id "$customers_after" \
        "$work/keys_customers_by_id.tsv" "$customer_cols" ;;
      *) echo "keys: unknown variant $v" >&2; exit 1 ;;
    esac
  done
done
psql -q -X "$base/postgres" -c "DROP DATABASE pgp_keys"
