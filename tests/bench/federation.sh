#!/usr/bin/env bash
# Federation convergence (issue: federation). Builds what it needs.
#   tests/bench/federation.sh [CITIES] [RECORDS] [RUNS] [MODES]
#   (defaults 41, 10000, 5, namespaces,loopback)
# Per run: one real yrdxd per city of config/yrd-cities.tsv (the first CITIES, Shanghai and
# the three provincial capitals always among them) in network namespaces with every link
# delayed by distance (deploy/delta.py, as deploy/federation.sh deploys them; root and ip
# netns needed, else left out and said so), then on loopback, linked as the issue lays
# out: Shanghai to Nanjing, Hangzhou and Hefei; the capitals to each other; every other
# city to its capital and to its provincial neighbour (the next city of its province in
# code order; the province's last city to the previous one), every link mutual. All links
# up, every city imports RECORDS enterprises of its own (its city code, credit codes in its
# districts) at the same moment; then the time from the end of the last import until every
# node's digest is the same, and each node's peak RSS and RssAnon then; at the end both
# modes side by side.
# Prints one "name: value unit" line per figure. A run not converged by the deadline prints
# the nodes behind, on which origins, and what their peers claim, and fails; the script
# exits 1 if any run failed.
# First, what new page cache costs here (memtouch.py: a virtual machine that hands freed
# memory back to its host charges ~4 s of kernel CPU per GiB touched anew); each run prints
# the bytes its nodes wrote.
# Environment: YRDX_BENCH_SEED (default 2023), YRDX_BENCH_DEADLINE_S (default 300),
# YRDX_BENCH_KEEP=1 (keep failed runs' node directories and logs; =always, every run's),
# YRDX_BENCH_WARM=1 (a clean file fills the page cache before each run, so the run's pages
# are the machine's own: yrdx without the host's charge).
set -euo pipefail
cd "$(dirname "$0")/../.."
./deploy/install-deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DYRDX_WERROR=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target yrdxd yrdxctl yrdx-delay bench_sync >/dev/null

exec tests/bench/driver.sh federation federation.py "$@"
