#!/usr/bin/env bash
# Fuzzes each parser with libFuzzer for SECONDS (default 60) each, from its seed corpus.
#   tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
./deploy/install-deps.sh
command -v clang >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo;
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq clang libclang-rt-14-dev >/dev/null; }
CC=clang cmake -S . -B build-fuzz -DYRDX_FUZZ=ON -DYRDX_WERROR=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_change fuzz_json fuzz_csv >/dev/null
for name in change json csv; do
  work=$(mktemp -d)
  cp tests/fuzz/corpus/$name/* "$work"/
  echo "== fuzz_$name for ${secs}s"
  build-fuzz/tests/fuzz/fuzz_$name -max_total_time="$secs" -max_len=65536 "$work" 2>&1 | tail -3
  rm -rf "$work"
done
