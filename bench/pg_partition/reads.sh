#!/usr/bin/env bash
# What the hot reads cost on shared vs partitioned orders/customers (run.sh's databases):
# the API detail statement's customers + orders part and one GET /orders page by pgbench
# (-M prepared, plan_cache_mode=force_generic_plan as the server's priming gets), and the
# calculation's tenant read (pg_analysis_read.cc's COPY, binary, to /dev/null) by psql.
# The partitioned parents need ANALYZE (autovacuum never analyzes a partitioned table; without
# parent statistics the GET /orders join is planned as a nested loop over every customer).
# Prints statements/s and the server's CPU per statement (pg_cpu.sh before/after).
#
#   bench/pg_partition/reads.sh DB TENANT [SECONDS]     (DB: pgp_shared or pgp_part)
#   env PLAN=auto|force_custom_plan instead of force_generic_plan; JIT=off; SCRIPTS="detail_t1"
#   (the pgbench files to run, default "detail list_orders": names in this directory, or paths
#   ending in .pgbench); ANALYSIS=0 skips the COPY read
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
db=$1 tenant=$2 secs=${3:-8}
url=${CLV_TEST_POSTGRES_URL%/*}/$db
customers=$(psql -X -At "$url" -c "SELECT max(id) FROM customers WHERE tenant_id = $tenant")
orders=$(psql -X -At "$url" -c "SELECT max(id) FROM orders WHERE tenant_id = $tenant")
echo "$db tenant $tenant plan ${PLAN:-force_generic_plan} jit ${JIT:-on} $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
for script in ${SCRIPTS:-detail list_orders}; do
  file=$here/$script.pgbench
  [[ $script == *.pgbench ]] && file=$script
  before=$("$here/pg_cpu.sh")
  out=$(PGOPTIONS="-c plan_cache_mode=${PLAN:-force_generic_plan} -c jit=${JIT:-on}" pgbench -n -M prepared -c 2 -j 1 -T "$secs" \
    -D tenant="$tenant" -D customers="$customers" -D orders="$orders" -f "$file" "$url" 2>&1)
  sleep 0.5  # the backends' CPU counts once the postmaster has reaped them
  after=$("$here/pg_cpu.sh")
  n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
  tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
  awk -v s="$script" -v n="$n" -v t="$tps" -v a="$after" -v b="$before" \
    'BEGIN {printf "  %-12s %8.0f statements/s  %7.1f us server CPU per statement\n", s, t, (a - b) / n * 1e6}'
done
for _ in $([[ ${ANALYSIS:-1} == 1 ]] && echo 1 2 3); do
  before=$("$here/pg_cpu.sh")
  start=$(date +%s.%N)
  psql -X -q "$url" -c "COPY (SELECT customer_id, placed_at, id, CASE WHEN kind = 'refund' THEN -total_minor ELSE total_minor END, currency FROM orders WHERE tenant_id = $tenant AND status <> 'cancelled') TO STDOUT (FORMAT binary)" >/dev/null
  end=$(date +%s.%N)
  sleep 0.5
  after=$("$here/pg_cpu.sh")
  awk -v a="$after" -v b="$before" -v w="$(echo "$end - $start" | bc)" \
    'BEGIN {printf "  analysis read %.2f s server CPU, %.2f s wall\n", a - b, w}'
done
