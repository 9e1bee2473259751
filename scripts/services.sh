#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL 15 and Redis on loopback, on free ports, in a temporary
# directory, for the tests. PostgreSQL refuses to run as root, so as root it runs as the
# `postgres` account that Debian's package creates.
#
#   eval "$(scripts/services.sh start)"   # exports CLV_TEST_POSTGRES_URL, CLV_TEST_REDIS_URL,
#                                        # CLV_TEST_SERVICES_DIR
#   scripts/services.sh stop "$CLV_TEST_SERVICES_DIR"
set -euo pipefail

pg_bin=/usr/lib/postgresql/15/bin
# shellcheck source=lib/ports.sh
. "$(dirname "$0")/lib/ports.sh"

as_db_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local dir pg_port redis_port
  dir=$(mktemp -d /tmp/clv-services.XXXXXX)
  chmod 755 "$dir"
  mkdir -p "$dir/pg" "$dir/redis"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/pg"

  as_db_user "$pg_bin/initdb" -D "$dir/pg/data" -U clv --auth=trust -E UTF8 --no-locale >"$dir/pg/initdb.log" 2>&1 \
    || { cat "$dir/pg/initdb.log" >&2; return 1; }
  # A port can be taken between free_port's check and the bind: try another one, up to 5 times.
  local attempt
  for attempt in 1 2 3 4 5; do
    pg_port=$(free_port)
    as_db_user "$pg_bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 60 start \
      -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      >/dev/null && break
    [ "$attempt" -lt 5 ] || { cat "$dir/pg/server.log" >&2; return 1; }
  done
  as_db_user "$pg_bin/../bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U clv -d postgres -c "CREATE DATABASE clv_test" >/dev/null 2>&1 \
    || psql -q -h 127.0.0.1 -p "$pg_port" -U clv -d postgres -c "CREATE DATABASE clv_test" >/dev/null

  local redis_up=0
  for attempt in 1 2 3 4 5; do
    redis_port=$(free_port)
    redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --dir "$dir/redis" \
      --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log" --save "" --appendonly no >/dev/null
    for _ in $(seq 1 100); do
      redis-cli -p "$redis_port" ping >/dev/null 2>&1 && { redis_up=1; break; }
      sleep 0.1
    done
    [ "$redis_up" -eq 1 ] && break
    # Not up after 10 s (a daemonized redis that cannot bind exits at once): stop what may
    # still run and try another port.
    [ -f "$dir/redis/redis.pid" ] && kill "$(cat "$dir/redis/redis.pid")" 2>/dev/null
  done
  [ "$redis_up" -eq 1 ] || { cat "$dir/redis/redis.log" >&2; return 1; }

  echo "export CLV_TEST_SERVICES_DIR=$dir"
  echo "export CLV_TEST_POSTGRES_URL=postgresql://clv@127.0.0.1:$pg_port/clv_test"
  echo "export CLV_TEST_REDIS_URL=redis://127.0.0.1:$redis_port"
}

stop() {
  local dir=${1:?usage: services.sh stop DIR}
  [ -d "$dir" ] || return 0
  if [ -f "$dir/pg/data/postmaster.pid" ]; then
    as_db_user "$pg_bin/pg_ctl" -D "$dir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -f "$dir/redis/redis.pid" ]; then
    local redis_pid
    redis_pid=$(cat "$dir/redis/redis.pid")
    kill "$redis_pid" 2>/dev/null || true
    # Redis writes its last log lines while it shuts down; removing its directory before it has
    # exited races with them ("Directory not empty"), so wait for it (up to 10 s, then KILL).
    for _ in $(seq 1 100); do
      kill -0 "$redis_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$redis_pid" 2>/dev/null; then kill -9 "$redis_pid" 2>/dev/null || true; fi
  fi
  rm -rf "$dir" 2>/dev/null || { sleep 1; rm -rf "$dir"; }
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
