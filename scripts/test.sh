#!/usr/bin/env bash
# The whole test suite, as `make test` runs it: installs what is missing, builds the release and
# the sanitizer (ASan+UBSan) builds, starts a throwaway PostgreSQL and Redis on loopback, runs
# every test against both builds, stops the services, and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
jobs=$(nproc)

for preset in release debug; do
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
done

eval "$(scripts/services.sh start)"
trap 'scripts/services.sh stop "$CLV_TEST_SERVICES_DIR"' EXIT
# The storage contract suite fails (rather than skips) its PostgreSQL instantiation without it.
export CLV_TEST_REQUIRE_POSTGRES=1

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for preset in release debug; do
  echo "== ctest ($preset)"
  ctest --preset "$preset" -j "$jobs" --timeout 600 || status=1
done

if [ -f web/package.json ]; then
  echo "== web tests"
  (cd web && npm test) || status=1
  # The dashboard in Debian's Chromium against the release binary (built above) and web/dist
  # (built by setup.sh).
  echo "== web end-to-end (chromium)"
  (cd web && npm run --silent test:e2e) || status=1
fi
exit $status
