#!/usr/bin/env bash
# GET /clv/customers/:id, before/after: alternates several `clv` binaries over ONE demo database
# (bench/api/run.sh's set-up without Fastify), so that CPU per request can be compared on the
# same load. Usage: bench/api/ab.sh CLV_BINARY... (the first one creates the demo tenant and runs
# the calculation). Each round starts each binary in turn (`clv serve`, default options), warms
# up for 2 s and runs `wrk -t2 -c${CONNS:-64} -d${SECONDS_RUN:-10}s`; prints one row per run with
# the server's and PostgreSQL's CPU per request (user+sys from /proc). Before the rounds it
# checks that every binary answers the same bytes (headers but Date, bodies) for three customers
# and an unknown id. ROUNDS (3) rounds; PERF_BIN_INDEX=i records a DWARF call-graph profile of
# binary i in round 1 into /tmp/clv-ab-perf.<i>.data. Copy the binaries out of the build dir
# first: a rebuild in between would change them.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${SECONDS_RUN:-10}
rounds=${ROUNDS:-3}
bins=("$@")
work=$(mktemp -d)
clv_pid="" services_dir=""
. "$root/bench/lib.sh"
trap bench_cleanup EXIT
. "$root/scripts/lib/ports.sh"
eval "$("$root/scripts/services.sh" start)"
services_dir=$CLV_TEST_SERVICES_DIR
export DATABASE_URL=$CLV_TEST_POSTGRES_URL CLV_DATA_DIR=$work/data
JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n'); export JWT_SECRET
export CLV_ACCESS_TOKEN_TTL_SECONDS=86400 LOG_LEVEL=warn
demo=$("${bins[0]}" demo --customers 20000)
email=$(sed -n 's/^Sign in as \(.*\) \/ .*/\1/p' <<<"$demo")
password=$(sed -n 's/^Sign in as .* \/ \(.*\)$/\1/p' <<<"$demo")
tenant=$(sed -n 's/.*(organization \([0-9]*\)).*/\1/p' <<<"$demo")
start() {
  port=$(free_port)
  CLV_LISTEN=127.0.0.1:$port "$1" serve >"$work/clv.log" 2>&1 &
  clv_pid=$!; url=http://127.0.0.1:$port
  for _ in $(seq 1 300); do curl -s -o /dev/null "$url/health" && return 0; sleep 0.1; done
  cat "$work/clv.log"; exit 1
}
stop() { kill "$clv_pid"; wait "$clv_pid" 2>/dev/null || true; clv_pid=""; }
start "${bins[0]}"
token=$(curl -sf -H 'Content-Type: application/json' -d "$(jq -n --arg e "$email" --arg p "$password" '{email: $e, password: $p}')" "$url/auth/login" | jq -r .access_token)
job=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{}' "$url/clv/calculate" | jq -r .job_id)
while :; do s=$(curl -sf -H "Authorization: Bearer $token" "$url/jobs/$job" | jq -r .status); [[ $s == succeeded ]] && break; [[ $s == failed ]] && exit 1; sleep 0.5; done
read -r min_id max_id < <(psql -qAt -F' ' "$DATABASE_URL" -c "SELECT min(customer_id), max(customer_id) FROM customer_scores WHERE tenant_id = $tenant")
stop
export TOKEN=$token MIN_ID=$min_id MAX_ID=$max_id
postmaster=$(head -1 "$services_dir/pg/data/postmaster.pid")
# same bytes from every binary for a few ids
for i in "${!bins[@]}"; do
  start "${bins[$i]}"
  for id in $min_id $(( (min_id+max_id)/2 )) $max_id 999999999; do curl -s -D - -H "Authorization: Bearer $token" -H "X-Request-Id: fixed-id" "$url/clv/customers/$id" | grep -vi '^date:' ; echo; done >"$work/bytes.$i"
  stop
  [[ $i -gt 0 ]] && { cmp -s "$work/bytes.0" "$work/bytes.$i" && echo "bytes: bin $i == bin 0" || { echo "bytes differ bin $i"; diff "$work/bytes.0" "$work/bytes.$i" | head -20; }; }
done
echo "| round | binary | requests/s | p50 | p99 | server CPU/req | PostgreSQL CPU/req | load |"
for r in $(seq 1 "$rounds"); do
  for i in "${!bins[@]}"; do
    start "${bins[$i]}"
    wrk -t2 -c"${CONNS:-64}" -d2s -s "$root/bench/api/ids.lua" "$url" >/dev/null 2>&1
    load=$(cut -d' ' -f1 /proc/loadavg)
    perf_pid=""
    if [[ -n ${PERF_BIN_INDEX:-} && $i == "$PERF_BIN_INDEX" && $r == 1 ]]; then
      perf record --call-graph dwarf,16384 -F 199 -p "$clv_pid" -o /tmp/clv-ab-perf.$i.data -- sleep "$seconds" >/dev/null 2>&1 & perf_pid=$!
    fi
    s0=$(tree_cpu "$clv_pid") p0=$(tree_cpu "$postmaster")
    wrk -t2 -c"${CONNS:-64}" -d"${seconds}s" --timeout 10s --latency -s "$root/bench/api/ids.lua" "$url" >"$work/wrk.txt" 2>&1
    s1=$(tree_cpu "$clv_pid") p1=$(tree_cpu "$postmaster")
    [[ -n $perf_pid ]] && wait "$perf_pid" || true
    n=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
    rps=$(awk '/^Requests\/sec:/ {printf "%d", $2}' "$work/wrk.txt")
    p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt"); p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")
    su=$(awk -v a="$s1" -v b="$s0" -v n="$n" 'BEGIN {printf "%d", (a-b)*1e6/n}')
    pu=$(awk -v a="$p1" -v b="$p0" -v n="$n" 'BEGIN {printf "%d", (a-b)*1e6/n}')
    echo "| $r | ${bins[$i]} | $rps | $p50 | $p99 | $su µs | $pu µs | $load ${non2xx:+non2xx=$non2xx} |"
    stop
  done
done
