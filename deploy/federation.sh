#!/usr/bin/env bash
# The whole delta on one machine (issue 15, point 1): founds a federation of the first N
# real cities of config/yrd-cities.tsv (联盟章程 version 1, every city a founder), one yrdxd
# per city, linked as the federation issue lays out (上海 to the three provincial capitals,
# the capitals to each other, every other city to its capital and its provincial
# neighbour), loads a synthetic registry at each city (R enterprises, valid credit codes
# in the city's own districts), and reports the time to convergence, each node's peak RSS
# and store size. The nodes stay up until --stop.
#
#   deploy/federation.sh --cities N [--records R] [--namespaces|--loopback] [--dir DIR]
#   deploy/federation.sh --stop [--dir DIR]
#
# With root and `ip netns`, each city runs in a network namespace of its own and every link
# is delayed by the distance between its two cities (a few ms of round trip within a
# province, 10-20 ms across; this kernel has no sch_netem, so the project's own relay,
# yrdx-delay, holds the bytes); else loopback ports. It says which mode ran.
# DIR (default ./delta) holds the nodes, their logs and the run's state; --stop stops
# every process the run started and removes its namespaces (stores and logs stay).
# Environment: YRDX_BUILD_DIR (use that build), YRDX_BENCH_SEED (registries; default 2023).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  exit "${1:-0}"
}
cities=41 records=0 mode=auto dir=$PWD/delta stop=0
while [ $# -gt 0 ]; do
  case $1 in
    --cities) cities=${2:?--cities needs N}; shift 2 ;;
    --records) records=${2:?--records needs R}; shift 2 ;;
    --namespaces) mode=namespaces; shift ;;
    --loopback) mode=loopback; shift ;;
    --dir) dir=${2:?--dir needs DIR}; shift 2 ;;
    --stop) stop=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "federation.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$cities" "$records"; do
  [[ $v =~ ^[0-9]+$ ]] || { echo "federation.sh: '$v' is not a whole number" >&2; exit 2; }
done
if [ "$cities" -lt 4 ] || [ "$cities" -gt 41 ]; then
  echo "federation.sh: --cities $cities: from 4 (上海 and the three capitals) to 41" >&2
  exit 2
fi

if [ $stop = 1 ]; then
  exec python3 deploy/delta.py stop --dir "$dir"
fi
if [ -n "${YRDX_BUILD_DIR:-}" ]; then
  build=$YRDX_BUILD_DIR
else
  ./deploy/install-deps.sh
  build=$PWD/build
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j"$(nproc)" --target yrdxd yrdxctl yrdx-delay >/dev/null
fi
YRDX_BUILD="$build" PYTHONDONTWRITEBYTECODE=1 exec python3 deploy/delta.py up --dir "$dir" \
  --cities "$cities" --records "$records" --mode "$mode" --seed "${YRDX_BENCH_SEED:-2023}"
