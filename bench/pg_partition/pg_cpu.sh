#!/usr/bin/env bash
# Prints the CPU seconds (user+sys) used so far by the PostgreSQL server of
# $CLV_TEST_SERVICES_DIR (scripts/services.sh): the postmaster's own time, its reaped children's
# (exited backends, parallel workers) and its live children's. Differences between two calls
# give the server CPU of what ran in between (bench/lib.sh pg_server_cpu).
# With an argument LABEL it prints "LABEL <seconds>" instead (for psql's \! between steps).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
s=$(pg_server_cpu)
if [[ $# -gt 0 ]]; then echo "cpu $1 $s"; else echo "$s"; fi
