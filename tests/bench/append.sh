#!/usr/bin/env bash
# Local append throughput of the store (issue: foundation). Builds what it needs.
#   tests/bench/append.sh [N] [BATCH] [RUNS]
# Prints one "name: value unit" line per figure; throughput lines are medians of RUNS.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}; batch=${2:-100000}; runs=${3:-3}
./deploy/install-deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DYRDX_WERROR=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target bench_append >/dev/null
out=$(mktemp -d "${TMPDIR:-/var/tmp}/yrdx-bench.XXXXXX")
trap 'rm -rf "$out"' EXIT
for r in $(seq "$runs"); do
  rm -rf "$out"/*
  build-bench/tests/bench/bench_append "$out" "$n" "$batch" > "$out.run$r"
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
head -3 "$out.run1"
for k in append_throughput raw_lmdb_append_throughput append_vs_raw; do
  unit=$(grep "^$k:" "$out.run1" | awk '{print $3}')
  v=$(cat "$out".run* | grep "^$k:" | awk '{print $2}' | median)
  echo "$k: $v $unit (median of $runs)"
done
rm -f "$out".run*
