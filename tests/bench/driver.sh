#!/usr/bin/env bash
# The driver wrapper the multi-node benchmarks share (federation.sh, charter.sh): runs
#   python3 tests/bench/DRIVER.py ARGS…
# in the background with the build in build-bench, a scratch directory, and a clean-up
# that stops the driver (which stops its nodes), then any daemon it left behind, by pid.
#   tests/bench/driver.sh NAME DRIVER.py ARGS…
# NAME names the scratch directory's runs (bench-NAME-*) that YRDX_BENCH_KEEP keeps.
set -euo pipefail
name=$1
script=$2
shift 2
out=$(mktemp -d "${TMPDIR:-/var/tmp}/yrdx-bench-$name.XXXXXX")
driver=
# Stops the driver (which stops its nodes), then any daemon it left behind, by pid.
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$driver" ] && kill -0 "$driver" 2>/dev/null; then
    kill -TERM "$driver" 2>/dev/null || true
    wait "$driver" 2>/dev/null || true
  fi
  local left=()
  if [ -f "$out/pids" ]; then
    for pid in $(cat "$out/pids"); do
      [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = yrdxd ] && left+=("$pid")
    done
  fi
  if [ ${#left[@]} -gt 0 ]; then
    kill -TERM "${left[@]}" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "${left[@]}" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "${left[@]}" 2>/dev/null || true
  fi
  if { [ "${YRDX_BENCH_KEEP:-}" = 1 ] || [ "${YRDX_BENCH_KEEP:-}" = always ]; } && [ -n "$(ls -d "$out"/bench-"$name"-* 2>/dev/null)" ]; then
    rm -f "$out/pids"
  else
    rm -rf "$out"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# In the background so that a signal reaches the trap at once, not after the driver.
PYTHONDONTWRITEBYTECODE=1 YRDX_BUILD="$PWD/build-bench" YRDX_TEST_TMP="$out" YRDX_BENCH_PIDS="$out/pids" \
  python3 "tests/bench/$script" "$@" &
driver=$!
rc=0
wait "$driver" || rc=$?
driver=
exit "$rc"
