#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test through ctest.
#   ./tests/run.sh                 normal build in build/
#   YRDX_SANITIZE=1 ./tests/run.sh AddressSanitizer + UBSan build in build-san/
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh

if [ "${YRDX_SANITIZE:-0}" = 1 ]; then
  build=build-san
  cmake_args=(-DYRDX_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # Memory bounds are asserted on the normal build only.
  set -- -LE memory-bound "$@"
else
  build=build
  cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi

cmake -S . -B "$build" "${cmake_args[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
