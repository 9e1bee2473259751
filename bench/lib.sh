# Helpers shared by the bench/ scripts (sourced: `. "$root/bench/lib.sh"`).

# tree_cpu PID: CPU seconds (user+sys, from /proc) used so far by process PID — its own time,
# its reaped children's and its live children's. For PostgreSQL's postmaster that is the whole
# server (exited backends and parallel workers are reaped children, live backends are children);
# for `clv serve` (one process, threads included) it is the server. Differences between two
# calls give the CPU of what ran in between, independent of the load, unlike wall time.
# A child reaped while the sum is taken would be in neither part (its /proc entry gone, the
# parent's children time read before): a backend whose client had just disconnected went
# missing in 5-10 of 20 reads made right after its psql exited. So the sum is taken again until
# the set of children is the same before and after it (0 of 40 then).
tree_cpu() {
  local before after sum
  while :; do
    before=$(pgrep -P "$1" | tr '\n' ' ')
    sum=$({ awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat"
            for c in $before; do awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || true; done
          } | awk -v t="$(getconf CLK_TCK)" '{s += $1} END {printf "%.3f", s / t}')
    after=$(pgrep -P "$1" | tr '\n' ' ')
    [[ $before == "$after" ]] && break
  done
  echo "$sum"
}

# pg_server_cpu [SERVICES_DIR]: tree_cpu of the PostgreSQL server that scripts/services.sh
# started in SERVICES_DIR (default $CLV_TEST_SERVICES_DIR).
pg_server_cpu() {
  tree_cpu "$(head -1 "${1:-$CLV_TEST_SERVICES_DIR}/pg/data/postmaster.pid")"
}

# bench_cleanup: the EXIT trap of the scripts that start `clv serve` and the services — stops
# the server of $clv_pid (if set), the services of $services_dir (if set), removes $work.
bench_cleanup() {
  [[ -n ${clv_pid:-} ]] && kill "$clv_pid" 2>/dev/null && wait "$clv_pid" 2>/dev/null
  [[ -n ${services_dir:-} ]] && "$root/scripts/services.sh" stop "$services_dir"
  rm -rf "$work"
}
