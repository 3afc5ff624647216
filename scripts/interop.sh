#!/usr/bin/env bash
# Builds the interop probe (test/interop: Iggy's official Rust SDK, crate iggy 0.11.0) and
# prints the path of its binary. Incremental: a second run takes about a second.
# Built unoptimised (the probe sends a few hundred messages; an optimised build of the
# SDK's dependency tree takes about three times as long on a fresh 2-core machine).
# Build output goes to the setup log; the tests call this themselves, test.sh runs it ahead.
set -euo pipefail
cd "$(dirname "$0")/../test/interop"
if ! command -v cargo >/dev/null 2>&1; then
  echo "interop: cargo is required (install Rust with rustup)" >&2
  exit 1
fi
cache="${IGGY_CONNECTORS_CACHE:-$HOME/.cache/iggy-connectors}"
log="$cache/setup.log"
mkdir -p "$cache"
# The build lives outside the work tree, so a fresh clone (as CI makes) reuses it.
export CARGO_TARGET_DIR="$cache/cargo/interop"
if ! cargo build --profile probe --quiet "$@" >>"$log" 2>&1; then
  echo "interop: building the SDK probe failed; the end of $log:" >&2
  tail -n 30 "$log" >&2
  exit 1
fi
echo "$CARGO_TARGET_DIR/probe/iggy-sdk-probe"
