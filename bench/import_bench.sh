#!/usr/bin/env bash
# `clv import` end to end: 1,000,000 generated orders (bench/gen_orders_csv.cc, seed 42, 200,000
# customers) into a fresh SQLite file and a fresh PostgreSQL database, then the same file again
# (every row unchanged: the idempotent path). Wall and CPU time and peak RSS from
# /usr/bin/time -v. Targets (2 cores): >= 200,000 orders/s into SQLite, >= 150,000 orders/s
# into PostgreSQL, peak RSS < 200 MB.
#
#   bench/import_bench.sh [BUILD_DIR] [ROWS]   (default build/release, 1000000; needs src/clv)
#
# BACKENDS (default "sqlite postgresql") picks the backends to run, e.g. BACKENDS=postgresql for
# interleaved A/B runs of two builds.
# PostgreSQL runs when CLV_TEST_POSTGRES_URL is set (eval "$(scripts/services.sh start)"); a
# database clv_import_bench_<pid> is created on that server and dropped afterwards; the
# server's CPU time is read from /proc when CLV_TEST_SERVICES_DIR names its directory.
# Prints one markdown table row per run, for docs/benchmarks.md ("clv import (end to end)").
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
rows=${2:-1000000}
clv=$build/src/clv
[[ -x $clv ]] || { echo "import_bench: $clv not built (cmake --build $build --target clv)" >&2; exit 1; }

work=$(mktemp -d)
pg_db=""
cleanup() {
  if [[ -n $pg_db ]]; then
    psql -q "$CLV_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
. "$root/bench/lib.sh"
g++ -O2 -std=c++20 -o "$work/gen" "$root/bench/gen_orders_csv.cc"
"$work/gen" --rows "$rows" --customers 200000 --seed 42 >"$work/orders.csv"

# run BACKEND PHASE: one `clv import` under /usr/bin/time -v, one table row.
run() {
  local backend=$1 phase=$2 load server_before=0 server=""
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  [[ $backend == postgresql && -n ${CLV_TEST_SERVICES_DIR:-} ]] && server_before=$(pg_server_cpu)
  /usr/bin/time -v "$clv" import "$work/orders.csv" --email owner@example.com \
    >"$work/out.txt" 2>"$work/time.txt" || { cat "$work/out.txt" "$work/time.txt" >&2; exit 1; }
  local wall cpu rss counts
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; ++i) s = s * 60 + p[i]; printf "%.2f", s}' "$work/time.txt")
  cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u + s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%d", $2 / 1024}' "$work/time.txt")
  [[ $backend == postgresql && -n ${CLV_TEST_SERVICES_DIR:-} ]] &&
    server=" + server $(awk -v a="$(pg_server_cpu)" -v b="$server_before" 'BEGIN {printf "%.2f", a - b}') s"
  counts=$(sed -n 's/.*: \([0-9]* created, [0-9]* updated, [0-9]* unchanged\)/\1/p' "$work/out.txt")
  echo "| $backend | $phase | ${wall} s | $(awk -v r="$rows" -v w="$wall" 'BEGIN {printf "%d", r / w}') | ${cpu} s${server} | ${rss} MB | $load | $counts |"
}

echo "$(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "csv: $rows rows, $(du -m "$work/orders.csv" | cut -f1) MB"
echo
echo "| backend | run | wall | orders/s | CPU user+sys (clv + PostgreSQL server) | peak RSS (clv) | load avg (1/5/15 min) at start | result |"
echo "|---|---|---|---|---|---|---|---|"

export CLV_DATA_DIR=$work/data
backends=" ${BACKENDS:-sqlite postgresql} "
if [[ $backends == *" sqlite "* ]]; then
  export DATABASE_URL=sqlite:$work/data/clv.db
  "$clv" user create --email owner@example.com --organization Bench --password-stdin \
    <<<'bench-password-1' >/dev/null
  run sqlite fresh
  run sqlite "re-import"
fi

if [[ $backends == *" postgresql "* && -z ${CLV_TEST_POSTGRES_URL:-} ]]; then
  echo "(postgresql skipped: CLV_TEST_POSTGRES_URL is not set)"
elif [[ $backends == *" postgresql "* ]]; then
  pg_db=clv_import_bench_$$
  # PG_LOCALE=C.UTF-8 (say) creates the database with that collation, as a cluster made by
  # Debian's pg_createcluster on a machine with that locale would; the test server's default is C.
  psql -q "$CLV_TEST_POSTGRES_URL" \
    -c "CREATE DATABASE $pg_db${PG_LOCALE:+ TEMPLATE template0 LOCALE '$PG_LOCALE'}" >/dev/null
  export DATABASE_URL=${CLV_TEST_POSTGRES_URL%/*}/$pg_db
  "$clv" user create --email owner@example.com --organization Bench --password-stdin \
    <<<'bench-password-1' >/dev/null
  run postgresql fresh
  run postgresql "re-import"
fi
