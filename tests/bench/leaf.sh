#!/usr/bin/env bash
# A leaf's initial sync of the whole delta (issue: reliability, the 41-city target): what one
# node spends to receive, verify and store 41 cities' logs. Builds what it needs.
#   tests/bench/leaf.sh [RECORDS] [RUNS] [BASE_BUILD_DIR]
# (defaults 10000, 3). BASE_BUILD_DIR: another build to run alternately, side by side.
set -euo pipefail
cd "$(dirname "$0")/../.."
./deploy/install-deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DYRDX_WERROR=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target yrdxd yrdxctl yrdx-delay bench_sync >/dev/null
exec python3 tests/bench/leaf.py "$PWD/build-bench" "$@"
