#!/usr/bin/env bash
# The main job, on one machine: builds yrdx, stands up a local federation of three city
# nodes in a chain — 上海 Shanghai ── 杭州 Hangzhou ── 合肥 Hefei — loads each city's sample
# registry (tests/data), and shows the cities converging, records relayed through
# Hangzhou, and a new record reaching Hefei live. Everything lives in ./demo.
#
#   ./deploy/quickstart.sh          run it, then stop the nodes
#   ./deploy/quickstart.sh --keep   leave the nodes running (stop: pkill -f demo/.*yrdxd.zpl)
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
[ "${1:-}" = "--keep" ] && keep=1
base=${YRDX_PORT_BASE:-17400}

./deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target yrdxd yrdxctl >/dev/null
export PATH="$PWD/build/tools:$PWD/build/node/daemon:$PATH"

demo="$PWD/demo"
pkill -f "$demo/.*/yrdxd.zpl" 2>/dev/null || true
rm -rf "$demo"
mkdir -p "$demo"

say() { printf '\n== %s\n' "$*"; }
ctl() { local city=$1; shift; yrdxctl -c "$demo/$city/yrdxd.zpl" "$@"; }

cities=(shanghai hangzhou hefei)
declare -A code=([shanghai]=310000 [hangzhou]=330100 [hefei]=340100)
declare -A port=([shanghai]=$((base + 1)) [hangzhou]=$((base + 11)) [hefei]=$((base + 21)))
declare -A key

say "yrdxctl init: one node per city (config, key, empty store)"
for c in "${cities[@]}"; do
  ctl_out=$(yrdxctl --json init --dir "$demo/$c" --name "$c" --city "${code[$c]}" \
            --peer-port "${port[$c]}" --feed-port "$((port[$c] + 1))")
  key[$c]=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])' <<<"$ctl_out")
  echo "$c (${code[$c]}) key ${key[$c]} peer port ${port[$c]}"
done

say "yrdxctl peer add: the chain shanghai ── hangzhou ── hefei (shanghai and hefei never talk)"
link() {
  ctl "$1" peer add "$2" "tcp://127.0.0.1:${port[$2]}" "${key[$2]}"
  ctl "$2" peer add "$1" "tcp://127.0.0.1:${port[$1]}" "${key[$1]}"
  echo "$1 <-> $2"
}
link shanghai hangzhou
link hangzhou hefei

stop_nodes() {
  for c in "${cities[@]}"; do
    [ -f "$demo/$c.pid" ] && kill "$(cat "$demo/$c.pid")" 2>/dev/null || true
  done
}
[ $keep = 1 ] || trap stop_nodes EXIT

say "yrdxd: starting the three nodes (logs in demo/*.log)"
for c in "${cities[@]}"; do
  yrdxd -c "$demo/$c/yrdxd.zpl" 2>"$demo/$c.log" &
  echo $! > "$demo/$c.pid"
done
for c in "${cities[@]}"; do
  for _ in $(seq 100); do ctl "$c" status >/dev/null 2>&1 && break; sleep 0.1; done
  ctl "$c" status >/dev/null
done

say "yrdxctl import: each city loads its own registry (tests/data)"
for c in "${cities[@]}"; do
  for f in tests/data/"$c"-*.csv; do
    printf '%-10s %-34s ' "$c" "$(basename "$f")"
    ctl "$c" import "$f"
  done
done

say "yrdxctl sync --wait: every city catches up"
for c in "${cities[@]}"; do ctl "$c" sync --wait --timeout 60 >/dev/null; done
for c in hefei hangzhou shanghai; do ctl "$c" sync --wait --timeout 60 >/dev/null; done
for c in "${cities[@]}"; do
  echo "-- $c"
  ctl "$c" digest
done

say "hefei holds shanghai's records, relayed and verified through hangzhou"
ctl hefei status
ctl hefei verify

say "live: a new enterprise registered in shanghai reaches hefei without a manual sync"
cat > "$demo/new.json" <<'JSON'
{"credit_code": "91310115MA1K3YJ12G", "name": "上海张江示例芯片科技有限公司", "city": 310000, "stage": "startup", "incubator_ids": ["SH-INC-0001"], "industries": ["integrated_circuits"], "qualifications": ["tech_sme"], "employees": 12, "patents": 3}
JSON
start=$(date +%s%N)
ctl shanghai put enterprise "$demo/new.json"
for _ in $(seq 200); do
  ctl hefei get enterprise 91310115MA1K3YJ12G >/dev/null 2>&1 && break
  sleep 0.01
done
ctl hefei get enterprise 91310115MA1K3YJ12G
echo "visible at hefei $(( ($(date +%s%N) - start) / 1000000 )) ms after the put at shanghai"

if [ $keep = 1 ]; then
  say "nodes left running; try: yrdxctl -c demo/hefei/yrdxd.zpl status"
else
  say "stopping the nodes"
fi
