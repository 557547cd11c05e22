#!/usr/bin/env bash
# Charter adoption across the federation (issue: the charter). Builds what it needs.
#   tests/bench/charter.sh [CITIES] [RUNS]      (defaults 41, 3)
# Per run: one real yrdxd per city (the federation benchmark's cities and links), founded
# as one federation; an amendment proposed at Shanghai and signed through the federation;
# the time from the threshold-th signature to the adoption of the new version at the last
# of the nodes (target: under 5 s on the project's 2-core machine). Prints one
# "name: value unit" line per figure. See tests/bench/charter.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
./deploy/install-deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DYRDX_WERROR=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target yrdxd yrdxctl >/dev/null

exec tests/bench/driver.sh charter charter.py "$@"
