#!/bin/sh
# Builds the fuzz targets. With clang++ (libFuzzer): real fuzzers. With MODE=replay (any
# compiler, default g++): replay binaries that run a corpus once, for CI and crasher triage.
#   fuzz/build.sh                      -> build/fuzz/orders_{csv,json}_fuzz  (clang, libFuzzer)
#   MODE=replay fuzz/build.sh          -> build/fuzz/orders_{csv,json}_replay (g++)
# Both use ASan+UBSan. Only the layers the targets need are compiled (core + ingest parsers).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/fuzz"
mkdir -p "$out"
srcs="$root/src/core/status.cc $root/src/core/domain.cc $root/src/core/money.cc
      $root/src/core/currency.cc $root/src/core/time.cc $root/src/ingest/order_fields.cc
      $root/src/ingest/csv_reader.cc $root/src/ingest/orders_csv.cc $root/src/ingest/orders_json.cc"
[ -f "$root/src/core/check.cc" ] && srcs="$srcs $root/src/core/check.cc"
flags="-std=c++20 -O1 -g -I$root/src -fsanitize=address,undefined -fno-sanitize-recover=undefined"
if [ "${MODE:-fuzz}" = replay ]; then
  cxx=${CXX:-g++}
  for t in orders_csv orders_json; do
    $cxx $flags -o "$out/${t}_replay" "$root/fuzz/${t}_fuzz.cc" "$root/fuzz/replay_main.cc" $srcs -lboost_json
  done
else
  cxx=${CXX:-clang++}
  for t in orders_csv orders_json; do
    $cxx $flags -fsanitize=fuzzer -o "$out/${t}_fuzz" "$root/fuzz/${t}_fuzz.cc" $srcs -lboost_json
  done
fi
echo "built into $out"
