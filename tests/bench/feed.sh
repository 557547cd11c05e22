#!/usr/bin/env bash
# Park-feed delivery beside NATS JetStream (issue: relay and the park feed).
#   tests/bench/feed.sh [N] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
./deploy/install-deps.sh
if ! command -v nats-server >/dev/null || ! pkg-config --exists libnats || ! command -v eatmydata >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nats-server libnats-dev eatmydata >/dev/null
fi
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DYRDX_WERROR=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target yrdxd yrdxctl yrdx-feed bench_feed >/dev/null
YRDX_BUILD="$PWD/build-bench" YRDX_TEST_TMP="${TMPDIR:-/var/tmp}/yrdx-bench" \
  python3 tests/bench/feed.py "$@"
