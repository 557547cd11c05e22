#!/usr/bin/env bash
# Initial-sync throughput and chain latency (issue: federation). Builds what it needs.
#   tests/bench/sync.sh [N] [RUNS] [LATENCY_ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
./deploy/install-deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DYRDX_WERROR=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target yrdxd yrdxctl bench_sync >/dev/null
YRDX_BUILD="$PWD/build-bench" YRDX_TEST_TMP="${TMPDIR:-/var/tmp}/yrdx-bench" \
  python3 tests/bench/sync.py "$@"
