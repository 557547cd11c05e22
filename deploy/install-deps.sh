#!/usr/bin/env bash
# Installs the Debian 12 packages yrdx needs to build, test and benchmark, when missing.
# Safe to run again: it does nothing when everything is present.
set -euo pipefail

packages=(
  build-essential cmake pkg-config        # toolchain
  clang-format                            # the one C style (.clang-format), checked by ctest
  libzmq3-dev libczmq-dev                 # ZeroMQ with CURVE, CZMQ (zauth/zcert, zconfig)
  protobuf-c-compiler libprotobuf-c-dev   # schema -> C
  libsodium-dev                           # Ed25519, BLAKE2b, sealed boxes
  liblmdb-dev lmdb-utils                  # the store
  libcmocka-dev                           # unit tests
  libjansson-dev libcsv-dev               # JSON / CSV for yrdxctl
  libmicrohttpd-dev                       # metrics and status page over HTTP
  libzstd-dev                             # segments compressed between peers that both offer it
  iproute2 procps python3 strace          # integration tests: namespaces, ps, helpers, connect counts
  man-db groff-base systemd               # test_install: man pages render, systemd-analyze verify
  chromium fonts-noto-cjk                 # test_console: the console in headless Chromium, its Chinese
  python3-prometheus-client               # test_console: /metrics read by Prometheus' own parser
  libfaketime                             # test_clock: a node's wall clock stepped while it syncs
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
