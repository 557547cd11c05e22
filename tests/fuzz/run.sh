#!/usr/bin/env bash
# Fuzzes every decoder of outside bytes with libFuzzer, ASan and UBSan, for SECONDS
# (default 60) each, from its seed corpus; prints each target's executions and corpus.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]      e.g. tests/fuzz/run.sh 600 peer feed
# A crash leaves its input in build-fuzz/crash-TARGET/: fix the decoder, then copy the
# input into tests/fuzz/corpus/TARGET/ so ctest replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
shift || true
targets=(change json csv ndjson config keys peer feed control relay joint charter)
[ $# -eq 0 ] || targets=("$@")
./deploy/install-deps.sh
command -v clang >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo;
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq clang libclang-rt-14-dev >/dev/null; }
CC=clang cmake -S . -B build-fuzz -DYRDX_FUZZ=ON -DYRDX_WERROR=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null
failed=0
for name in "${targets[@]}"; do
  work=$(mktemp -d)
  cp tests/fuzz/corpus/$name/* "$work"/
  mkdir -p build-fuzz/crash-$name
  echo "== fuzz_$name for ${secs}s"
  if ! build-fuzz/tests/fuzz/fuzz_$name -max_total_time="$secs" -max_len=65536 \
      -print_final_stats=1 -artifact_prefix=build-fuzz/crash-$name/ "$work" \
      >build-fuzz/fuzz_$name.log 2>&1; then
    failed=1
    grep -E "ERROR|SUMMARY|fuzz_" build-fuzz/fuzz_$name.log | head -5
    echo "fuzz_$name: CRASH, input in build-fuzz/crash-$name/, log build-fuzz/fuzz_$name.log"
  fi
  echo "fuzz_$name: $(grep -m1 stat::number_of_executed_units build-fuzz/fuzz_$name.log | awk '{print $2}') executions, corpus $(ls "$work" | wc -l)"
  rm -rf "$work"
done
exit $failed
