#!/usr/bin/env bash
# `clv fit` end to end on 1,000,000-row customer summary CSVs: wall time (hyperfine) and peak
# memory (/usr/bin/time -v). Target: <= 1 s and <= 150 MB for each.
#
#   bench/fit_cli_bench.sh [BUILD_DIR]      (default: build/release; needs its src/clv)
#
# The data comes from bench/gen_summary_csv.cc (simulated from BG/NBD and Gamma-Gamma at the
# CDNOW estimates, seed 42), in two shapes:
#   days  — recency and T in days / 7 with 2 decimals (the CDNOW summaries' shape): ~300k
#           distinct (x, t_x, T) rows;
#   weeks — whole weeks (lifetimes' freq='W' summaries): ~30k distinct rows.
# Prints one markdown table row per case, for docs/benchmarks.md ("clv fit (CLI)").
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
clv=$build/src/clv
[[ -x $clv ]] || { echo "fit_cli_bench: $clv not built (cmake --build $build --target clv)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "fit_cli_bench: hyperfine is not installed" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -O2 -std=c++20 -o "$work/gen" "$root/bench/gen_summary_csv.cc"
"$work/gen" --rows 1000000 --seed 42 >"$work/days.csv"
"$work/gen" --rows 1000000 --seed 42 --whole-weeks >"$work/weeks.csv"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
echo
echo "| data | model | mean wall (hyperfine, 5 runs) | min | CPU user+sys (time -v) | peak RSS | fit / input (ms, from the JSON) | distinct rows |"
echo "|---|---|---|---|---|---|---|---|"
for data in weeks days; do
  for model in bgnbd mbgnbd pnbd gg; do
    cmd="$clv fit --model $model --input $work/$data.csv --format json"
    $cmd >"$work/out.json"
    /usr/bin/time -v $cmd >/dev/null 2>"$work/time.txt"
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    cpu_s=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u + s}' "$work/time.txt")
    hyperfine --warmup 1 --runs 5 --export-json "$work/h.json" "$cmd" >/dev/null 2>&1
    read -r mean min < <(python3 -c "import json; r=json.load(open('$work/h.json'))['results'][0]; print(f\"{r['mean']:.3f} {r['min']:.3f}\")")
    read -r fit_ms input_ms rows < <(python3 -c "import json; j=json.load(open('$work/out.json')); print(f\"{j['wall_time_ms']:.0f} {j['input_time_ms']:.0f} {j['distinct_rows']}\")")
    echo "| $data | $model | ${mean} s | ${min} s | ${cpu_s} s | $((rss_kb / 1024)) MB | $fit_ms / $input_ms | $rows |"
  done
done
