#!/usr/bin/env bash
# Reports and statistics over a federation store (issue 13): a node's store filled with
# the signed logs of ORIGINS cities — ENTERPRISES enterprises written over 2021..2025,
# EVALUATIONS evaluations — then `yrdxctl stats`, `stats --by-year`, `report evaluations`
# and `report funding` timed end to end (the whole yrdxctl run, output to /dev/null).
#   tests/bench/report.sh [ENTERPRISES] [EVALUATIONS] [ORIGINS] [RUNS]
# Prints one "report_NAME: X s" line per command: the median wall-clock time of RUNS runs
# and the median CPU time (user + sys, which other work on the machine inflates less), with
# the load average around them. Builds what it needs.
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
time_cmd() { # NAME ARGS...: the median wall time of RUNS runs and their median CPU time
  local name=$1; shift
  "$ctl" -c "$cfg" "$@" >"$out/$name.out" # once before, as an administrator would
  local TIMEFORMAT='%R %U %S'
  for r in $(seq "$runs"); do
    { time "$ctl" -c "$cfg" "$@" >/dev/null; } 2>&1
  done >"$out/$name.times"
  local wall cpu
  wall=$(awk '{print $1}' "$out/$name.times" | median)
  cpu=$(awk '{printf "%.3f\n", $2 + $3}' "$out/$name.times" | median)
  echo "report_$name: $wall s (median of $runs, wall clock; target < 1 s); CPU user+sys $cpu s"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
time_cmd stats stats
time_cmd stats_by_year stats --by-year
time_cmd evaluations report evaluations
time_cmd funding report funding
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "--- stats:"; head -20 "$out/stats.out"
echo "--- stats --by-year:"; cat "$out/stats_by_year.out"
echo "--- report funding:"; cat "$out/funding.out"
