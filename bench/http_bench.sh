#!/usr/bin/env bash
# Sanity throughput of the HTTP layer: wrk against GET /health on an in-process server hosted
# by the (disabled) HttpBench.DISABLED_ServeForBenchmark test. Prints wrk's summary; the figures
# go by hand into docs/benchmarks.md ("HTTP server").
#   bench/http_bench.sh [build-dir] [connections] [seconds]
set -euo pipefail
build=${1:-build/release}
conns=${2:-64}
secs=${3:-10}
port=${CLV_BENCH_PORT:-38517}
bin="$build/tests/http_tests"
[[ -x $bin ]] || { echo "build http_tests first: cmake --build $build --target http_tests" >&2; exit 1; }

run() {  # $1 = access log on (1) or off (0)
  CLV_BENCH_LISTEN=127.0.0.1:$port CLV_BENCH_ACCESS_LOG=$1 "$bin" \
    --gtest_also_run_disabled_tests --gtest_filter='HttpBench.DISABLED_ServeForBenchmark' \
    >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.05
  done
  echo "== access log: $([[ $1 == 1 ]] && echo on '(to /dev/null)' || echo off)"
  wrk -t2 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port/health"
  kill -TERM "$pid"
  wait "$pid" || true
}
run 0
run 1
