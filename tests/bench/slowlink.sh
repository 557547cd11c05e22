#!/usr/bin/env bash
# Links slower than loopback (issue 15, point 2): 1,000,000 records synced between two
# nodes in network namespaces over a link shaped to 100 and then 10 Mbit/s (tc tbf) with a
# 30 ms round trip (the project's yrdx-delay relay: no sch_netem in this kernel), as
# deploy/federation.sh builds its links. Records/s and the fraction of the link's capacity
# used. Needs root and ip netns. Builds what it needs.
#   tests/bench/slowlink.sh [N] [RATES] [RTT_MS] [COMPRESS]   (1000000 100,10 30 off,zstd)
# COMPRESS: off (sync/compress_level 0 at both nodes, as nodes before compression) and/or
# zstd (level 1, the default); each is measured.
set -euo pipefail
cd "$(dirname "$0")/../.."
./deploy/install-deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DYRDX_WERROR=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target yrdxd yrdxctl yrdx-delay bench_sync >/dev/null
exec tests/bench/driver.sh slowlink slowlink.py "$@"
