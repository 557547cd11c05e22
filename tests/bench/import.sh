#!/usr/bin/env bash
# Registry import and export throughput (issue: import/export). Builds what it needs.
#   tests/bench/import.sh [N] [RUNS]
# Generates an N-row enterprise CSV (default 1,000,000), then per run, against a fresh
# running node: `import` end to end (both passes, the daemon's validation, store and
# signing included), the same import again (every record unchanged), `import --dry-run`
# (pass 1 alone), and `export` of the N records to a file as NDJSON and as CSV.
# Prints one "name: value unit" line per figure; throughputs are medians of RUNS.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}; runs=${2:-3}
./deploy/install-deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DYRDX_WERROR=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target yrdxd yrdxctl >/dev/null
ctl=$PWD/build-bench/tools/yrdxctl
yrdxd=$PWD/build-bench/node/daemon/yrdxd
out=$(mktemp -d "${TMPDIR:-/var/tmp}/yrdx-bench-import.XXXXXX")
daemon=
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
  rm -rf "$out"
}
trap cleanup EXIT

csv=$out/bench-enterprises.csv
python3 - "$n" "$csv" <<'EOF'
import sys
sys.path.insert(0, "tests/integration")
from harness import credit_code
n, path = int(sys.argv[1]), sys.argv[2]
industries = ["integrated_circuits", "biomedicine", "artificial_intelligence", "future_health",
              "digital_economy"]
stages = ["seed", "startup", "growth", "graduated", "landed"]
with open(path, "w", encoding="utf-8") as f:
    f.write("credit_code,name,city,stage,incubator_ids,industries,qualifications,employees,"
            "patents,funding_wan_yuan,founded_year,financials.revenue_wan_yuan\n")
    for i in range(n):
        f.write("%s,长三角样本企业%d有限公司,310000,%s,SH-INC-%04d,%s;%s,tech_sme;high_tech,"
                "%d,%d,%d,%d,%d\n" % (credit_code(i), i, stages[i % 5], i % 50, industries[i % 5],
                                     industries[(i + 2) % 5], 20 + i % 400, i % 37,
                                     500 + i % 10000 * 3, 2015 + i % 10, 1000 + i % 99991))
EOF
free_port() { python3 -c "import sys; sys.path.insert(0, \"tests/integration\"); from harness import free_port; print(free_port())"; }
now() { date +%s.%N; }
rate() { awk -v n="$n" -v a="$1" -v b="$2" 'BEGIN {printf "%d\n", n / (b - a)}'; }

for r in $(seq "$runs"); do
  node=$out/node$r
  "$ctl" init --dir "$node" --name bench --city 310000 --peer-port "$(free_port)" \
    --feed-port "$(free_port)" >/dev/null
  "$yrdxd" -c "$node/yrdxd.zpl" >"$out/yrdxd$r.log" 2>&1 &
  daemon=$!
  for _ in $(seq 100); do "$ctl" -c "$node/yrdxd.zpl" status >/dev/null 2>&1 && break; sleep 0.05; done
  cfg=$node/yrdxd.zpl

  t0=$(now); "$ctl" -c "$cfg" import --dry-run "$csv" >/dev/null; t1=$(now)
  echo "$(rate "$t0" "$t1")" >>"$out/check"
  t0=$(now); "$ctl" -c "$cfg" import "$csv" >"$out/import$r.txt"; t1=$(now)
  grep -q " $n imported" "$out/import$r.txt" || { cat "$out/import$r.txt"; exit 1; }
  echo "$(rate "$t0" "$t1")" >>"$out/import"
  t0=$(now); "$ctl" -c "$cfg" import "$csv" >"$out/reimport$r.txt"; t1=$(now)
  grep -q " $n unchanged" "$out/reimport$r.txt" || { cat "$out/reimport$r.txt"; exit 1; }
  echo "$(rate "$t0" "$t1")" >>"$out/reimport"
  t0=$(now); "$ctl" -c "$cfg" export --kind enterprise --output "$out/export.ndjson" >/dev/null; t1=$(now)
  echo "$(rate "$t0" "$t1")" >>"$out/export_ndjson"
  t0=$(now); "$ctl" -c "$cfg" export --kind enterprise --format csv --output "$out/export.csv" >/dev/null; t1=$(now)
  echo "$(rate "$t0" "$t1")" >>"$out/export_csv"
  [ "$(wc -l <"$out/export.ndjson")" -eq "$n" ] || { echo "export: wrong count" >&2; exit 1; }
  ndjson_bytes=$(stat -c %s "$out/export.ndjson"); csv_bytes=$(stat -c %s "$out/export.csv")
  rm -f "$out/export.ndjson" "$out/export.csv"

  kill "$daemon"; wait "$daemon" || true; daemon=
  store_bytes=$(du -sb "$node/data" | awk '{print $1}')
  rm -rf "$node"
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "import_rows: $n rows"
echo "import_file_size: $(stat -c %s "$csv") bytes"
echo "import_throughput: $(median <"$out/import") rows/s (median of $runs)"
echo "reimport_unchanged_throughput: $(median <"$out/reimport") rows/s (median of $runs)"
echo "import_check_throughput: $(median <"$out/check") rows/s (median of $runs, --dry-run)"
echo "export_ndjson_throughput: $(median <"$out/export_ndjson") rows/s (median of $runs, $ndjson_bytes bytes)"
echo "export_csv_throughput: $(median <"$out/export_csv") rows/s (median of $runs, $csv_bytes bytes)"
echo "store_size: $store_bytes bytes"
