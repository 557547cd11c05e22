#!/usr/bin/env bash
# Relay steps against the relay events a store holds (issue 10): the time of
# `yrdxctl relay accept`, of a park's accept through its feed, and of the delivery to the
# park's yrdx-feed, with 100, 10,000 and 100,000 relay events. Builds what it needs.
#   tests/bench/relay.sh [SIZES] [SAMPLES]     e.g. tests/bench/relay.sh 100,10000,100000 15
# Prints one "name: value unit" line per figure.
set -euo pipefail
cd "$(dirname "$0")/../.."
./deploy/install-deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DYRDX_WERROR=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target yrdxd yrdxctl yrdx-feed bench_relay >/dev/null
YRDX_BUILD="$PWD/build-bench" YRDX_TEST_TMP="${TMPDIR:-/var/tmp}/yrdx-bench" \
  python3 tests/bench/relay.py "$@"
