#!/usr/bin/env bash
# `make run`: installs what is missing, builds the release binary and starts the platform on
# its embedded default (SQLite under ./data) at http://127.0.0.1:3001.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target clv
exec ./build/release/src/clv serve --offer-demo "$@"
