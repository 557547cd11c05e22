#!/usr/bin/env bash
# Reports and statistics over a federation store (issue 13): a node's store filled with
# the signed logs of ORIGINS cities — ENTERPRISES enterprises written over 2021..2025,
# EVALUATIONS evaluations — then `yrdxctl stats`, `stats --by-year`, `report evaluations`
# and `report funding` timed end to end (the whole yrdxctl run, output to /dev/null).
#   tests/bench/report.sh [ENTERPRISES] [EVALUATIONS] [ORIGINS] [RUNS]
# Prints one "report_NAME: X s" line per command, the median of RUNS. Builds what it needs.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}; evals=${2:-20000}; origins=${3:-4}; runs=${4:-5}
./deploy/install-deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DYRDX_WERROR=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target yrdxctl bench_report >/dev/null
ctl=build-bench/tools/yrdxctl
out=$(mktemp -d "${TMPDIR:-/var/tmp}/yrdx-bench-report.XXXXXX")
trap 'rm -rf "$out"' EXIT
# a node directory as an administrator makes it; its daemon need not run to read
"$ctl" init --dir "$out/node" --name shanghai --city 310000 --peer-port 31901 \
  --feed-port 31902 >/dev/null
build-bench/tests/bench/bench_report "$out/node/data" "$n" "$evals" "$origins"
cfg="$out/node/yrdxd.zpl"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_cmd() { # NAME ARGS...: the median wall time of RUNS runs, in seconds
  local name=$1; shift
  "$ctl" -c "$cfg" "$@" >"$out/$name.out" # once before, as an administrator would
  for r in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    "$ctl" -c "$cfg" "$@" >/dev/null
    t1=$(date +%s%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
  done | median | sed "s/^/report_$name: /; s/$/ s (median of $runs; target < 1 s)/"
}
time_cmd stats stats
time_cmd stats_by_year stats --by-year
time_cmd evaluations report evaluations
time_cmd funding report funding
echo "--- stats:"; head -20 "$out/stats.out"
echo "--- stats --by-year:"; cat "$out/stats_by_year.out"
echo "--- report funding:"; cat "$out/funding.out"
