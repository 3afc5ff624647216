#!/usr/bin/env bash
# Installs what the runtime, its tests and the example guests need, idempotently:
# Node dependencies always; with --ci also the system packages tests use.
# Guest toolchains (Rust target, cargo tools, Go toolchain) are installed by their
# builders in scripts/guests/ the first time they are needed.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x node_modules/.bin/tsc ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "--ci" ]; then
  missing=()
  # Debian packages the test suite uses; installed only when absent.
  for pkg in ${CI_DEBIAN_PACKAGES:-}; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
fi
