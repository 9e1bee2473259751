#!/usr/bin/env bash
# Prints the CPU seconds (user+sys) used so far by the PostgreSQL server of
# $CLV_TEST_SERVICES_DIR (scripts/services.sh): the postmaster's own time, its reaped children's
# (exited backends, parallel workers) and its live children's. Differences between two calls
# give the server CPU of what ran in between (same formula as bench/import_bench.sh).
# With an argument LABEL it prints "LABEL <seconds>" instead (for psql's \! between steps).
set -euo pipefail
pm=$(head -1 "$CLV_TEST_SERVICES_DIR/pg/data/postmaster.pid")
ticks=$(getconf CLK_TCK)
s=$({ awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat"
      for c in $(pgrep -P "$pm"); do awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || true; done
    } | awk -v t="$ticks" '{s += $1} END {printf "%.2f", s / t}')
if [[ $# -gt 0 ]]; then echo "cpu $1 $s"; else echo "$s"; fi
