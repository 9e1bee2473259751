#!/usr/bin/env bash
# A CLV calculation end to end on PostgreSQL through the real job path: read the tenant's orders,
# fit (BG/NBD, MBG/NBD, Pareto/NBD with the holdout backtest, Gamma-Gamma), score, write the fit
# and every customer's score. Target (issue 4): 1,000,000 customers / 5,000,000 orders in <= 30 s.
#
#   bench/calc_bench.sh [BUILD_DIR] [ORDERS] [CUSTOMER_POOL]
#     defaults: build/release 5000000 1040000
#
# Data: bench/gen_orders_csv.cc (seed 42) writes ORDERS rows over about 3 years (2021-2023) with
# customers drawn with a skew from CUSTOMER_POOL numbers; 1,040,000 gives ~1,000,000 distinct
# customers at 5 M rows (the tail of the skew leaves ~4 % of the numbers unused). `clv import`
# loads them into a fresh organization on a throwaway PostgreSQL (scripts/services.sh; fsync off).
# Then `clv serve` runs, the owner logs in, POST /clv/calculate {"as_of": "2023-12-31"} starts
# the job and GET /jobs/:id is polled every 0.2 s: the script prints when each stage was first
# seen, the job's own started/finished times, the calculation's in-memory stage timings (from the
# fit report) and the CPU time of clv serve and of the PostgreSQL server during the job.
# Stops everything it started.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
orders=${2:-5000000}
pool=${3:-1040000}
clv=$build/src/clv
[[ -x $clv ]] || { echo "calc bench: $clv not built (cmake --build $build --target clv)" >&2; exit 1; }

work=$(mktemp -d)
clv_pid="" services_dir=""
. "$root/bench/lib.sh"
trap bench_cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }

echo "$(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$root" rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)"

g++ -O2 -std=c++20 -o "$work/gen" "$root/bench/gen_orders_csv.cc"
"$work/gen" --rows "$orders" --customers "$pool" --seed 42 >"$work/orders.csv"

eval "$("$root/scripts/services.sh" start)"
services_dir=$CLV_TEST_SERVICES_DIR
export DATABASE_URL=$CLV_TEST_POSTGRES_URL
export CLV_DATA_DIR=$work/data
JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
export JWT_SECRET
export CLV_ACCESS_TOKEN_TTL_SECONDS=86400
export LOG_LEVEL=warn
"$clv" user create --email owner@example.com --organization Bench --password-stdin \
  <<<'bench-password-1' >/dev/null

t=$(now)
load=$(cut -d' ' -f1-3 /proc/loadavg)
"$clv" import "$work/orders.csv" --email owner@example.com >"$work/import.txt" 2>&1 ||
  { cat "$work/import.txt" >&2; exit 1; }
echo "import: $orders rows in $(since "$t") s (load at start $load): $(tail -1 "$work/import.txt")"
psql -qAt "$DATABASE_URL" -c "VACUUM ANALYZE" >/dev/null
read -r ncust nord < <(psql -qAt -F' ' "$DATABASE_URL" \
  -c "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM orders)")
echo "database: $ncust customers, $nord orders"

. "$root/scripts/lib/ports.sh"
port=$(free_port)
CLV_LISTEN=127.0.0.1:$port "$clv" serve >"$work/clv.log" 2>&1 &
clv_pid=$!
url=http://127.0.0.1:$port
for _ in $(seq 1 600); do curl -s -o /dev/null "$url/health" && break; sleep 0.1; done
token=$(curl -sf -H 'Content-Type: application/json' \
  -d '{"email": "owner@example.com", "password": "bench-password-1"}' "$url/auth/login" | jq -r .access_token)

load=$(cut -d' ' -f1-3 /proc/loadavg)
clv_cpu0=$(tree_cpu "$clv_pid")
pg_cpu0=$(pg_server_cpu "$services_dir")
t=$(now)
job=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"as_of": "2023-12-31"}' "$url/clv/calculate" | jq -r .job_id)
last=""
echo
echo "calculation (job $job), load at start $load; stage first seen at (s since POST):"
while :; do
  body=$(curl -sf -H "Authorization: Bearer $token" "$url/jobs/$job")
  status=$(jq -r .status <<<"$body")
  stage=$(jq -r '.stage // ""' <<<"$body")
  if [[ "$status/$stage" != "$last" ]]; then
    printf '  %6.1f  %s %s\n' "$(since "$t")" "$status" "$stage"
    last="$status/$stage"
  fi
  [[ $status == succeeded || $status == failed ]] && break
  sleep 0.2
done
wall=$(since "$t")
clv_cpu=$(awk -v a="$(tree_cpu "$clv_pid")" -v b="$clv_cpu0" 'BEGIN {printf "%.1f", a - b}')
srv_cpu=$(awk -v a="$(pg_server_cpu "$services_dir")" -v b="$pg_cpu0" 'BEGIN {printf "%.1f", a - b}')
[[ $status == succeeded ]] || { echo "$body" >&2; exit 1; }
echo
echo "job: $(jq -c '{created_at, started_at, finished_at, attempts}' <<<"$body")"
echo "end to end (POST to status succeeded seen): $wall s; CPU: clv serve $clv_cpu s, PostgreSQL $srv_cpu s"
psql -qAt "$DATABASE_URL" -c "SELECT customers, model, report FROM model_fits ORDER BY id DESC LIMIT 1" |
  awk -F'|' '{print "fit: " $1 " customers, model " $2; $1 = $2 = ""; print substr($0, 3)}' >"$work/fit.txt"
head -1 "$work/fit.txt"
tail -1 "$work/fit.txt" | jq -r '"in-memory stages (fit report, wall ms):", (.timings[]? | "  \(.stage): \(.wall_ms)"), "  total: \(.total_ms)"' 2>/dev/null ||
  echo "(fit report has no timings)"
echo "scores written: $(psql -qAt "$DATABASE_URL" -c "SELECT count(*) FROM customer_scores")"
