#!/usr/bin/env bash
# GET /clv/customers/:id — `clv serve` against the seed's stack (bench/api/fastify: Fastify +
# node-postgres, 2 cluster workers) over the SAME throwaway PostgreSQL database, with wrk in
# alternation (ours, fastify, ours, fastify, ...) at 64 and 512 connections.
#
#   bench/api/run.sh [BUILD_DIR] [CUSTOMERS] [SECONDS] [ROUNDS] [CONNECTIONS...]
#     defaults: build/release 20000 20 3 "64 512"
#
# What it does: starts PostgreSQL (scripts/services.sh), `clv demo --customers N` (the demo shop:
# a simulated two-year order log), starts `clv serve`, logs in (POST /auth/login), runs a
# calculation (POST /clv/calculate, polls GET /jobs/:id) so every customer has a score row,
# starts the Fastify server with the same JWT_SECRET, checks that both answer the same JSON for a
# few customers (apart from p_alive_history, which only ours computes), then runs
# `wrk -t2 -cC -dSs --latency -s bench/api/ids.lua` (random customer ids of the tenant) in
# alternation. Prints one markdown row per run and the median per server and connection count.
# Stops everything it started.
#
# Our server's knobs come from the environment as usual (CLV_IO_THREADS, CLV_WORKER_THREADS,
# CLV_PG_POOL_SIZE); the Fastify side from FASTIFY_WORKERS (2) and FASTIFY_PG_POOL_SIZE (10 per
# worker, node-postgres's default). PERF=1 records `perf record -g` of clv serve during the first
# 64-connection round of ours into $PERF_OUT (default /tmp/clv-api-perf.data).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
customers=${2:-20000}
seconds=${3:-20}
rounds=${4:-3}
shift $(( $# < 4 ? $# : 4 ))
conns=("$@")
[[ ${#conns[@]} -gt 0 ]] || conns=(64 512)
clv=$build/src/clv
[[ -x $clv ]] || { echo "api bench: $clv not built (cmake --build $build --target clv)" >&2; exit 1; }
for tool in wrk node curl jq psql; do
  command -v "$tool" >/dev/null || { echo "api bench: $tool not found" >&2; exit 1; }
done
fastify_dir=$root/bench/api/fastify
if [[ ! -d $fastify_dir/node_modules ]]; then
  (cd "$fastify_dir" && npm ci --no-audit --no-fund >/dev/null)
fi
ulimit -n 65536 2>/dev/null || true

work=$(mktemp -d)
clv_pid="" node_pid="" services_dir=""
cleanup() {
  [[ -n $clv_pid ]] && kill "$clv_pid" 2>/dev/null && wait "$clv_pid" 2>/dev/null
  [[ -n $node_pid ]] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
  [[ -n $services_dir ]] && "$root/scripts/services.sh" stop "$services_dir"
  rm -rf "$work"
}
trap cleanup EXIT

# free_port picks below Linux's ephemeral range (see there): a port inside it can be the source
# port of one of the many client connections (wrk, the pools) — free to connect to, yet a
# listener cannot bind it. A plausible cause of the one unexplained "did not come up" of Fastify.
. "$root/scripts/lib/ports.sh"
wait_http() {  # URL LOG PID: until URL answers at all (up to 60 s); on failure print LOG
  for _ in $(seq 1 600); do
    curl -s -o /dev/null "$1" && return 0
    if ! kill -0 "$3" 2>/dev/null; then
      echo "api bench: the server for $1 exited before answering" >&2
      break
    fi
    sleep 0.1
  done
  echo "api bench: $1 did not come up; its log ($2):" >&2
  # Kept and shown: the temporary directory (and the log with it) goes when the script exits.
  sed 's/^/  | /' "$2" >&2 || true
  cp "$2" "/tmp/clv-api-bench-$(basename "$2").$$" 2>/dev/null &&
    echo "api bench: log kept as /tmp/clv-api-bench-$(basename "$2").$$" >&2
  return 1
}

eval "$("$root/scripts/services.sh" start)"
services_dir=$CLV_TEST_SERVICES_DIR
export DATABASE_URL=$CLV_TEST_POSTGRES_URL
export CLV_DATA_DIR=$work/data
JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
export JWT_SECRET
export CLV_ACCESS_TOKEN_TTL_SECONDS=86400
export LOG_LEVEL=warn

demo=$("$clv" demo --customers "$customers")
email=$(sed -n 's/^Sign in as \(.*\) \/ .*/\1/p' <<<"$demo")
password=$(sed -n 's/^Sign in as .* \/ \(.*\)$/\1/p' <<<"$demo")
tenant=$(sed -n 's/.*(organization \([0-9]*\)).*/\1/p' <<<"$demo")

ours_port=$(free_port)
CLV_LISTEN=127.0.0.1:$ours_port "$clv" serve >"$work/clv.log" 2>&1 &
clv_pid=$!
ours=http://127.0.0.1:$ours_port
wait_http "$ours/health" "$work/clv.log" "$clv_pid"

token=$(curl -sf -H 'Content-Type: application/json' \
  -d "$(jq -n --arg e "$email" --arg p "$password" '{email: $e, password: $p}')" \
  "$ours/auth/login" | jq -r .access_token)
[[ -n $token && $token != null ]] || { echo "api bench: login failed" >&2; exit 1; }

calc_start=$(date +%s.%N)
job=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{}' \
  "$ours/clv/calculate" | jq -r .job_id)
while :; do
  status=$(curl -sf -H "Authorization: Bearer $token" "$ours/jobs/$job" | jq -r .status)
  [[ $status == succeeded ]] && break
  [[ $status == failed ]] && { curl -s -H "Authorization: Bearer $token" "$ours/jobs/$job" >&2; exit 1; }
  sleep 0.5
done
calc_s=$(awk -v a="$calc_start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')

read -r min_id max_id scored < <(psql -qAt -F' ' "$DATABASE_URL" \
  -c "SELECT min(customer_id), max(customer_id), count(*) FROM customer_scores WHERE tenant_id = $tenant")
[[ $((max_id - min_id + 1)) -eq $scored ]] ||
  echo "api bench: note: scored ids are not dense ($scored scores in $min_id..$max_id); some picks get score null" >&2

fastify_port=$(free_port)
PORT=$fastify_port WORKERS=${FASTIFY_WORKERS:-2} PG_POOL_SIZE=${FASTIFY_PG_POOL_SIZE:-10} \
  node "$fastify_dir/server.js" >"$work/fastify.log" 2>&1 &
node_pid=$!
fastify=http://127.0.0.1:$fastify_port
wait_http "$fastify/clv/customers/1" "$work/fastify.log" "$node_pid"

# Same answer from both (p_alive_history aside) for a few customers.
for id in "$min_id" $(( (min_id + max_id) / 2 )) "$max_id"; do
  a=$(curl -sf -H "Authorization: Bearer $token" "$ours/clv/customers/$id" | jq -S 'del(.p_alive_history)')
  b=$(curl -sf -H "Authorization: Bearer $token" "$fastify/clv/customers/$id" | jq -S 'del(.p_alive_history)')
  if [[ $a != "$b" ]]; then
    echo "api bench: customer $id differs between the servers:" >&2
    diff <(echo "$a") <(echo "$b") >&2 || true
    exit 1
  fi
done
history_points=$(curl -sf -H "Authorization: Bearer $token" "$ours/clv/customers/$min_id" | jq '.p_alive_history | length')
bytes_ours=$(curl -s -H "Authorization: Bearer $token" "$ours/clv/customers/$min_id" | wc -c)
bytes_fastify=$(curl -s -H "Authorization: Bearer $token" "$fastify/clv/customers/$min_id" | wc -c)

echo "$(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$root" rev-parse --short HEAD)"
echo "tenant: $customers demo customers, $scored scored (ids $min_id..$max_id); calculation ${calc_s} s"
echo "ours: clv serve (CLV_IO_THREADS=${CLV_IO_THREADS:-default} CLV_WORKER_THREADS=${CLV_WORKER_THREADS:-default} CLV_PG_POOL_SIZE=${CLV_PG_POOL_SIZE:-default}); $bytes_ours bytes for customer $min_id incl. $history_points P(alive) points"
echo "fastify: ${FASTIFY_WORKERS:-2} workers × pool ${FASTIFY_PG_POOL_SIZE:-10}; $bytes_fastify bytes (p_alive_history empty)"
echo
echo "CPU columns: CPU time of the server process(es) and of the PostgreSQL server per request"
echo "(user+sys from /proc; load-independent, unlike the wall-clock figures on a shared machine)."
echo
echo "| round | connections | server | requests/s | p50 | p99 | server CPU/req | PostgreSQL CPU/req | non-2xx | errors | load avg at start |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"

# CPU seconds of the servers (bench/lib.sh tree_cpu): the node cluster's workers and
# PostgreSQL's backends are children; clv serve is one process (threads included).
. "$root/bench/lib.sh"
postmaster=$(head -1 "$services_dir/pg/data/postmaster.pid")

# wrk's latency values in ms ("1.23ms", "456.00us", "1.20s", "2.00m").
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.0f", v * 60000 }
    else { sub(/s$/, "", v); printf "%.0f", v * 1000 } }'
}
results=$work/results.txt
: >"$results"
export TOKEN=$token MIN_ID=$min_id MAX_ID=$max_id
for c in "${conns[@]}"; do
  for r in $(seq 1 "$rounds"); do
    for server in ours fastify; do
      url=$ours pid=$clv_pid
      [[ $server == fastify ]] && url=$fastify pid=$node_pid
      load=$(cut -d' ' -f1-3 /proc/loadavg)
      perf_pid=""
      if [[ ${PERF:-0} == 1 && $server == ours && $r == 1 && $c == "${conns[0]}" ]]; then
        perf record -g -F 499 -p "$clv_pid" -o "${PERF_OUT:-/tmp/clv-api-perf.data}" -- sleep "$seconds" \
          >/dev/null 2>&1 &
        perf_pid=$!
      fi
      s_cpu0=$(tree_cpu "$pid") pg_cpu0=$(tree_cpu "$postmaster")
      wrk -t2 -c"$c" -d"${seconds}s" --timeout 10s --latency -s "$root/bench/api/ids.lua" "$url" \
        >"$work/wrk.txt" 2>&1
      s_cpu=$(tree_cpu "$pid") pg_cpu=$(tree_cpu "$postmaster")
      [[ -n $perf_pid ]] && wait "$perf_pid" || true
      rps=$(awk '/^Requests\/sec:/ {printf "%d", $2}' "$work/wrk.txt")
      p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")")
      p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")")
      non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")
      errors=$(sed -n 's/.*Socket errors: \(.*\)/\1/p' "$work/wrk.txt")
      total=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
      s_us=$(awk -v a="$s_cpu" -v b="$s_cpu0" -v n="$total" 'BEGIN {printf "%d", (a - b) * 1e6 / n}')
      pg_us=$(awk -v a="$pg_cpu" -v b="$pg_cpu0" -v n="$total" 'BEGIN {printf "%d", (a - b) * 1e6 / n}')
      echo "| $r | $c | $server | $rps | ${p50} ms | ${p99} ms | ${s_us} µs | ${pg_us} µs | ${non2xx:-0} | ${errors:-none} | $load |"
      echo "$c $server $rps $p50 $p99 $s_us $pg_us" >>"$results"
    done
  done
done

echo
echo "Medians over $rounds rounds:"
echo
echo "| connections | server | requests/s | p50 | p99 | server CPU/req | PostgreSQL CPU/req | ours/fastify req/s | ours p99 / fastify p99 |"
echo "|---|---|---|---|---|---|---|---|---|"
for c in "${conns[@]}"; do
  med() { awk -v c="$c" -v s="$1" -v k="$2" '$1 == c && $2 == s {print $k}' "$results" | sort -g |
          awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
  o_rps=$(med ours 3) o_p50=$(med ours 4) o_p99=$(med ours 5) o_cpu=$(med ours 6) o_pg=$(med ours 7)
  f_rps=$(med fastify 3) f_p50=$(med fastify 4) f_p99=$(med fastify 5) f_cpu=$(med fastify 6) f_pg=$(med fastify 7)
  ratio=$(awk -v a="$o_rps" -v b="$f_rps" 'BEGIN {printf "%.2f×", a / b}')
  pratio=$(awk -v a="$o_p99" -v b="$f_p99" 'BEGIN {printf "%.2f", a / b}')
  echo "| $c | ours | $o_rps | $o_p50 ms | $o_p99 ms | $o_cpu µs | $o_pg µs | $ratio | $pratio |"
  echo "| $c | fastify | $f_rps | $f_p50 ms | $f_p99 ms | $f_cpu µs | $f_pg µs | | |"
done
