#!/usr/bin/env bash
# The main job, on one machine: builds yrdx, stands up a local federation of three city
# nodes in a chain — 上海 Shanghai ── 杭州 Hangzhou ── 合肥 Hefei — loads each city's sample
# registry (tests/data), and shows the cities converging, records relayed through
# Hangzhou, a new record reaching Hefei live, and one relay-incubation case (接力孵化)
# going from proposal to landing across the three cities while the destination park's
# yrdx-feed prints it. Everything lives in ./demo.
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
cmake --build build -j"$(nproc)" --target yrdxd yrdxctl yrdx-feed >/dev/null
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
# A port pair already taken on this machine: take free ones instead.
port_free() { python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.close()' "$1" 2>/dev/null; }
for c in "${cities[@]}"; do
  while ! port_free "${port[$c]}" || ! port_free "$((port[$c] + 1))"; do port[$c]=$((port[$c] + 100)); done
done
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
  for c in "${cities[@]}" feed; do
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

say "relay incubation: shanghai proposes an enterprise to a park in hefei"
first_json() { python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())[sys.argv[1]])' "$1"; }
park=$(ctl hefei --json list park --origin hefei --limit 1 | first_json id)
code=$(ctl shanghai --json list enterprise --origin shanghai --qualification hard_tech --limit 1 | first_json id)
echo "the park's yrdx-feed: a key of its own, authorised at hefei for park $park"
yrdx-feed keygen "$demo/park.key" > "$demo/park.pub"
ctl hefei park add demo-park "$park" "$(cat "$demo/park.pub")"
feed=(yrdx-feed --node "tcp://127.0.0.1:$((port[hefei] + 1))" --node-key "${key[hefei]}" --key "$demo/park.key")
"${feed[@]}" --state "$demo/feed.state" run > "$demo/feed.ndjson" 2>"$demo/feed.log" &
echo $! > "$demo/feed.pid"
echo "-- parks ranked for enterprise $code by industry fit (产业匹配度):"
ctl shanghai relay suggest "$code" --limit 3
echo "营业收入 3200 万元, 研发投入 860 万元 (sealed: only hefei can read this)" > "$demo/dossier.txt"
case=$(ctl shanghai --json relay propose "$code" --to-park "$park" --dossier "$demo/dossier.txt" \
       --note "毕业企业, 建议落地合肥" | first_json case)
echo "proposed case $case"
for _ in $(seq 100); do grep -q "\"$case\"" "$demo/feed.ndjson" 2>/dev/null && break; sleep 0.1; done
echo "-- the park's feed received:"
cat "$demo/feed.ndjson"
"${feed[@]}" accept "$case"
ctl hefei relay land "$case"
ctl hefei relay close "$case"
for _ in $(seq 100); do ctl shanghai relay list --state closed | grep -q "$case" && break; sleep 0.1; done
echo "-- at shanghai (the dossier stays sealed):"
ctl shanghai relay show "$case"
echo "-- at hefei (the destination opens it):"
ctl hefei relay show "$case"
for _ in $(seq 100); do [ "$(grep -c "\"$case\"" "$demo/feed.ndjson")" -ge 4 ] && break; sleep 0.1; done
echo "-- every step reached the park's feed (cursor, type, event id):"
python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l); print(e["cursor"], e["record"]["type"], e["event_id"])' "$demo/feed.ndjson"

if [ $keep = 1 ]; then
  say "nodes left running; try: yrdxctl -c demo/hefei/yrdxd.zpl status"
else
  say "stopping the nodes"
fi
