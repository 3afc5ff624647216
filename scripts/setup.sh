#!/usr/bin/env bash
# Installs what the runtime, its tests and the example guests need, idempotently:
# Node dependencies always; with --test also the Debian packages the test suite
# uses (chromium: the status-page test drives it headless; postgresql: the
# PostgreSQL connector tests start a throw-away server). Guest toolchains (Rust
# target, cargo tools, Go toolchain) are installed by their builders in
# scripts/guests/ the first time they are needed.
set -euo pipefail
cd "$(dirname "$0")/.."

TEST_DEBIAN_PACKAGES=(chromium postgresql)

if [ ! -x node_modules/.bin/tsc ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund
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
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
fi
