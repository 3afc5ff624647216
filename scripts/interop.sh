#!/usr/bin/env bash
# Builds the interop probe (test/interop: Iggy's official Rust SDK, crate iggy 0.11.0) and
# prints the path of its binary. Incremental: a second run takes about a second.
# Built unoptimised (the probe sends a few hundred messages), into the target dir that
# scripts/iggy-cli.sh builds the official CLI in, from the CLI's own lockfile: the CLI then
# compiles only itself. Build output goes to the setup log; test.sh runs this ahead of the tests.
set -euo pipefail
cd "$(dirname "$0")/../test/interop"
if ! command -v cargo >/dev/null 2>&1; then
  echo "interop: cargo is required (install Rust with rustup)" >&2
  exit 1
fi
cache="${IGGY_CONNECTORS_CACHE:-$HOME/.cache/iggy-connectors}"
log="$cache/setup.log"
mkdir -p "$cache"
# Outside the work tree, so a fresh clone (as CI makes) reuses it.
export CARGO_TARGET_DIR="$cache/cargo/interop"
fail() {
  echo "interop: $1 failed; the end of $log:" >&2
  tail -n 30 "$log" >&2
  exit 1
}
# The lockfile is not committed (it names the registry): it is iggy-cli 0.14.0's own, copied
# before every build (cargo adds this package to it and keeps every version).
# Prints nothing (and succeeds) while the crate is not fetched yet: under pipefail a failing
# `ls` would end the script without a word on a fresh machine.
lock_source() {
  local dir
  for dir in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/iggy-cli-0.14.0; do
    [ -d "$dir" ] && { echo "$dir"; return 0; }
  done
  return 0
}
src=$(lock_source)
if [ -z "$src" ]; then
  cargo fetch --quiet >>"$log" 2>&1 || fail "fetching the crates"
  src=$(lock_source)
fi
[ -n "$src" ] && [ -f "$src/Cargo.lock" ] || fail "finding iggy-cli 0.14.0's Cargo.lock"
cp "$src/Cargo.lock" Cargo.lock
cargo build --quiet "$@" >>"$log" 2>&1 || fail "building the SDK probe"
echo "$CARGO_TARGET_DIR/debug/iggy-sdk-probe"
