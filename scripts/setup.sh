#!/usr/bin/env bash
# Installs what the project needs on Debian 12, and only what is missing: safe to run again.
# Used by `make run` and `make test`; needs root or sudo only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config make git ca-certificates
  # libraries (DESIGN.md "Stack")
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libnlopt-cxx-dev libsodium-dev libssl-dev libspdlog-dev libcli11-dev
  libsqlite3-dev libpq-dev libhiredis-dev libvalijson-dev liboath-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql-15 redis-server sqlite3 procps iproute2 wrk hyperfine curl jq
  # dashboard end-to-end test (web/e2e): Debian's Chromium, driven by playwright-core
  chromium
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts the packaged servers; our tests start their own on free ports instead.
  for svc in postgresql redis-server; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
      $sudo systemctl stop "$svc" || true
    fi
  done
fi

# The dashboard (web/) is built here once it exists: npm ci is idempotent and offline-safe.
if [ -f web/package.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm is needed for web/ (apt-get install nodejs npm)" >&2
    exit 1
  fi
  if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules ]; then
    (cd web && npm ci --no-audit --no-fund)
  fi
  # Rebuild web/dist when any source is newer than the last build (served by `clv serve`).
  if [ ! -f web/dist/index.html ] || [ -n "$(find web/src web/index.html web/package-lock.json \
        web/vite.config.ts -newer web/dist/index.html -print -quit)" ]; then
    (cd web && npm run build --silent)
  fi
fi

# Swagger UI for /docs (api/docs-ui): swagger-ui-dist, served by `clv serve` from this tree.
if [ -f api/docs-ui/package.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm is needed for api/docs-ui (apt-get install nodejs npm)" >&2
    exit 1
  fi
  if [ ! -d api/docs-ui/node_modules ] || [ api/docs-ui/package-lock.json -nt api/docs-ui/node_modules ]; then
    (cd api/docs-ui && npm ci --no-audit --no-fund --ignore-scripts)
  fi
fi
