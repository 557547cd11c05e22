#!/usr/bin/env bash
# The main job, on one machine: builds yrdx, founds a local federation of three city nodes
# (联盟章程 version 1, signed by each founder) linked in a chain — 上海 Shanghai ── 杭州
# Hangzhou ── 合肥 Hefei — loads each city's sample registry (tests/data), and shows the
# cities converging, records relayed through Hangzhou, a new record reaching Hefei live,
# one relay-incubation case (接力孵化) going from proposal to landing across the three
# cities while the destination park's yrdx-feed prints it, and a fourth city, 苏州
# Suzhou, admitted by an amendment the members sign through the federation. Everything
# lives in ./demo.
#
#   ./deploy/quickstart.sh          run it, then stop the nodes
#   ./deploy/quickstart.sh --keep   leave the nodes running (stop: pkill -f demo/.*yrdxd.zpl)
#   YRDX_PORT_BASE=N, YRDX_DEMO=DIR, YRDX_BUILD_DIR=DIR  other ports, demo directory, build
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
[ "${1:-}" = "--keep" ] && keep=1
base=${YRDX_PORT_BASE:-17400}

# YRDX_BUILD_DIR: use the binaries of that build (tests do); YRDX_DEMO: where the demo lives.
if [ -n "${YRDX_BUILD_DIR:-}" ]; then
  build=$YRDX_BUILD_DIR
else
  ./deploy/install-deps.sh
  build=$PWD/build
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j"$(nproc)" --target yrdxd yrdxctl yrdx-feed >/dev/null
fi
export PATH="$build/tools:$build/node/daemon:$PATH"

demo=${YRDX_DEMO:-$PWD/demo}
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

say "联盟章程: the three cities found their federation — each sends its member line, one drafts version 1, the file goes round and every founder signs it, each installs it"
for c in "${cities[@]}"; do ctl "$c" charter member; done | tee "$demo/members.txt"
yrdxctl charter draft --federation 长三角协同孵化网络 --threshold 2 -o "$demo/charter.yx" "$demo/members.txt" >/dev/null
for c in "${cities[@]}"; do ctl "$c" charter sign "$demo/charter.yx" | tail -1; done
for c in "${cities[@]}"; do ctl "$c" charter install "$demo/charter.yx"; done
ctl hefei charter show

say "yrdxctl peer add NAME: the chain shanghai ── hangzhou ── hefei, keys and endpoints from the charter (shanghai and hefei never talk)"
link() {
  ctl "$1" peer add "$2" >/dev/null
  ctl "$2" peer add "$1" >/dev/null
  echo "$1 <-> $2"
}
link shanghai hangzhou
link hangzhou hefei

stop_nodes() {
  for c in "${cities[@]}" suzhou feed; do
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
  # the registry first: an evaluation is of an incubator the node holds
  for kind in incubators parks enterprises evaluations; do
    f=tests/data/$c-$kind.csv
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
"${feed[@]}" --state "$demo/feed.state" --dossier-dir "$demo/dossiers" run > "$demo/feed.ndjson" 2>"$demo/feed.log" &
echo $! > "$demo/feed.pid"
echo "-- parks ranked for enterprise $code by industry fit (产业匹配度):"
ctl shanghai relay suggest "$code" --limit 3
echo "营业收入 3200 万元, 研发投入 860 万元 (sealed: only hefei can read this)" > "$demo/dossier.txt"
case=$(ctl shanghai --json relay propose "$code" --to-park "$park" --dossier "$demo/dossier.txt" \
       --note "毕业企业, 建议落地合肥" | first_json case)
echo "proposed case $case"
for _ in $(seq 100); do grep -q "\"$case\"" "$demo/feed.ndjson" 2>/dev/null && break; sleep 0.1; done
echo "-- the park's feed received (the enterprise summary; the dossier sealed to the park, opened into demo/dossiers):"
cat "$demo/feed.ndjson"
cat "$demo/dossiers/$case.dossier"
echo "-- hefei's parks and hangzhou's peers, as the running nodes see them:"
ctl hefei park list
ctl hangzhou peer list
"${feed[@]}" accept "$case"
ctl hefei relay land "$case"
ctl hefei relay close "$case"
for _ in $(seq 100); do ctl shanghai relay list --state closed | grep -q "$case" && break; sleep 0.1; done
# shanghai's node marks its own record relocated (已迁出) once it sees the landing; every
# city holds that too before the tour goes on
for c in "${cities[@]}"; do
  for _ in $(seq 100); do
    ctl "$c" --json get enterprise "$code" --origin shanghai | grep -q '"stage": *"relocated"' && break
    sleep 0.1
  done
done
echo "-- at shanghai (the dossier stays sealed):"
ctl shanghai relay show "$case"
echo "-- at hefei (the destination opens it):"
ctl hefei relay show "$case"
for _ in $(seq 100); do [ "$(grep -c "\"$case\"" "$demo/feed.ndjson")" -ge 4 ] && break; sleep 0.1; done
echo "-- every step reached the park's feed (cursor, type, event id):"
python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l); print(e["cursor"], e["record"]["type"], e["event_id"])' "$demo/feed.ndjson"

say "admitting a city: 苏州 suzhou asks to join — its administrator sends its member line to the federation"
nport=$((base + 31))
while ! port_free "$nport" || ! port_free "$((nport + 1))"; do nport=$((nport + 100)); done
yrdxctl init --dir "$demo/suzhou" --name suzhou --city 320500 --peer-port "$nport" --feed-port "$((nport + 1))" >/dev/null
line=$(yrdxctl -c "$demo/suzhou/yrdxd.zpl" charter member)
echo "$line"
read -r _ ncity nkey nend <<<"$line"
echo "-- shanghai proposes version 2, admitting suzhou; hangzhou signs it (2 of 3: the threshold)"
vote=$(ctl shanghai --json charter propose admit suzhou "$ncity" "$nkey" "$nend" --summary "admit 苏州 suzhou" \
       | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for _ in $(seq 100); do ctl hangzhou charter status | grep -q "$vote" && break; sleep 0.1; done
ctl hangzhou charter sign "$vote"
for c in "${cities[@]}"; do
  for _ in $(seq 100); do [ "$(ctl "$c" --json charter status | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')" = 2 ] && break; sleep 0.1; done
done
ctl hefei charter status
echo "-- suzhou installs the charter the federation gives it, names one neighbour, starts"
ctl hangzhou charter export -o "$demo/charter-v2.yx" >/dev/null
yrdxctl -c "$demo/suzhou/yrdxd.zpl" charter install "$demo/charter-v2.yx"
yrdxctl -c "$demo/suzhou/yrdxd.zpl" peer add hangzhou >/dev/null
yrdxd -c "$demo/suzhou/yrdxd.zpl" 2>"$demo/suzhou.log" &
echo $! > "$demo/suzhou.pid"
for _ in $(seq 100); do yrdxctl -c "$demo/suzhou/yrdxd.zpl" status >/dev/null 2>&1 && break; sleep 0.1; done
yrdxctl -c "$demo/suzhou/yrdxd.zpl" import tests/data/suzhou-incubators.csv
for _ in $(seq 300); do
  n=$(ctl hefei --json list incubator --origin suzhou | python3 -c 'import sys; print(sum(1 for l in sys.stdin if l.strip()))')
  [ "$n" -gt 0 ] && break; sleep 0.1
done
echo "-- suzhou's incubators at hefei, two hops away, and nobody edited a config but suzhou's:"
ctl hefei list incubator --origin suzhou --limit 3

if [ $keep = 1 ]; then
  say "nodes left running; try: yrdxctl -c demo/hefei/yrdxd.zpl status"
else
  say "stopping the nodes"
fi
