#!/usr/bin/env bash
# Installs what the runtime, its tests and the example guests need, idempotently:
# Node dependencies always; with --test also the Debian packages the test suite
# uses (chromium: the status-page test drives it headless; postgresql: the
# PostgreSQL connector tests start a throw-away server; libhwloc15, libudev1: the
# real Iggy server in ../shared/iggy/ that the real-server tests start). Guest toolchains (Rust
# target, cargo tools, Go toolchain) are installed by their builders in
# scripts/guests/ the first time they are needed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Install output goes to a log file; the console gets one line per step (and the
# log's tail when a step fails).
SETUP_LOG="${IGGY_CONNECTORS_CACHE:-$HOME/.cache/iggy-connectors}/setup.log"
mkdir -p "$(dirname "$SETUP_LOG")"
quietly() {
  local what=$1; shift
  local started=$SECONDS
  echo "setup: $what (log: $SETUP_LOG)"
  if ! "$@" >>"$SETUP_LOG" 2>&1; then
    echo "setup: $what failed; the end of $SETUP_LOG:" >&2
    tail -n 30 "$SETUP_LOG" >&2
    exit 1
  fi
  echo "setup: $what done in $((SECONDS - started)) s"
}

TEST_DEBIAN_PACKAGES=(chromium postgresql libhwloc15 libudev1)

if [ ! -x node_modules/.bin/tsc ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  quietly "installing Node dependencies (npm ci)" npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "--test" ]; then
  missing=()
  for pkg in "${TEST_DEBIAN_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      echo "setup: the tests need the Debian packages ${missing[*]}; install them (apt-get install ${missing[*]}) and run again" >&2
      exit 1
    fi
    quietly "updating Debian's package lists" apt-get update
    quietly "installing Debian packages: ${missing[*]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
  fi
fi
